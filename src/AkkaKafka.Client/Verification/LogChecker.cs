using System.Globalization;

namespace AkkaKafka.Client.Verification;

/// <summary>
/// What the checker found. <see cref="Acknowledged"/>, <see cref="Failed"/>, <see cref="Unknown"/> and
/// <see cref="Read"/> describe the run; every other count is a broken guarantee of acks=all with idempotence.
/// </summary>
public sealed record LogCheckResult(
    int Acknowledged,
    int Failed,
    int Unknown,
    int Read,
    int Lost,
    int Duplicated,
    int DuplicatedOfFailedSends,
    int Reordered,
    int Reused,
    int Skipped,
    int NeverSent,
    int FailedButStored,
    long LiveBehind,
    IReadOnlyList<string> Examples)
{
    /// <summary>Whether the live consumer had read every partition to its end when it stopped.</summary>
    public bool LiveCaughtUp => LiveBehind == 0;

    /// <summary>The broken guarantees, as "name=count", in the order of the report; empty when the history is clean.</summary>
    public IReadOnlyList<string> Anomalies =>
        new (string Name, long Count)[]
            {
                ("lost", Lost), ("duplicated", Duplicated), ("reordered", Reordered), ("reused", Reused), ("skipped", Skipped),
                ("never-sent", NeverSent), ("failed-but-stored", FailedButStored), ("live-consumer-behind", LiveBehind),
            }
            .Where(a => a.Count > 0)
            .Select(a => $"{a.Name}={a.Count.ToString(CultureInfo.InvariantCulture)}")
            .ToList();

    public bool Clean => Anomalies.Count == 0;

    /// <summary>One line with every count, the form the README quotes.</summary>
    public string Counts =>
        $"acknowledged={Acknowledged} failed={Failed} unknown={Unknown} read={Read} lost={Lost} duplicated={Duplicated} " +
        $"(of failed or unknown sends {DuplicatedOfFailedSends}, of acknowledged sends {Duplicated - DuplicatedOfFailedSends}) " +
        $"reordered={Reordered} reused={Reused} skipped={Skipped} never-sent={NeverSent} failed-but-stored={FailedButStored} " +
        $"live-consumer-behind={LiveBehind}";

    public override string ToString() =>
        Counts + (Examples.Count == 0 ? "" : "\n  " + string.Join("\n  ", Examples));
}

/// <summary>
/// Compares what producers were told (acknowledgements, failures), what a consumer saw while the cluster was failing,
/// and the final log read from its start afterwards. Pure, so its verdicts are specified on their own
/// (ChaosCheckerSpecs); the chaos specs and <c>akkakafka verify</c> both use it.
/// <list type="bullet">
/// <item>lost: acknowledged, but the final log does not hold that value at that partition and offset;</item>
/// <item>duplicated: a value (one producer's sequence number) stored at more than one offset;</item>
/// <item>reordered: a consumer (live or final) got a partition's offsets other than one by one in increasing order,
/// or one producer stream's sequence numbers appear out of order within a partition
/// (values as <see cref="RecordValue"/> writes them);</item>
/// <item>reused: one partition offset seen with two different values (by acks, the live consumer or the final read);</item>
/// <item>skipped: an offset between the log start and end that the final read never returned (the log start moves
/// with retention, so what retention removed is not counted);</item>
/// <item>never-sent: a value in the log that no producer sent;</item>
/// <item>failed-but-stored: a send the producer was told definitely failed, whose value is in the log;</item>
/// <item>live-consumer-behind: records between where the live consumer stopped and the end of the log.</item>
/// </list>
/// Sends whose outcome the producer could not know (timed out, connection lost) are counted as unknown: stored or
/// not, neither is an anomaly.
/// </summary>
public static class LogChecker
{
    private const int MaxExamples = 20;

