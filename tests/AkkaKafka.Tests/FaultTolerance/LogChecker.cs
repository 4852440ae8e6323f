namespace AkkaKafka.Tests.FaultTolerance;

/// <summary>A record the brokers acknowledged (acks=all): <see cref="Value"/> is at <see cref="Offset"/> of <see cref="Partition"/>.</summary>
public sealed record Ack(string Value, int Partition, long Offset);

/// <summary>One record as a consumer saw it.</summary>
public sealed record LogEntry(long Offset, string Value);

/// <summary>A partition read from its log start to its end: offsets [<see cref="Start"/>, <see cref="End"/>), entries in the order they arrived.</summary>
public sealed record PartitionRead(int Partition, long Start, long End, IReadOnlyList<LogEntry> Entries);

/// <summary>What the checker found. Every count except the duplicates is a broken guarantee.</summary>
public sealed record LogCheckResult(
    int Acknowledged,
    int Failed,
    int Read,
    int Lost,
    int Duplicated,
    int DuplicatedOfFailedSends,
    int Reordered,
    int Reused,
    int Skipped,
    int Unknown,
    long LiveBehind,
    IReadOnlyList<string> Examples)
{
    /// <summary>No broken guarantee (duplicates are allowed).</summary>
    public bool Clean => Lost == 0 && Reused == 0 && Skipped == 0 && Reordered == 0 && Unknown == 0;

    public string Counts =>
        $"acknowledged={Acknowledged} failed={Failed} read={Read} lost={Lost} duplicated={Duplicated} " +
        $"(of failed sends {DuplicatedOfFailedSends}, of acknowledged sends {Duplicated - DuplicatedOfFailedSends}) " +
        $"reordered={Reordered} reused={Reused} skipped={Skipped} unknown={Unknown} live-consumer-behind={LiveBehind}";

    public override string ToString() =>
        Counts + (Examples.Count == 0 ? "" : "\n  " + string.Join("\n  ", Examples));
}

/// <summary>
/// Compares what producers were told (acknowledgements), what a consumer saw while the cluster was failing, and the
/// final log read from offset 0 afterwards. Pure, so its verdicts are specified on their own (LogCheckerSpecs).
/// <list type="bullet">
/// <item>lost: acknowledged, but the final log does not hold that value at that partition and offset;</item>
/// <item>reused: one partition offset seen with two different values (by acks, the live consumer or the final read);</item>
/// <item>skipped: an offset between the log start and end that the final read never returned;</item>
/// <item>reordered: a consumer (live or final) got a partition's offsets other than one by one in increasing order;</item>
/// <item>duplicated: a value stored more than once. Allowed: with acks=all and no idempotence a batch whose
/// acknowledgement was lost (timeout, broker died after the write) is sent again. Counted, not an error;</item>
/// <item>unknown: a value in the log that no producer sent.</item>
/// </list>
/// </summary>
public static class LogChecker
{
    private const int MaxExamples = 20;

    public static LogCheckResult Check(
        IReadOnlyCollection<string> sent,
        IReadOnlyCollection<Ack> acks,
        IReadOnlyCollection<string> failed,
        IReadOnlyList<PartitionRead> final,
        IReadOnlyDictionary<int, IReadOnlyList<LogEntry>> live)
    {
        var examples = new List<string>();
        void Example(string text)
        {
            if (examples.Count < MaxExamples) examples.Add(text);
        }

        // Everything anyone saw at each partition offset.
        var seenAt = new Dictionary<(int, long), HashSet<string>>();
        void See(int partition, long offset, string value)
        {
            if (!seenAt.TryGetValue((partition, offset), out var values)) seenAt[(partition, offset)] = values = [];
            values.Add(value);
        }
        foreach (var a in acks) See(a.Partition, a.Offset, a.Value);
        foreach (var (p, entries) in live)
            foreach (var e in entries) See(p, e.Offset, e.Value);

        var stored = new Dictionary<(int, long), string>();
        var skipped = 0;
        var reordered = 0;
        var read = 0;
        foreach (var partition in final)
        {
            var expected = partition.Start;
            foreach (var e in partition.Entries)
            {
                read++;
                See(partition.Partition, e.Offset, e.Value);
                stored.TryAdd((partition.Partition, e.Offset), e.Value);
                if (e.Offset > expected)
                {
                    skipped += (int)(e.Offset - expected);
                    Example($"skipped: partition {partition.Partition} offsets [{expected}, {e.Offset}) are missing from the log");
                }
                else if (e.Offset < expected)
                {
                    reordered++;
                    Example($"reordered (final read): partition {partition.Partition} offset {e.Offset} came after {expected - 1}");
                    continue;
                }
                expected = e.Offset + 1;
            }
            if (expected < partition.End)
            {
                skipped += (int)(partition.End - expected);
                Example($"skipped: partition {partition.Partition} ends at {partition.End} but the read stopped at {expected}");
            }
        }

        var reused = 0;
        foreach (var ((p, o), values) in seenAt)
        {
            if (values.Count < 2) continue;
            reused++;
            Example($"reused: partition {p} offset {o} holds {string.Join(" and ", values.Order(StringComparer.Ordinal))}");
        }

        var lost = 0;
        foreach (var a in acks)
        {
            if (stored.TryGetValue((a.Partition, a.Offset), out var value) && value == a.Value) continue;
            lost++;
            Example(value is null
                ? $"lost: {a.Value} acknowledged at partition {a.Partition} offset {a.Offset}, which the log does not have"
                : $"lost: {a.Value} acknowledged at partition {a.Partition} offset {a.Offset}, where the log has {value}");
        }

        foreach (var (p, entries) in live)
        {
            var start = final.FirstOrDefault(f => f.Partition == p)?.Start ?? 0;
            var expected = start;
            foreach (var e in entries)
            {
                if (e.Offset != expected)
                {
                    reordered++;
                    Example($"reordered (live consumer): partition {p} offset {e.Offset} came where {expected} was due");
                }
                expected = e.Offset + 1;
            }
        }

        var failedSet = failed.ToHashSet(StringComparer.Ordinal);
        var sentSet = sent.ToHashSet(StringComparer.Ordinal);
        var duplicated = 0;
        var duplicatedOfFailed = 0;
        var unknown = 0;
        foreach (var group in stored.GroupBy(kv => kv.Value, StringComparer.Ordinal))
        {
            if (!sentSet.Contains(group.Key))
            {
                unknown += group.Count();
                Example($"unknown: {group.Key} at {string.Join(", ", group.Select(kv => $"partition {kv.Key.Item1} offset {kv.Key.Item2}"))} was never sent");
                continue;
            }
            var extra = group.Count() - 1;
            if (extra == 0) continue;
            duplicated += extra;
            if (failedSet.Contains(group.Key)) duplicatedOfFailed += extra;
        }

        long behind = 0;
        foreach (var partition in final)
        {
            var liveEnd = live.TryGetValue(partition.Partition, out var entries) && entries.Count > 0 ? entries[^1].Offset + 1 : partition.Start;
            behind += Math.Max(0, partition.End - liveEnd);
        }

        return new LogCheckResult(acks.Count, failed.Count, read, lost, duplicated, duplicatedOfFailed, reordered, reused, skipped, unknown, behind, examples);
    }
}
