using System.Collections.Concurrent;
using System.Diagnostics;
using AkkaKafka.Client;
using AkkaKafka.Client.Consumer;
using AkkaKafka.Client.Verification;
using AkkaKafka.Tests.MultiNode.Support;

namespace AkkaKafka.Tests.FaultTolerance;

/// <summary>
/// Two members of one consumer group reading a topic for as long as a fault-tolerance spec runs, recording every
/// record each was handed (partition, offset) and when, so the spec can count what was read twice and say when.
/// </summary>
public sealed class GroupReaders(IReadOnlyList<ClusterConnection> connections, string group)
{
    private readonly ConcurrentQueue<(int Partition, long Offset, TimeSpan At)> _reads = new();
    private readonly List<Consumer> _members = [];
    private readonly List<Task> _loops = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>Time on this reader's clock (the spec marks its fault windows with it).</summary>
    public TimeSpan Now => _clock.Elapsed;

    public async Task StartAsync(string topic, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        foreach (var (connection, i) in connections.Select((c, i) => (c, i)))
        {
            var member = await Clients.SubscribeAsync(connection, $"{group}-member-{i + 1}", group, topic,
                within: deadline - DateTime.UtcNow, perAttempt: TimeSpan.FromSeconds(10));
            _members.Add(member);
            _loops.Add(Task.Run(async () =>
            {
                try
                {
                    await foreach (var r in member.ReadAllAsync(_stop.Token)) _reads.Enqueue((r.Partition, r.Offset, _clock.Elapsed));
                }
                catch (OperationCanceledException) { }
            }));
        }
    }

    /// <summary>Waits (bounded) until, together, the members have read every offset of each partition's final log; false if not.</summary>
    public async Task<bool> CatchUpAsync(IReadOnlyList<PartitionRead> ends, TimeSpan within)
    {
        return await Eventually.Holds(within, () => HasRead(ends));
    }

    private bool HasRead(IReadOnlyList<PartitionRead> ends)
    {
        var read = _reads.Select(r => (r.Partition, r.Offset)).ToHashSet();
        return ends.All(e => e.Entries.All(entry => read.Contains((e.Partition, entry.Offset))));
    }

    /// <summary>
    /// Records handed out more than once (each extra time counted), how many of those repeats came outside
    /// <paramref name="windows"/>, and how many of all reads fell inside them.
    /// </summary>
    public (int ReadTwice, int RepeatsOutsideWindows, int ReadInWindows, int Reads) Count(IReadOnlyList<(TimeSpan From, TimeSpan To)> windows)
    {
        var reads = _reads.ToList();
        bool Inside(TimeSpan at) => windows.Any(w => at >= w.From && at <= w.To);
        var repeats = reads.GroupBy(r => (r.Partition, r.Offset)).SelectMany(g => g.OrderBy(r => r.At).Skip(1)).ToList();
        return (repeats.Count, repeats.Count(r => !Inside(r.At)), reads.Count(r => Inside(r.At)), reads.Count);
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(10));
            foreach (var m in _members) await m.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            // The connections' ActorSystems go down with the spec.
        }
    }
}
