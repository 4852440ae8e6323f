using System.CommandLine;
using AkkaKafka.Client.Bench;

namespace AkkaKafka.Cli.Commands;

/// <summary>
/// `akkakafka bench failover`: starts its own local cluster of this very program's brokers and measures, per SIGKILL,
/// the time until the dead broker's partitions take writes again (see <see cref="FailoverBenchmark"/>).
/// </summary>
internal static class FailoverBenchCommand
{
    public static Command Create()
    {
        var brokers = new Option<int>("--brokers") { DefaultValueFactory = _ => 3, Description = "Broker processes to start (at least 3)" };
        var rounds = new Option<int>("--rounds") { DefaultValueFactory = _ => 5, Description = "Kills to measure" };
        var basePort = new Option<int>("--base-port") { DefaultValueFactory = _ => 15053, Description = "Remoting port of the first broker; the others take the next ports (127.0.0.1 only)" };
        var partitions = new Option<int>("--partitions") { DefaultValueFactory = _ => 6, Description = "Partitions of the benchmark topic" };
        var data = new Option<string?>("--data") { Description = "Empty data directory for the brokers, kept with their logs (default: a temporary one, deleted afterwards)" };
        var victim = new Option<string>("--victim") { DefaultValueFactory = _ => "leader", Description = "Which broker to kill: leader (the controller), member (any other) or random" };
        victim.AcceptOnlyFromAmong("leader", "member", "random");
        var command = new Command("failover",
            "Start a local cluster with default settings, SIGKILL a broker per round and measure the time until its partitions take writes again")
        {
            brokers, rounds, basePort, partitions, data, victim,
        };
        command.SetAction((r, ct) => CommonOptions.RunAsync(async () =>
        {
            var options = new FailoverOptions
            {
                Launcher = Self(),
                Brokers = r.GetValue(brokers),
                Rounds = r.GetValue(rounds),
                BasePort = r.GetValue(basePort),
                Partitions = r.GetValue(partitions),
                DataDirectory = r.GetValue(data),
                Victim = Enum.Parse<FailoverVictim>(r.GetValue(victim)!, ignoreCase: true),
                Output = Console.WriteLine,
                Progress = line => Console.Error.WriteLine(line),
            };
            if (FailoverBenchmark.Validate(options) is { } invalid) throw new UsageException(invalid);
            try
            {
                await FailoverBenchmark.RunAsync(options, ct);
                return 0;
            }
            catch (FailoverBenchException e)
            {
                await Console.Error.WriteLineAsync($"error: {e.Message}");
                return 1;
            }
        }));
        return command;
    }

    /// <summary>This program, as the brokers are started: the apphost itself, or "dotnet akkakafka.dll".</summary>
    private static BrokerLauncher Self()
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which program is running");
        return Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? new BrokerLauncher(process, [typeof(FailoverBenchCommand).Assembly.Location])
            : new BrokerLauncher(process, []);
    }
}
