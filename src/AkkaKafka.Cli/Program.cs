using System.CommandLine;
using AkkaKafka.Cli;
using AkkaKafka.Cli.Commands;

// akkakafka: one program, Kafka-style subcommands. The libraries hold the logic; this only parses and wires.
var root = new RootCommand("AkkaKafka: a Kafka-style distributed, durable, partitioned log on Akka.NET")
{
    BrokerCommand.Create(),
    TopicCommands.Create(),
    ClusterCommands.Create(),
    ProduceCommand.Create(),
    ConsumeCommand.Create(),
    GroupCommands.Create(),
    BenchCommand.Create(),
    VerifyCommand.Create(),
    UserCommands.Create(),
    AclCommands.Create(),
    TransactionCommands.Create(),
};
foreach (var option in TlsOptions.All.Concat(UserLogin.All)) root.Options.Add(option);
var parsed = root.Parse(args);
// Bad usage is exit 2 everywhere (System.CommandLine's own parse errors would be 1 with the whole help text): one
// line on stderr naming the problem and where to read more.
if (parsed.Errors.Count > 0)
{
    var command = string.Join(' ', CommandPath(parsed.CommandResult));
    Console.Error.WriteLine($"error: {string.Join(" ", parsed.Errors.Select(e => OneLine(e.Message).TrimEnd('.') + "."))} " +
                            $"(see 'akkakafka {(command.Length > 0 ? command + " " : "")}--help')");
    return 2;
}
try
{
    CommonOptions.Tls = TlsOptions.From(parsed);
    CommonOptions.Login = UserLogin.From(parsed);
}
catch (UsageException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
// Ctrl-C and SIGTERM cancel the command's token through Termination, not System.CommandLine's handler (see there why).
var termination = Termination.Register();
var invocation = parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, termination.Requested);
return parsed.CommandResult.Command.Name == BrokerCommand.Name ? await invocation : await termination.WithinGracePeriodAsync(invocation);

static IEnumerable<string> CommandPath(System.CommandLine.Parsing.CommandResult result)
{
    var names = new Stack<string>();
    for (var r = result; r is not null && r.Command is not RootCommand; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        names.Push(r.Command.Name);
    return names;
}

// Some of System.CommandLine's messages span lines (a value not among the allowed ones lists each on its own line).
static string OneLine(string message) =>
    System.Text.RegularExpressions.Regex.Replace(message.ReplaceLineEndings(" "), @"\s+", " ").Trim();
