using AkkaKafka.Tests.MultiNode.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.EndToEnd;

/// <summary>
/// `akkakafka verify`, the checker users run against their own cluster: a clean report (exit 0) from a three-broker
/// cluster while one broker is killed and restarted, and one line with exit 2 for bad usage.
/// </summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class VerifyCommandSpecs(ITestOutputHelper output) : IDisposable
{
    private readonly BrokerProcesses _brokers = new(3);

    public void Dispose() => _brokers.Dispose();

    [Fact]
    public async Task A_verify_run_while_a_broker_is_killed_and_restarted_reports_no_anomaly()
    {
        await _brokers.StartAllAsync();
        using var verify = CliProcess.Start(_brokers.WorkDirectory, "verify", "--bootstrap", _brokers.Bootstrap, "--duration", "30s", "--rate", "50");
        // The fault lands while records flow: once the first progress line shows acknowledgements.
        await Eventually.Async(TimeSpan.FromSeconds(90), () =>
        {
            Assert.False(verify.HasExited, verify.ToString());
            Assert.Matches(@"acknowledged [1-9]", verify.Stderr);
            return Task.CompletedTask;
        });

        var victim = _brokers.Ports[1];
        _brokers.Kill(victim);
        // Its join is refused while the cluster still removes its previous incarnation: it exits, and is started again.
        await Eventually.Async(TimeSpan.FromSeconds(120), async () =>
        {
            _brokers.Kill(victim);
            await _brokers.StartAsync(victim, TimeSpan.FromSeconds(40));
        });

        var exited = await verify.WaitForExitAsync(TimeSpan.FromMinutes(5));
        output.WriteLine(verify.Stdout);
        output.WriteLine(verify.Stderr);
        Assert.True(exited, "verify did not finish within 5 minutes");
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains("clean: no anomaly", verify.Stdout);
        Assert.Matches(@"acknowledged=[1-9]\d* failed=0 ", verify.Stdout);
    }

    [Fact]
    public async Task A_transactional_verify_run_commits_and_aborts_and_its_read_committed_readers_see_no_anomaly()
    {
        await _brokers.StartAllAsync();
        var result = await CliProcess.RunAsync(_brokers.WorkDirectory, TimeSpan.FromMinutes(4), null,
            "verify", "--bootstrap", _brokers.Bootstrap, "--transactions", "--duration", "10s", "--rate", "50", "--partitions", "3");
        output.WriteLine(result.ToString());

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("clean: no anomaly", result.Stdout);
        // Both outcomes happened (one transaction in four is aborted), and the readers were handed records.
        Assert.Matches(@"committed=[1-9]\d* aborted=[1-9]\d* unknown=0\) read=[1-9]", result.Stdout);
        Assert.Contains("aborted-read=0 intermediate-read=0 lost-committed-write=0 duplicate=0 non-monotonic-read=0", result.Stdout);
    }

    [Theory]
    [InlineData("--transaction-size needs --transactions", "verify", "--transaction-size", "3")]
    [InlineData("'soon' is not a duration", "verify", "--duration", "soon")]
    [InlineData("--chaos needs --broker-pids", "verify", "--chaos")]
    [InlineData("need --chaos", "verify", "--broker-pids", "4242")]
    [InlineData("'x' is not a process id", "verify", "--chaos", "--broker-pids", "4242,x")]
    [InlineData("--producers must be at least 1", "verify", "--producers", "0")]
    [InlineData("'xml' not recognized", "verify", "--report", "xml")]
    public async Task Bad_usage_is_one_line_and_exit_2(string says, params string[] args)
    {
        var result = await CliProcess.RunAsync(_brokers.WorkDirectory, TimeSpan.FromSeconds(40), null, args);

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains(says, line);
        Assert.Empty(result.Stdout);
    }
}
