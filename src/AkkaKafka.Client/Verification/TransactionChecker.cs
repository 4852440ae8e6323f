using System.Globalization;

namespace AkkaKafka.Client.Verification;

/// <summary>How a writer's transaction ended, as the writer was told.</summary>
public enum TransactionOutcome
{
    /// <summary>The commit was acknowledged.</summary>
    Committed,
    /// <summary>The writer aborted it, and the abort was acknowledged.</summary>
    Aborted,
    /// <summary>The writer does not know: its commit or abort failed without an answer (timeout, lost connection, fenced).</summary>
    Unknown,
}

/// <summary>
/// One transaction a writer ran: the values it wrote (unique across the run), how it ended, and when the writer asked
/// for that end (<see cref="EndRequestedAt"/>, Stopwatch ticks of the one process that ran writers and readers;
/// <see cref="long.MaxValue"/> if it never asked).
/// </summary>
public sealed record TransactionRecord(string Id, IReadOnlyList<string> Values, TransactionOutcome Outcome, long EndRequestedAt);

/// <summary>One record a read_committed reader was handed, with when (Stopwatch ticks, as <see cref="TransactionRecord.EndRequestedAt"/>).</summary>
public sealed record ReadEntry(int Partition, long Offset, string Value, long At);

/// <summary>
/// What <see cref="TransactionChecker"/> found: the run's sizes (<see cref="Read"/> counts the live readers' records
/// and the final read's), then one count per anomaly of Jepsen's Kafka workload that read_committed must rule out.
/// </summary>
public sealed record TransactionCheckResult(
    int Transactions,
    int Committed,
    int Aborted,
    int Unknown,
    int Read,
    int AbortedReads,
    int IntermediateReads,
    int LostCommittedWrites,
    int Duplicates,
    int NonMonotonicReads,
    int TornTransactions,
    int NeverWritten,
    IReadOnlyList<string> Examples)
{
    /// <summary>The anomalies found, as "name=count" in the report's order; empty when the history is clean.</summary>
    public IReadOnlyList<string> Anomalies =>
        new (string Name, int Count)[]
            {
                ("aborted-read", AbortedReads), ("intermediate-read", IntermediateReads), ("lost-committed-write", LostCommittedWrites),
                ("duplicate", Duplicates), ("non-monotonic-read", NonMonotonicReads), ("torn-transaction", TornTransactions),
                ("never-written", NeverWritten),
            }
            .Where(a => a.Count > 0)
            .Select(a => $"{a.Name}={a.Count.ToString(CultureInfo.InvariantCulture)}")
            .ToList();

    public bool Clean => Anomalies.Count == 0;

    /// <summary>One line with every count, the form the README quotes.</summary>
    public string Counts =>
        $"transactions={Transactions} (committed={Committed} aborted={Aborted} unknown={Unknown}) read={Read} " +
        $"aborted-read={AbortedReads} intermediate-read={IntermediateReads} lost-committed-write={LostCommittedWrites} " +
        $"duplicate={Duplicates} non-monotonic-read={NonMonotonicReads} torn-transaction={TornTransactions} never-written={NeverWritten}";

    public override string ToString() => Counts + (Examples.Count == 0 ? "" : "\n  " + string.Join("\n  ", Examples));
}

/// <summary>
/// Checks a transactional history as Jepsen's Kafka workload does, against what read_committed promises. Pure, so its
/// verdicts are specified on their own (TransactionCheckerSpecs).
/// <list type="bullet">
/// <item>aborted-read (G1a): a reader was handed a value of an aborted transaction;</item>
/// <item>intermediate-read (G1b): a reader was handed a value of a transaction before its writer even asked to commit
/// it (the broker must hold it back until the commit marker: the last stable offset);</item>
/// <item>lost-committed-write: a value of a transaction whose commit was acknowledged is not in the final read;</item>
/// <item>duplicate: a value at more than one place (partition, offset), in the final read or by any reader;</item>
/// <item>non-monotonic-read: a reader (or the final read) was handed a partition's offsets other than increasing;</item>
/// <item>torn-transaction: a transaction of unknown outcome is partly in the final read (all or nothing: atomicity);</item>
/// <item>never-written: a value in the final read that no writer wrote.</item>
/// </list>
/// A transaction of unknown outcome may be in the log or not; only wholly.
/// </summary>
public static class TransactionChecker
{
    private const int MaxExamples = 20;

