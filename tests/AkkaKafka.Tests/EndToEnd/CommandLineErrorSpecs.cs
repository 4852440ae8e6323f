using Xunit;

namespace AkkaKafka.Tests.EndToEnd;

/// <summary>
/// Mistakes a new user makes on the command line, each answered with one line on stderr and the README's exit code:
/// 2 for bad usage, 1 for an unreachable cluster, in a second or two rather than after a timeout.
/// </summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class CommandLineErrorSpecs : IDisposable
{
    // Generous: every case here answers in a second or two; only a command that waited for its request timeout
    // (60 s below) would hit it.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(40);
    private readonly string _dir = Directory.CreateTempSubdirectory("akkakafka-usage-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private async Task<string> OneErrorLine(int exitCode, params string[] args)
    {
        var result = await CliProcess.RunAsync(_dir, Bound, null, args);
        Assert.False(result.TimedOut, result.ToString());
        Assert.True(result.ExitCode == exitCode, result.ToString());
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("error: ", line);
        return line;
    }

    [Fact]
    public async Task A_bootstrap_without_a_port_is_refused_naming_HOST_PORT()
    {
        var line = await OneErrorLine(2, "topic", "list", "--bootstrap", "127.0.0.1");
        Assert.Contains("'127.0.0.1' has no port", line);
        Assert.Contains("HOST:PORT", line);
    }

    [Fact]
    public async Task A_bootstrap_host_that_does_not_resolve_is_refused_at_once()
    {
        var line = await OneErrorLine(2, "topic", "list", "--bootstrap", "no-such-broker.invalid:4053", "--timeout", "60");
        Assert.Contains("'no-such-broker.invalid' does not resolve", line);
    }

    [Fact]
    public async Task A_closed_port_is_reported_as_refused_without_waiting_for_the_request_timeout()
    {
        var port = CliProcess.FreePort();
        var line = await OneErrorLine(1, "cluster", "status", "--bootstrap", $"127.0.0.1:{port}", "--timeout", "60");
        Assert.Contains($"connection refused by 127.0.0.1:{port}", line);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    public async Task A_timeout_of_zero_or_less_is_bad_usage(string timeout)
    {
        var line = await OneErrorLine(2, "topic", "list", "--timeout", timeout);
        Assert.Contains($"--timeout must be more than 0 seconds, got {timeout}", line);
    }

    [Fact]
    public async Task A_negative_offset_other_than_Kafkas_latest_and_earliest_is_bad_usage()
    {
        var line = await OneErrorLine(2, "consume", "--topic", "t", "--partition", "0", "--offset", "-5");
        Assert.Contains("--offset must be 0 or more, or -1 (latest) or -2 (earliest), got -5", line);
    }

    [Theory]
    [InlineData("create")]
    [InlineData("alter")]
    public async Task Zero_partitions_is_bad_usage(string subcommand)
    {
        var line = await OneErrorLine(2, "topic", subcommand, "orders", "--partitions", "0");
        Assert.Contains("--partitions must be at least 1, got 0", line);
    }

    [Fact]
    public async Task An_unknown_flag_is_bad_usage()
    {
        var line = await OneErrorLine(2, "consume", "--topic", "t", "--frm-beginning");
        Assert.Contains("--frm-beginning", line);
        Assert.Contains("akkakafka consume --help", line);
    }

    [Theory]
    [InlineData("akka {\n  loglevel = INFO\n", 1, "the object '{' opened here is never closed")]
    [InlineData("akka.loglevel = INFO\nakka.cluster.roles = [broker\n", 2, "the array '[' opened here is never closed")]
    [InlineData("akka.loglevel = INFO\n}\n", 2, "'}' closes nothing")]
    [InlineData("a = 1\nb = \"unterminated\n", 2, "a quoted string is not closed on its line")]
    public async Task A_malformed_config_file_is_one_line_naming_the_file_the_line_and_the_problem(string hocon, int lineNumber, string problem)
    {
        var file = Path.Combine(_dir, "broken.hocon");
        await File.WriteAllTextAsync(file, hocon);
        var line = await OneErrorLine(2, "broker", "--port", CliProcess.FreePort().ToString(), "--kafka-port", "0", "--data", Path.Combine(_dir, "data"), "--config", file);
        Assert.Contains($"config file '{file}', line {lineNumber}: {problem}", line);
    }

    [Fact]
    public async Task A_config_value_of_the_wrong_type_is_traced_to_its_line()
    {
        var file = Path.Combine(_dir, "typo.hocon");
        await File.WriteAllTextAsync(file, "# sizes\nakkakafka.broker.tail-bytes = lots\n");
        var line = await OneErrorLine(2, "broker", "--port", CliProcess.FreePort().ToString(), "--kafka-port", "0", "--data", Path.Combine(_dir, "data"), "--config", file);
        Assert.Contains($"config file '{file}', line 2 (akkakafka.broker.tail-bytes = lots)", line);
        Assert.Contains("'lots'", line);
    }

    [Fact]
    public async Task A_missing_config_file_is_bad_usage()
    {
        var line = await OneErrorLine(2, "broker", "--port", CliProcess.FreePort().ToString(), "--kafka-port", "0", "--config", Path.Combine(_dir, "nope.hocon"));
        Assert.Contains("does not exist", line);
    }
}
