using AkkaKafka.Tests.MultiNode.Support;
using Xunit;

namespace AkkaKafka.Tests.EndToEnd;

/// <summary>A console consumer whose broker dies: one line on stderr, no stack trace, and the records keep coming.</summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class ConsumerReconnectSpecs : IAsyncLifetime
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(120);
    private readonly BrokerProcesses _cluster = new(3);

    public Task InitializeAsync() => _cluster.StartAllAsync();

    public Task DisposeAsync()
    {
        _cluster.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_consumer_whose_broker_is_killed_says_so_in_one_line_and_keeps_reading()
    {
        // The consumer knows only the victim (not the controller), so that is the broker its ClusterClient talks to.
        var victim = _cluster.Ports[1];
        var survivors = $"127.0.0.1:{_cluster.Ports[0]},127.0.0.1:{_cluster.Ports[2]}";
        var created = await _cluster.RunAsync(CommandTimeout, null, "topic", "create", "live", "--partitions", "3", "--bootstrap", survivors);
        Assert.True(created.ExitCode == 0, created.ToString());
        var before = Enumerable.Range(1, 20).Select(i => $"before-{i}").ToList();
        var produced = await _cluster.RunAsync(CommandTimeout, string.Join("\n", before) + "\n", "produce", "--topic", "live", "--bootstrap", survivors);
        Assert.True(produced.ExitCode == 0, produced.ToString());

        using var consumer = CliProcess.Start(_cluster.WorkDirectory, "consume", "--topic", "live", "--from-beginning", "--bootstrap", $"127.0.0.1:{victim}");
        Assert.True(await AwaitLinesAsync(consumer, before, TimeSpan.FromSeconds(60)), $"{consumer}\nvictim broker:\n{_cluster[victim]}");

        _cluster.Kill(victim);
        var after = Enumerable.Range(1, 20).Select(i => $"after-{i}").ToList();
        produced = await _cluster.RunAsync(CommandTimeout, string.Join("\n", after) + "\n", "produce", "--topic", "live", "--bootstrap", survivors);
        Assert.True(produced.ExitCode == 0, produced.ToString());

        Assert.True(await AwaitLinesAsync(consumer, after, TimeSpan.FromSeconds(90)), consumer.ToString());
        Assert.False(consumer.HasExited, consumer.ToString());
        // Fetches go straight to the partitions' owners, so records from the survivors can arrive before the cluster
        // client notices (within its heartbeat pause, about 2 s) that its contact broker is gone.
        var lost = $"lost connection to 127.0.0.1:{victim}, reconnecting…";
        await Eventually.Async(TimeSpan.FromSeconds(30), () =>
        {
            Assert.Contains(lost, consumer.Stderr);
            return Task.CompletedTask;
        });
        var stderr = consumer.Stderr;
        Assert.DoesNotContain("Exception", stderr);
        Assert.DoesNotContain(stderr.Split('\n'), l => l.TrimStart().StartsWith("at "));
    }

    private static async Task<bool> AwaitLinesAsync(CliProcess consumer, IReadOnlyList<string> expected, TimeSpan within)
    {
        bool HasAll() => expected.All(consumer.Stdout.Split('\n', StringSplitOptions.TrimEntries).ToHashSet().Contains);
        // A consumer that exited prints nothing more: it fails the wait at once unless it printed them all.
        await Eventually.Holds(within, () => consumer.HasExited || HasAll());
        return HasAll();
    }
}
