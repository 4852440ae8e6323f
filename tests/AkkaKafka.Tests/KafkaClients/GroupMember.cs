using Confluent.Kafka;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// A Confluent.Kafka consumer in a group with auto-commit off, as an application that wants no record processed twice
/// writes it: it commits what it consumed every <c>commitEvery</c> records, when partitions are taken from it in a
/// rebalance, and before it leaves. Specs drive it from their own thread with <see cref="Poll"/> (a consumer is not
/// thread-safe), several members in turn, so every member keeps answering rebalances.
/// </summary>
public sealed class GroupMember : IDisposable
{
    private readonly IConsumer<string, string> _consumer;
    private readonly Dictionary<TopicPartition, long> _uncommitted = new();
    private readonly int _commitEvery;
    private int _sinceCommit;
    private int _assignments;
    private bool _closed;

    /// <param name="configure">Changes to <see cref="Config"/> a spec needs (a longer session, debug contexts).</param>
    public GroupMember(string bootstrap, string group, string topic, int commitEvery = 1, Action<ConsumerConfig>? configure = null)
    {
        _commitEvery = commitEvery;
        var config = Config(bootstrap, group);
        configure?.Invoke(config);
        _consumer = new ConsumerBuilder<string, string>(config)
            // Eager rebalance: everything is revoked, so commit what was consumed before another member gets it.
            .SetPartitionsRevokedHandler((c, revoked) => Commit(revoked.Select(r => r.TopicPartition)))
            .SetPartitionsAssignedHandler((_, _) => Interlocked.Increment(ref _assignments))
            .SetPartitionsLostHandler((_, lost) => { foreach (var l in lost) _uncommitted.Remove(l.TopicPartition); })
            .SetErrorHandler((_, e) => Errors.Add(e.ToString()))
            .Build();
        _consumer.Subscribe(topic);
    }

    public static ConsumerConfig Config(string bootstrap, string group) => new()
    {
        BootstrapServers = bootstrap,
        GroupId = group,
        EnableAutoCommit = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        // Short session and heartbeats so a rebalance finishes in seconds; bounded socket and metadata waits.
        SessionTimeoutMs = 10000,
        HeartbeatIntervalMs = 1000,
        SocketTimeoutMs = 20000,
        PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range,
    };

    public IConsumer<string, string> Consumer => _consumer;

    /// <summary>Every record handed to this member, in order.</summary>
    public List<ConsumeResult<string, string>> Records { get; } = [];

    public List<string> Errors { get; } = [];

    public List<TopicPartition> Assignment => _consumer.Assignment;

    /// <summary>
    /// How many assignments the group gave this member: one per generation it joined (eager rebalance: every generation
    /// revokes everything and assigns anew). librdkafka does not show its generation; this is how it changes.
    /// </summary>
    public int Assignments => Volatile.Read(ref _assignments);

    /// <summary>Consumes at most one record, waiting at most <paramref name="wait"/>; serves rebalances meanwhile.</summary>
    public ConsumeResult<string, string>? Poll(TimeSpan wait)
    {
        var result = _consumer.Consume(wait);
        if (result is null || result.IsPartitionEOF) return null;
        Records.Add(result);
        _uncommitted[result.TopicPartition] = result.Offset.Value + 1;
        if (++_sinceCommit >= _commitEvery) CommitAll();
        return result;
    }

    /// <summary>Commits the position after the last record consumed on every partition (synchronously).</summary>
    public void CommitAll() => Commit(_uncommitted.Keys.ToList());

    private void Commit(IEnumerable<TopicPartition> partitions)
    {
        var offsets = partitions.Where(_uncommitted.ContainsKey)
            .Select(tp => new TopicPartitionOffset(tp, new Offset(_uncommitted[tp]))).ToList();
        if (offsets.Count == 0) return;
        _consumer.Commit(offsets);
        foreach (var o in offsets) _uncommitted.Remove(o.TopicPartition);
        _sinceCommit = 0;
    }

    /// <summary>Commits and leaves the group (LeaveGroup), so the others get its partitions at once.</summary>
    public void Close()
    {
        if (_closed) return;
        CommitAll();
        _consumer.Close();
        _closed = true;
    }

    public override string ToString() =>
        $"{_consumer.Name}: {Records.Count} records, assignment [{string.Join(",", SafeAssignment())}], errors: {string.Join("; ", Errors.TakeLast(5))}";

    private IEnumerable<string> SafeAssignment()
    {
        if (_closed) return ["closed"];
        try { return _consumer.Assignment.Select(a => $"{a.Topic}/{a.Partition.Value}"); }
        catch (ObjectDisposedException) { return ["disposed"]; }
    }

    /// <summary>
    /// Polls every member in turn until <paramref name="done"/> holds or <paramref name="timeout"/> passes; returns
    /// whether it held. Short waits per member keep each one answering the group while the others are polled.
    /// </summary>
    public static bool PollUntil(Func<bool> done, TimeSpan timeout, params GroupMember[] members)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done())
        {
            if (DateTime.UtcNow > deadline) return false;
            foreach (var m in members)
            {
                // Drain what is buffered quickly, then give the next member its turn.
                for (var i = 0; i < 500 && m.Poll(TimeSpan.FromMilliseconds(i == 0 ? 50 : 0)) is not null; i++) { }
            }
        }
        return true;
    }

    public void Dispose()
    {
        try { if (!_closed) _consumer.Close(); }
        catch (KafkaException) { } // the broker may be gone (killed by the spec): leaving is best effort
        catch (ObjectDisposedException) { }
        _consumer.Dispose();
    }
}
