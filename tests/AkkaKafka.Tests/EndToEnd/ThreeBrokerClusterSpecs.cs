using System.Text.RegularExpressions;
using AkkaKafka.Tests.MultiNode.Support;
using Xunit;

namespace AkkaKafka.Tests.EndToEnd;

/// <summary>Three real broker processes sharing one data directory, as run-cluster.ps1 starts them.</summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class ThreeBrokerClusterSpecs : IAsyncLifetime
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private readonly BrokerProcesses _cluster = new(3);

    public Task InitializeAsync() => _cluster.StartAllAsync();

    public Task DisposeAsync()
    {
        _cluster.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Partitions_spread_two_per_broker_the_oldest_leads_and_topics_survive_a_full_restart()
    {
        var first = $"127.0.0.1:{_cluster.Ports[0]}";
        var second = $"127.0.0.1:{_cluster.Ports[1]}";
        var created = await _cluster.RunAsync(CommandTimeout, null, "topic", "create", "orders", "--partitions", "6", "--bootstrap", first);
        Assert.True(created.ExitCode == 0, created.ToString());

        var status = await AwaitStatusAsync(second, s => _cluster.Ports.All(p => Regex.IsMatch(s, $@"127\.0\.0\.1:{p}\s+Up\s")) && PartitionCounts(s).All(c => c == 2));
        Assert.Contains($"Leader (controller, oldest Up broker): {first}", status);
        Assert.Equal([2, 2, 2], PartitionCounts(status));
        // The members are listed oldest first, which is all an age can say here: no AGE column (it was a rank, read as a time).
        Assert.Contains("Members: 3, oldest first", status);
        Assert.DoesNotContain(" AGE ", status);
        Assert.Equal(first, MemberOrder(status)[0]);
        Assert.Equal(_cluster.Ports.Select(p => $"127.0.0.1:{p}").Order(), MemberOrder(status).Order());

        var lines = string.Join("\n", Enumerable.Range(1, 300)) + "\n";
        var produced = await _cluster.RunAsync(CommandTimeout, lines, "produce", "--topic", "orders", "--bootstrap", $"127.0.0.1:{_cluster.Ports[2]}");
        Assert.True(produced.ExitCode == 0, produced.ToString());

        foreach (var port in _cluster.Ports) _cluster.Kill(port);
        await _cluster.StartAllAsync();

        var describe = await _cluster.RunAsync(CommandTimeout, null, "topic", "describe", "orders", "--bootstrap", _cluster.Bootstrap);
        Assert.True(describe.ExitCode == 0, describe.ToString());
        Assert.Contains("PartitionCount: 6", describe.Stdout);

        var consumed = await _cluster.RunAsync(CommandTimeout, null, "consume", "--topic", "orders", "--from-beginning", "--max-messages", "300", "--timeout-ms", "15000", "--bootstrap", _cluster.Bootstrap);
        Assert.Equal(Enumerable.Range(1, 300).Select(i => i.ToString()).Order(), consumed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
    }

    private Task<string> AwaitStatusAsync(string bootstrap, Func<string, bool> condition) =>
        Eventually.Async(TimeSpan.FromSeconds(45), async () =>
        {
            var result = await _cluster.RunAsync(CommandTimeout, null, "cluster", "status", "--bootstrap", bootstrap);
            Assert.True(result.ExitCode == 0 && condition(result.Stdout), "cluster status never matched:\n" + result.Stdout);
            return result.Stdout;
        });

    /// <summary>The members' "host:port" in the order the status lists them.</summary>
    private static string[] MemberOrder(string status) => status.Split('\n')
        .Where(l => l.StartsWith("akka.tcp://", StringComparison.Ordinal))
        .Select(l => l.Split(' ', 2)[0][(l.IndexOf('@') + 1)..])
        .ToArray();

    /// <summary>The PARTITIONS column (user topics) of each broker row (counted from the end: STATUS may hold a space).</summary>
    private static int[] PartitionCounts(string status) => status.Split('\n')
        .Where(l => l.StartsWith("akka.tcp://", StringComparison.Ordinal))
        .Select(l => int.Parse(l.Replace("(leader)", "").Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[^4]))
        .ToArray();
}
