using AkkaKafka.Client.Verification;
using Xunit;

namespace AkkaKafka.Tests.FaultTolerance;

/// <summary>
/// The verdicts of <see cref="TransactionChecker"/> (what `akkakafka verify --transactions` reports) on small hand-made
/// histories: one per anomaly of Jepsen's Kafka workload that read_committed rules out, and the cases that are not one.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class TransactionCheckerSpecs
{
    // Writers ask to end their transactions at tick 100; readers are handed records from tick 200 on unless said otherwise.
    private const long EndAsked = 100;

    private static readonly TransactionRecord T1 = new("w1-t1", ["a", "b"], TransactionOutcome.Committed, EndAsked);
    private static readonly TransactionRecord T2 = new("w1-t2", ["c"], TransactionOutcome.Aborted, EndAsked);
    private static readonly TransactionRecord T3 = new("w2-t1", ["d", "e"], TransactionOutcome.Unknown, EndAsked);

    private static PartitionRead Log(int partition, params string[] values) =>
        new(partition, 0, values.Length, values.Select((v, i) => new LogEntry(i, v)).ToList());

    private static IReadOnlyList<ReadEntry> Reader(params (int Partition, long Offset, string Value)[] entries) =>
        entries.Select(e => new ReadEntry(e.Partition, e.Offset, e.Value, 200)).ToList();

    [Fact]
    public void Committed_transactions_read_whole_and_an_aborted_one_never_read_is_a_clean_history()
    {
        var result = TransactionChecker.Check([T1, T2, T3], [Reader((0, 0, "a"), (0, 1, "b"))], [Log(0, "a", "b")]);

        Assert.True(result.Clean, result.ToString());
        Assert.Equal((3, 1, 1, 1, 4), (result.Transactions, result.Committed, result.Aborted, result.Unknown, result.Read));
    }

    [Fact]
    public void A_transaction_of_unknown_outcome_may_be_in_the_log_whole()
    {
        var result = TransactionChecker.Check([T1, T3], [], [Log(0, "a", "d", "b", "e")]);

        Assert.True(result.Clean, result.ToString());
    }

    [Fact]
    public void A_value_of_an_aborted_transaction_handed_to_a_reader_or_in_the_final_read_is_an_aborted_read()
    {
        var result = TransactionChecker.Check([T1, T2], [Reader((0, 2, "c"))], [Log(0, "a", "b", "c")]);

        Assert.Equal(1, result.AbortedReads);
        Assert.Equal(["aborted-read=1"], result.Anomalies);
        Assert.Contains("aborted-read: reader 1 was handed c of aborted transaction w1-t2", result.Examples);
    }

    [Fact]
    public void A_value_handed_to_a_reader_before_its_transaction_was_asked_to_end_is_an_intermediate_read()
    {
        var early = new ReadEntry(0, 0, "a", EndAsked - 1);

        var result = TransactionChecker.Check([T1], [[early, new ReadEntry(0, 1, "b", 200)]], [Log(0, "a", "b")]);

        Assert.Equal(["intermediate-read=1"], result.Anomalies);
    }

    [Fact]
    public void A_value_of_an_acknowledged_commit_missing_from_the_final_read_is_a_lost_committed_write()
    {
        var result = TransactionChecker.Check([T1], [], [Log(0, "a")]);

        Assert.Equal(["lost-committed-write=1"], result.Anomalies);
        Assert.Contains(result.Examples, e => e.StartsWith("lost-committed-write: 1 of the 2 values of committed transaction w1-t1", StringComparison.Ordinal));
    }

    [Fact]
    public void A_value_at_two_places_is_a_duplicate_but_one_place_read_twice_is_not()
    {
        var readTwice = TransactionChecker.Check([T1], [Reader((0, 0, "a"), (0, 1, "b")), Reader((0, 0, "a"), (0, 1, "b"))], [Log(0, "a", "b")]);
        var stored = TransactionChecker.Check([T1], [], [Log(0, "a", "b", "a")]);

        Assert.True(readTwice.Clean, readTwice.ToString());
        Assert.Equal(["duplicate=1"], stored.Anomalies);
        Assert.Contains("duplicate: a is at partition 0 offset 0, partition 0 offset 2", stored.Examples);
    }

    [Fact]
    public void A_reader_handed_a_partitions_offsets_out_of_order_is_a_non_monotonic_read()
    {
        var result = TransactionChecker.Check([T1], [Reader((0, 1, "b"), (0, 0, "a"))], [Log(0, "a", "b")]);

        Assert.Equal(["non-monotonic-read=1"], result.Anomalies);
    }

    [Fact]
    public void Offsets_of_different_partitions_are_not_compared()
    {
        var result = TransactionChecker.Check([T1], [Reader((1, 5, "b"), (0, 0, "a"))], [Log(0, "a"), new PartitionRead(1, 5, 6, [new LogEntry(5, "b")])]);

        Assert.True(result.Clean, result.ToString());
    }

    [Fact]
    public void A_transaction_of_unknown_outcome_partly_in_the_log_is_torn()
    {
        var result = TransactionChecker.Check([T3], [], [Log(0, "d")]);

        Assert.Equal(["torn-transaction=1"], result.Anomalies);
    }

    [Fact]
    public void A_value_no_writer_wrote_is_reported()
    {
        var result = TransactionChecker.Check([T1], [], [Log(0, "a", "b", "x")]);

        Assert.Equal(["never-written=1"], result.Anomalies);
    }
}
