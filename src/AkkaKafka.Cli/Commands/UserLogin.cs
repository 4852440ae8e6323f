using System.CommandLine;
using AkkaKafka.Client;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Cli.Commands;

/// <summary>
/// --username and --password-file: who a client command acts as when the cluster's security is on. Named after
/// Kafka's sasl.username (`acl add --user` already names the user a rule is for). The password never goes on the
/// command line: a file, AKKAKAFKA_PASSWORD, or a prompt at a terminal.
/// </summary>
internal sealed class UserLogin
{
    public static readonly Option<string?> UsernameFlag = new("--username")
    {
        Description = "Act as this user (created with `akkakafka user create`) when the cluster's security is on",
        Recursive = true,
    };

    public static readonly Option<string?> PasswordFileFlag = new("--password-file")
    {
        Description = $"File holding the password of --username (or set {Secrets.PasswordVariable}; at a terminal it is asked for)",
        Recursive = true,
    };

    public static IEnumerable<Option> All => [UsernameFlag, PasswordFileFlag];

    public static readonly UserLogin None = new(null, null);

    private UserLogin(string? user, string? passwordFile)
    {
        User = user;
        PasswordFile = passwordFile;
    }

    public string? User { get; }
    public string? PasswordFile { get; }

    public static UserLogin From(ParseResult parsed)
    {
        var login = new UserLogin(parsed.GetValue(UsernameFlag), parsed.GetValue(PasswordFileFlag));
        if (login.User is { } user && string.IsNullOrWhiteSpace(user)) throw new UsageException("--username must not be empty");
        if (login.User is null && login.PasswordFile is not null) throw new UsageException("--password-file needs --username");
        if (login.PasswordFile is { } file && !File.Exists(file)) throw new UsageException($"--password-file: file '{file}' does not exist");
        return login;
    }

    /// <summary>The credentials to log in with (asking for the password at a terminal if need be); null without --username.</summary>
    public ClientCredentials? Credentials()
    {
        if (User is null) return null;
        var password = Secrets.Read(PasswordFile, Secrets.PasswordVariable);
        if (password is null)
        {
            if (Console.IsInputRedirected)
                throw new UsageException($"--username {User} needs a password: --password-file FILE or {Secrets.PasswordVariable} (stdin is not a terminal)");
            password = Prompt($"Password for {User}: ");
        }
        return new ClientCredentials(User, password);
    }

    /// <summary>Reads a line from the terminal without echoing it.</summary>
    private static string Prompt(string prompt)
    {
        Console.Error.Write(prompt);
        var text = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace) { if (text.Length > 0) text.Length--; }
            else if (!char.IsControl(key.KeyChar)) text.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return text.ToString();
    }
}