    /// <param name="transactions">Every transaction every writer began.</param>
    /// <param name="readers">What each live read_committed reader was handed, in arrival order.</param>
    /// <param name="final">Each partition read with read_committed from its log start to its end after the run.</param>
    public static TransactionCheckResult Check(IReadOnlyList<TransactionRecord> transactions, IReadOnlyList<IReadOnlyList<ReadEntry>> readers,
        IReadOnlyList<PartitionRead> final)
    {
        var examples = new List<string>();
        void Example(string text)
        {
            if (examples.Count < MaxExamples) examples.Add(text);
        }

        var writtenBy = new Dictionary<string, TransactionRecord>(StringComparer.Ordinal);
        foreach (var t in transactions)
            foreach (var v in t.Values) writtenBy[v] = t;

        var placesOf = new Dictionary<string, HashSet<(int, long)>>(StringComparer.Ordinal);
        void Place(string value, int partition, long offset)
        {
            if (!placesOf.TryGetValue(value, out var places)) placesOf[value] = places = [];
            places.Add((partition, offset));
        }

        var abortedReads = new HashSet<string>(StringComparer.Ordinal);
        void CheckAborted(string value, string who)
        {
            if (writtenBy.TryGetValue(value, out var t) && t.Outcome == TransactionOutcome.Aborted && abortedReads.Add(value))
                Example($"aborted-read: {who} was handed {value} of aborted transaction {t.Id}");
        }

        var nonMonotonic = 0;
        var intermediate = new HashSet<string>(StringComparer.Ordinal);
        var read = 0;
        for (var r = 0; r < readers.Count; r++)
        {
            var last = new Dictionary<int, long>();
            foreach (var e in readers[r])
            {
                read++;
                Place(e.Value, e.Partition, e.Offset);
                CheckAborted(e.Value, $"reader {r + 1}");
                if (writtenBy.TryGetValue(e.Value, out var t) && e.At < t.EndRequestedAt && intermediate.Add(e.Value))
                    Example($"intermediate-read: reader {r + 1} was handed {e.Value} before transaction {t.Id} was asked to end");
                if (last.TryGetValue(e.Partition, out var previous) && e.Offset <= previous)
                {
                    nonMonotonic++;
                    Example($"non-monotonic-read: reader {r + 1} was handed partition {e.Partition} offset {e.Offset} after {previous}");
                }
                last[e.Partition] = e.Offset;
            }
        }

        var inFinal = new HashSet<string>(StringComparer.Ordinal);
        var neverWritten = 0;
        foreach (var partition in final)
        {
            var previous = long.MinValue;
            foreach (var e in partition.Entries)
            {
                read++;
                Place(e.Value, partition.Partition, e.Offset);
                inFinal.Add(e.Value);
                CheckAborted(e.Value, "the final read");
                if (!writtenBy.ContainsKey(e.Value))
                {
                    neverWritten++;
                    Example($"never-written: partition {partition.Partition} offset {e.Offset} holds {e.Value}, which no writer wrote");
                }
                if (e.Offset <= previous)
                {
                    nonMonotonic++;
                    Example($"non-monotonic-read: the final read was handed partition {partition.Partition} offset {e.Offset} after {previous}");
                }
                previous = e.Offset;
            }
        }

        var duplicates = 0;
        foreach (var (value, places) in placesOf)
        {
            if (places.Count <= 1) continue;
            duplicates++;
            Example($"duplicate: {value} is at {string.Join(", ", places.Order().Select(p => $"partition {p.Item1} offset {p.Item2}"))}");
        }

        var lost = 0;
        var torn = 0;
        foreach (var t in transactions)
        {
            var present = t.Values.Count(inFinal.Contains);
            if (t.Outcome == TransactionOutcome.Committed && present < t.Values.Count)
            {
                lost += t.Values.Count - present;
                Example($"lost-committed-write: {t.Values.Count - present} of the {t.Values.Count} values of committed transaction {t.Id} are not in the log, e.g. {t.Values.First(v => !inFinal.Contains(v))}");
            }
            else if (t.Outcome == TransactionOutcome.Unknown && present > 0 && present < t.Values.Count)
            {
                torn++;
                Example($"torn-transaction: {present} of the {t.Values.Count} values of transaction {t.Id} (outcome unknown) are in the log");
            }
        }

        return new TransactionCheckResult(transactions.Count,
            transactions.Count(t => t.Outcome == TransactionOutcome.Committed),
            transactions.Count(t => t.Outcome == TransactionOutcome.Aborted),
            transactions.Count(t => t.Outcome == TransactionOutcome.Unknown),
            read, abortedReads.Count, intermediate.Count, lost, duplicates, nonMonotonic, torn, neverWritten, examples);
    }
}
