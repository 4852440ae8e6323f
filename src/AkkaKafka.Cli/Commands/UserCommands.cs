using System.CommandLine;
using System.Text;
using AkkaKafka.Client;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Cli.Commands;

/// <summary>
/// `akkakafka user create|delete|list`: the users Kafka clients authenticate as (SASL SCRAM and PLAIN), stored by the
/// controller as salted SCRAM credentials, as kafka-configs --alter --add-config 'SCRAM-SHA-256=[...]' stores them.
/// </summary>
internal static class UserCommands
{
    /// <summary>Kafka's bounds for SCRAM iterations (the broker refuses others too).</summary>
    private const int MinIterations = ScramCredential.DefaultIterations;
    private const int MaxIterations = 16384;

    public static Command Create()
    {
        var user = new Command("user", "Create, delete and list the users clients authenticate as (SASL SCRAM/PLAIN)");
        user.Subcommands.Add(CreateCommand());
        user.Subcommands.Add(DeleteCommand());
        user.Subcommands.Add(ListCommand());
        return user;
    }

    private static Command CreateCommand()
    {
        var name = new Argument<string>("name") { Description = "User name" };
        var passwordStdin = new Option<bool>("--password-stdin")
        {
            Description = "Read the password from standard input (its first line); otherwise it is asked for on the terminal, not echoed",
        };
        var mechanism = new Option<string?>("--mechanism")
        {
            Description = $"The SCRAM mechanism to store a credential for ({SaslMechanisms.ScramSha256} or {SaslMechanisms.ScramSha512}); default both",
        };
        mechanism.AcceptOnlyFromAmong(SaslMechanisms.ScramSha256, SaslMechanisms.ScramSha512);
        var iterations = new Option<int>("--iterations")
        {
            Description = $"PBKDF2 iterations of the credentials ({MinIterations} to {MaxIterations})",
            DefaultValueFactory = _ => ScramCredential.DefaultIterations,
        };
        iterations.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is var n and (< MinIterations or > MaxIterations))
                result.AddError($"--iterations must be between {MinIterations} and {MaxIterations}, got {n}");
        });
        var bootstrap = CommonOptions.Bootstrap();
        var timeout = CommonOptions.Timeout();
        var command = new Command("create", "Create a user, or set a new password for an existing one (only salted credentials are sent and stored)")
        {
            name, passwordStdin, mechanism, iterations, bootstrap, timeout,
        };
        command.SetAction((r, ct) => CommonOptions.RunAsync(async () =>
        {
            var userName = r.GetValue(name)!;
            // Asked before connecting: the password prompt must not wait behind the cluster, nor the cluster behind a typist.
            var password = r.GetValue(passwordStdin) ? ReadPasswordFromStdin() : ReadPasswordFromTerminal(userName);
            IReadOnlyList<string> mechanisms = r.GetValue(mechanism) is { } one ? [one] : SaslMechanisms.Scram;
            return await CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, r.GetValue(timeout), async connection =>
                Report(await new SecurityAdminClient(connection).UpsertUserAsync(userName, password, mechanisms, r.GetValue(iterations), ct)));
        }));
        return command;
    }

    private static Command DeleteCommand()
    {
        var name = new Argument<string>("name") { Description = "User name" };
        var bootstrap = CommonOptions.Bootstrap();
        var timeout = CommonOptions.Timeout();
        var command = new Command("delete", "Delete a user (its ACL rules stay, as in Kafka)") { name, bootstrap, timeout };
        command.SetAction((r, ct) => CommonOptions.RunAsync(() => CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, r.GetValue(timeout), async connection =>
            Report(await new SecurityAdminClient(connection).DeleteUserAsync(r.GetValue(name)!, ct)))));
        return command;
    }

    private static Command ListCommand()
    {
        var bootstrap = CommonOptions.Bootstrap();
        var timeout = CommonOptions.Timeout();
        var command = new Command("list", "List users and the SCRAM mechanisms each has a credential for") { bootstrap, timeout };
        command.SetAction((r, ct) => CommonOptions.RunAsync(() => CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, r.GetValue(timeout), async connection =>
        {
            var users = await new SecurityAdminClient(connection).ListUsersAsync(ct);
            Console.Write(Format.Users(users));
            return 0;
        })));
        return command;
    }

    /// <summary>The first line of standard input, as docker login --password-stdin reads it (a trailing newline is not part of it).</summary>
    private static string ReadPasswordFromStdin()
    {
        var line = Console.In.ReadLine();
        if (string.IsNullOrEmpty(line)) throw new UsageException("--password-stdin: no password on standard input");
        return line;
    }

    /// <summary>Asks twice on the terminal without echo; with no terminal to ask on, says how to give it instead.</summary>
    private static string ReadPasswordFromTerminal(string user)
    {
        if (Console.IsInputRedirected)
            throw new UsageException("standard input is not a terminal: give the password on standard input with --password-stdin");
        var password = Prompt($"Password for user {user}: ");
        if (password.Length == 0) throw new UsageException("the password is empty");
        if (Prompt("Again: ") != password) throw new UsageException("the passwords do not match");
        return password;
    }

    private static string Prompt(string prompt)
    {
        Console.Error.Write(prompt);
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0) text.Length--;
                continue;
            }
            if (!char.IsControl(key.KeyChar)) text.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return text.ToString();
    }

    internal static int Report(SecurityCommandResult result)
    {
        if (result.IsSuccess)
        {
            Console.WriteLine(result.Message);
            return 0;
        }
        Console.Error.WriteLine($"error: {result.Message}");
        return 1;
    }
}
