using Xunit;

namespace AkkaKafka.Tests.EndToEnd;

/// <summary>
/// What an operator sees in a broker's terminal: a banner saying who and where it is, then one line per cluster event,
/// with Akka's own INFO log kept in a file under the data directory.
/// </summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class BrokerOutputSpecs : IDisposable
{
    private static readonly TimeSpan EventWait = TimeSpan.FromSeconds(60);
    private readonly BrokerProcesses _cluster = new(2);

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task A_broker_shows_a_banner_then_one_line_per_cluster_event_and_keeps_Akkas_log_in_a_file()
    {
        var (firstPort, secondPort) = (_cluster.Ports[0], _cluster.Ports[1]);
        var first = await _cluster.StartAsync(firstPort);
        var logFile = Path.Combine(_cluster.DataDirectory, "logs", $"broker-{firstPort}.log");

        var banner = first.Stdout.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains(banner, l => l.StartsWith("AkkaKafka ") && l.Contains($"broker 127.0.0.1:{firstPort}"));
        Assert.Contains($"Remoting: akka.tcp://akkakafka@127.0.0.1:{firstPort}", banner);
        Assert.Contains("Kafka:    off (--kafka-port 0)", banner);
        Assert.Contains(banner, l => l.StartsWith("HTTP:"));
        Assert.Contains($"Journal:  sqlite, data in {_cluster.DataDirectory}", banner);
        Assert.Contains(banner, l => l.StartsWith($"Log:      {logFile}"));
        Assert.Contains($"Broker 127.0.0.1:{firstPort} is up: a member of the cluster; ready once every partition it owns has recovered (/health/ready). Press Ctrl-C to leave the cluster.", banner);
        Assert.True(await first.WaitForOutputAsync("this broker is now the controller", EventWait), first.ToString());

        var second = await _cluster.StartAsync(secondPort);
        Assert.True(await first.WaitForOutputAsync($"broker 127.0.0.1:{secondPort} joined the cluster", EventWait), first.ToString());
        Assert.True(await second.WaitForOutputAsync($"the controller is now 127.0.0.1:{firstPort}", EventWait), second.ToString());

        await _cluster.StopGracefullyAsync(secondPort, TimeSpan.FromSeconds(60));
        Assert.True(await first.WaitForOutputAsync($"broker 127.0.0.1:{secondPort} left the cluster", EventWait), first.ToString());

        // Akka's INFO chatter is in the file, not on the terminal; the start-up warning about singletons is gone.
        Assert.DoesNotContain("[INFO]", first.Stdout);
        Assert.DoesNotContain("ClusterSingletonProxy failed", first.Stdout + first.Stderr);
        Assert.True(File.Exists(logFile), $"no log file at {logFile}");
        using var reader = new StreamReader(new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        Assert.Contains($"Cluster Node [akka.tcp://akkakafka@127.0.0.1:{firstPort}]", await reader.ReadToEndAsync());
    }
}