    /// <param name="sent">Every value a producer sent.</param>
    /// <param name="acks">Acknowledged sends.</param>
    /// <param name="failed">Sends the producer was told were not stored.</param>
    /// <param name="final">Each partition read from its log start to its end after the run.</param>
    /// <param name="live">What the live consumer read, per partition, in the order it arrived.</param>
    /// <param name="unknown">Sends whose fate the producer was not told.</param>
    public static LogCheckResult Check(
        IReadOnlyCollection<string> sent,
        IReadOnlyCollection<Ack> acks,
        IReadOnlyCollection<string> failed,
        IReadOnlyList<PartitionRead> final,
        IReadOnlyDictionary<int, IReadOnlyList<LogEntry>> live,
        IReadOnlyCollection<string>? unknown = null)
    {
        unknown ??= [];
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
        // An acknowledgement without an offset (-1: the broker knew the batch as written, but no longer where) names no offset.
        foreach (var a in acks.Where(a => a.Offset >= 0)) See(a.Partition, a.Offset, a.Value);
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
            reordered += SequencesOutOfOrder(partition, Example);
        }

        var reused = 0;
        foreach (var ((p, o), values) in seenAt)
        {
            if (values.Count < 2) continue;
            reused++;
            Example($"reused: partition {p} offset {o} holds {string.Join(" and ", values.Order(StringComparer.Ordinal))}");
        }

        var lost = 0;
        // Only offset-less acknowledgements (rare) need the partition's values as a set: built once, when the first comes.
        HashSet<(int, string)>? storedValues = null;
        foreach (var a in acks)
        {
            if (a.Offset < 0
                    ? (storedValues ??= stored.Select(kv => (kv.Key.Item1, kv.Value)).ToHashSet()).Contains((a.Partition, a.Value))
                    : stored.TryGetValue((a.Partition, a.Offset), out var found) && found == a.Value)
                continue;
            stored.TryGetValue((a.Partition, a.Offset), out var value);
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
        var unresolvedSet = failed.Concat(unknown).ToHashSet(StringComparer.Ordinal);
        var sentSet = sent.ToHashSet(StringComparer.Ordinal);
        var duplicated = 0;
        var duplicatedOfFailed = 0;
        var neverSent = 0;
        var failedButStored = 0;
        foreach (var group in stored.GroupBy(kv => kv.Value, StringComparer.Ordinal))
        {
            var where = string.Join(", ", group.Select(kv => $"partition {kv.Key.Item1} offset {kv.Key.Item2}"));
            if (!sentSet.Contains(group.Key))
            {
                neverSent += group.Count();
                Example($"never-sent: {group.Key} at {where} was never sent");
                continue;
            }
            if (failedSet.Contains(group.Key))
            {
                failedButStored++;
                Example($"failed-but-stored: {group.Key} was reported failed, yet the log has it at {where}");
            }
            var extra = group.Count() - 1;
            if (extra == 0) continue;
            duplicated += extra;
            Example($"duplicated: {group.Key} at {where}");
            if (unresolvedSet.Contains(group.Key)) duplicatedOfFailed += extra;
        }

        long behind = 0;
        foreach (var partition in final)
        {
            var liveEnd = live.TryGetValue(partition.Partition, out var entries) && entries.Count > 0 ? entries[^1].Offset + 1 : partition.Start;
            behind += Math.Max(0, partition.End - liveEnd);
        }

        return new LogCheckResult(acks.Count, failed.Count, unknown.Count, read, lost, duplicated, duplicatedOfFailed, reordered, reused,
            skipped, neverSent, failedButStored, behind, examples);
    }

    /// <summary>
    /// Within one partition, each producer stream's sequence numbers must increase with the offset. A value's second
    /// copy is a duplicate, counted as such, not again as a reordering.
    /// </summary>
    private static int SequencesOutOfOrder(PartitionRead partition, Action<string> example)
    {
        var highest = new Dictionary<string, long>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var reordered = 0;
        foreach (var e in partition.Entries)
        {
            if (!seen.Add(e.Value) || !RecordValue.TryParse(e.Value, out var stream, out var sequence)) continue;
            if (highest.TryGetValue(stream, out var before) && sequence < before)
            {
                reordered++;
                example($"reordered: partition {partition.Partition} offset {e.Offset} holds {e.Value}, after {RecordValue.Format(stream, before)}");
                continue;
            }
            highest[stream] = sequence;
        }
        return reordered;
    }
}
