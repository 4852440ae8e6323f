using AkkaKafka.Tests.MultiNode.Support;
using Xunit;

namespace AkkaKafka.Tests.EndToEnd;

/// <summary>
/// Secrets a broker needs (the database password in its connection string, its TLS key's passphrase) come from a
/// file or an environment variable, so `ps` never shows them; and a broker bound beyond loopback without TLS says so.
/// </summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class BrokerSecretsSpecs : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);
    private const string Password = "s3cret-Pa55word";
    private readonly string _directory = Directory.CreateTempSubdirectory("akkakafka-secrets-").FullName;
    private readonly List<CliProcess> _started = [];

    public void Dispose()
    {
        foreach (var broker in _started) broker.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task The_connection_string_is_read_from_a_file_and_its_password_is_never_printed()
    {
        // Nothing listens on this port: the broker must get as far as trying the host and port the file names.
        var dbPort = CliProcess.FreePort();
        var file = Path.Combine(_directory, "connection-string");
        await File.WriteAllTextAsync(file, $"Host=127.0.0.1;Port={dbPort};Username=akkakafka;Password={Password};Database=akkakafka\n");

        var result = await CliProcess.RunAsync(_directory, CommandTimeout, null, Broker("--journal", "postgres", "--connection-string-file", file));

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"error: cannot reach PostgreSQL at 127.0.0.1:{dbPort}", result.Stderr.Trim());
        Assert.DoesNotContain(Password, result.Stdout + result.Stderr);
    }

    [Fact]
    public async Task The_connection_string_is_read_from_AKKAKAFKA_CONNECTION_STRING()
    {
        var dbPort = CliProcess.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["AKKAKAFKA_CONNECTION_STRING"] = $"Host=127.0.0.1;Port={dbPort};Username=akkakafka;Password={Password};Database=akkakafka",
        };

        var result = await CliProcess.RunWithEnvironmentAsync(_directory, CommandTimeout, environment, null, Broker("--journal", "postgres"));

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"error: cannot reach PostgreSQL at 127.0.0.1:{dbPort}", result.Stderr.Trim());
        Assert.DoesNotContain(Password, result.Stdout + result.Stderr);
    }

    [Fact]
    public async Task Without_any_connection_string_postgres_is_refused_naming_the_file_and_the_variable()
    {
        var result = await CliProcess.RunAsync(_directory, CommandTimeout, null, Broker("--journal", "postgres"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--connection-string-file FILE or AKKAKAFKA_CONNECTION_STRING", result.Stderr);
    }

    [Fact]
    public async Task An_encrypted_TLS_key_is_opened_with_the_passphrase_from_a_file_which_ps_does_not_show()
    {
        var tls = TlsFiles.Create(_directory, "encrypted", Password);
        var passphrase = Path.Combine(_directory, "passphrase");
        await File.WriteAllTextAsync(passphrase, Password + "\n");

        var broker = Start(Broker([.. tls.Flags, "--tls-key-password-file", passphrase]));

        Assert.True(await broker.WaitForOutputAsync("is up", TimeSpan.FromSeconds(60)), broker.ToString());
        Assert.Contains("Remoting: akka.ssl.tcp://", broker.Stdout);
        var commandLine = (await File.ReadAllTextAsync($"/proc/{broker.Pid}/cmdline")).Replace('\0', ' ');
        Assert.Contains("--tls-key-password-file", commandLine);
        Assert.DoesNotContain(Password, commandLine);
    }

    [Fact]
    public async Task An_encrypted_TLS_key_is_opened_with_the_passphrase_from_AKKAKAFKA_TLS_KEY_PASSWORD_and_a_wrong_one_is_one_line()
    {
        var tls = TlsFiles.Create(_directory, "encrypted", Password);

        var wrong = await CliProcess.RunWithEnvironmentAsync(_directory, CommandTimeout,
            new Dictionary<string, string> { ["AKKAKAFKA_TLS_KEY_PASSWORD"] = "not-it" }, null, Broker(tls.Flags));
        Assert.Equal(1, wrong.ExitCode);
        Assert.StartsWith("error: cannot start a broker on 127.0.0.1:", wrong.Stderr.Trim());
        Assert.Contains($"cannot load the TLS certificate '{tls.CertFile}'", wrong.Stderr);
        Assert.Single(wrong.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var right = CliProcess.StartProgram("dotnet", [CliProcess.Executable, .. Broker(tls.Flags)], _directory, redirectInput: false,
            new Dictionary<string, string> { ["AKKAKAFKA_TLS_KEY_PASSWORD"] = Password });
        _started.Add(right);
        Assert.True(await right.WaitForOutputAsync("is up", TimeSpan.FromSeconds(60)), right.ToString());
    }

    [Fact]
    public async Task A_broker_bound_beyond_loopback_without_TLS_prints_one_warning_line_naming_its_plaintext_ports()
    {
        var port = CliProcess.FreePort();
        var httpPort = CliProcess.FreePort();
        var broker = Start(["broker", "--host", "0.0.0.0", "--port", port.ToString(), "--kafka-port", "0", "--http-port", httpPort.ToString(),
            "--data", Path.Combine(_directory, "data")]);

        Assert.True(await broker.WaitForOutputAsync("is up", TimeSpan.FromSeconds(60)), broker.ToString());
        // Written before the banner, on stderr: bounded wait for that pipe's reader to catch up.
        await Eventually.Holds(TimeSpan.FromSeconds(10), () => broker.Stderr.Contains('\n'));
        var warnings = broker.Stderr.Split('\n').Where(l => l.StartsWith("warning: bound to 0.0.0.0")).ToList();
        var warning = Assert.Single(warnings);
        Assert.Contains($"without TLS on Akka remoting ({port}), HTTP ({httpPort})", warning);
        Assert.Contains("give --tls-cert and --tls-key", warning);
    }

    [Fact]
    public async Task A_broker_bound_beyond_loopback_with_TLS_on_every_port_it_opens_prints_no_warning()
    {
        var tls = TlsFiles.Create(_directory, "exposed");
        var broker = Start(["broker", "--host", "0.0.0.0", "--port", CliProcess.FreePort().ToString(), "--kafka-port", "0",
            "--http-port", CliProcess.FreePort().ToString(), "--data", Path.Combine(_directory, "data"), .. tls.Flags]);

        Assert.True(await broker.WaitForOutputAsync("is up", TimeSpan.FromSeconds(60)), broker.ToString());
        Assert.DoesNotContain("warning: bound", broker.Stderr);
    }

    private string[] Broker(params string[] extra) =>
        ["broker", "--port", CliProcess.FreePort().ToString(), "--kafka-port", "0", "--http-port", "0", "--data", Path.Combine(_directory, "data"), .. extra];

    private CliProcess Start(string[] args)
    {
        var broker = CliProcess.Start(_directory, args);
        _started.Add(broker);
        return broker;
    }
}
