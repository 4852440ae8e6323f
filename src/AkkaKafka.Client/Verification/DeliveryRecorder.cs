using System.Collections.Concurrent;

namespace AkkaKafka.Client.Verification;

/// <summary>
/// What the producers sent and were told, and what the live consumer read, written from many threads (send
/// continuations, the consumer loop) and handed to the <see cref="LogChecker"/> at the end (<see cref="Check"/>).
/// </summary>
public sealed class DeliveryRecorder
{
    private readonly ConcurrentQueue<string> _sent = new();
    private readonly ConcurrentQueue<Ack> _acks = new();
    private readonly ConcurrentQueue<(string Value, string Reason)> _failed = new();
    private readonly ConcurrentQueue<(string Value, string Reason)> _unknown = new();
    private readonly ConcurrentDictionary<int, ConcurrentQueue<LogEntry>> _live = new();
    private readonly ConcurrentDictionary<int, long> _liveNext = new();

    public void Sent(string value) => _sent.Enqueue(value);
    public void Acked(Ack ack) => _acks.Enqueue(ack);
    /// <summary>The producer was told the record was not stored.</summary>
    public void Failed(string value, string reason) => _failed.Enqueue((value, reason));
    /// <summary>The producer could not learn whether the record was stored (timed out, connection lost).</summary>
    public void Unknown(string value, string reason) => _unknown.Enqueue((value, reason));
    public void Read(int partition, LogEntry entry)
    {
        _live.GetOrAdd(partition, _ => new()).Enqueue(entry);
        _liveNext[partition] = entry.Offset + 1;
    }

    public IReadOnlyCollection<string> SentValues => _sent.ToArray();
    public IReadOnlyCollection<Ack> Acks => _acks.ToArray();
    // Counts for the progress line: the *Values properties copy every value, which a long run has hundreds of thousands of.
    public int SentCount => _sent.Count;
    public int AckCount => _acks.Count;
    public int FailedCount => _failed.Count;
    public int UnknownCount => _unknown.Count;
    public int LiveReadCount => _live.Values.Sum(q => q.Count);
    public IReadOnlyCollection<string> FailedValues => _failed.Select(f => f.Value).ToArray();
    public IReadOnlyCollection<string> UnknownValues => _unknown.Select(f => f.Value).ToArray();

    /// <summary>Failure reasons (definite and unknown fates) with how often each occurred, most frequent first.</summary>
    public IEnumerable<string> FailureReasons =>
        _failed.Select(f => $"failed: {f.Reason}").Concat(_unknown.Select(f => $"unknown: {f.Reason}"))
            .GroupBy(r => r).OrderByDescending(g => g.Count()).Select(g => $"{g.Count()}x {g.Key}");

    /// <summary>Records a send's outcome: acknowledged at an offset, or failed (<see cref="DeliveryFate.IsDefinite"/> tells which kind).</summary>
    public void Completed(string value, Ack? ack, Exception? error)
    {
        if (ack is not null) Acked(ack);
        else if (error is not null && DeliveryFate.IsDefinite(error)) Failed(value, error.Message);
        else Unknown(value, error?.Message ?? "no answer");
    }

    /// <summary>Everything recorded so far against the final log (<see cref="LogChecker.Check"/>).</summary>
    public LogCheckResult Check(IReadOnlyList<PartitionRead> final) =>
        LogChecker.Check(SentValues, Acks, FailedValues, final, LiveReads, UnknownValues);

    public bool HasAckOnEveryPartition(int partitions) => _acks.Select(a => a.Partition).Distinct().Count() == partitions;

    public IReadOnlyDictionary<int, IReadOnlyList<LogEntry>> LiveReads =>
        _live.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<LogEntry>)kv.Value.ToArray());

    /// <summary>Everything recorded, one line per event ("ack partition offset value", "live ...", "failed value reason"), for a post-mortem.</summary>
    public void WriteTo(string file, IReadOnlyList<PartitionRead> final)
    {
        using var w = new StreamWriter(file);
        foreach (var a in _acks) w.WriteLine($"ack {a.Partition} {a.Offset} {a.Value}");
        foreach (var (value, reason) in _failed) w.WriteLine($"failed {value} {reason}");
        foreach (var (value, reason) in _unknown) w.WriteLine($"unknown {value} {reason}");
        foreach (var (p, q) in _live)
            foreach (var e in q) w.WriteLine($"live {p} {e.Offset} {e.Value}");
        foreach (var f in final)
        {
            w.WriteLine($"range {f.Partition} {f.Start} {f.End}");
            foreach (var e in f.Entries) w.WriteLine($"final {f.Partition} {e.Offset} {e.Value}");
        }
    }

    /// <summary>The offset after the last record the live consumer got from <paramref name="partition"/> (0 if none).</summary>
    public long LiveNext(int partition) => _liveNext.GetValueOrDefault(partition);
}
