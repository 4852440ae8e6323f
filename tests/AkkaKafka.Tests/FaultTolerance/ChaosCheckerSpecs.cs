using AkkaKafka.Client.Verification;
using Xunit;

namespace AkkaKafka.Tests.FaultTolerance;

/// <summary>The verdicts of the checker shared by the chaos specs and <c>akkakafka verify</c> (<see cref="LogChecker"/>) on small hand-made histories.</summary>
[Trait("Speed", "Fast")]
public sealed class ChaosCheckerSpecs
{
    private static readonly string[] Sent = ["a", "b", "c", "d"];

    private static PartitionRead Log(int partition, params string[] values) =>
        new(partition, 0, values.Length, values.Select((v, i) => new LogEntry(i, v)).ToList());

    private static Dictionary<int, IReadOnlyList<LogEntry>> Live(int partition, params (long Offset, string Value)[] entries) =>
        new() { [partition] = entries.Select(e => new LogEntry(e.Offset, e.Value)).ToList() };

    private static readonly Dictionary<int, IReadOnlyList<LogEntry>> NoLiveReads = new();

    /// <summary>A live consumer that read each of <paramref name="logs"/> to its end, as the final read did.</summary>
    private static Dictionary<int, IReadOnlyList<LogEntry>> ReadToTheEnd(params PartitionRead[] logs) =>
        logs.ToDictionary(l => l.Partition, l => l.Entries);

    [Fact]
    public void A_history_where_every_acknowledged_record_is_where_it_was_acknowledged_is_clean()
    {
        var result = LogChecker.Check(Sent, [new Ack("a", 0, 0), new Ack("b", 0, 1)], ["c"], [Log(0, "a", "b")], Live(0, (0, "a"), (1, "b")));

        Assert.Equal((2, 2, 0, 0, 0, 0, 0, 0, 0L), (result.Acknowledged, result.Read, result.Lost, result.Duplicated, result.Reordered, result.Reused, result.Skipped, result.NeverSent, result.LiveBehind));
        Assert.True(result.Clean);
        Assert.Empty(result.Anomalies);
    }

    [Fact]
    public void An_acknowledged_record_missing_from_the_log_is_lost()
    {
        var result = LogChecker.Check(Sent, [new Ack("a", 0, 0), new Ack("b", 0, 1)], [], [Log(0, "a")], NoLiveReads);

        Assert.Equal(1, result.Lost);
        Assert.Contains(result.Examples, e => e.StartsWith("lost: b", StringComparison.Ordinal));
    }

    [Fact]
    public void An_offset_acknowledged_for_one_value_but_holding_another_is_lost_and_reused()
    {
        var result = LogChecker.Check(Sent, [new Ack("a", 0, 0), new Ack("b", 0, 0)], [], [Log(0, "a")], NoLiveReads);

        Assert.Equal(1, result.Lost);
        Assert.Equal(1, result.Reused);
    }

    [Fact]
    public void A_value_the_live_consumer_saw_at_an_offset_that_now_holds_another_is_reused()
    {
        var result = LogChecker.Check(Sent, [], [], [Log(0, "a", "c")], Live(0, (0, "a"), (1, "b")));

        Assert.Equal(1, result.Reused);
        Assert.Equal(0, result.Lost);
    }

    [Fact]
    public void Offsets_missing_between_the_log_start_and_end_are_skipped()
    {
        var withGap = new PartitionRead(0, 0, 4, [new LogEntry(0, "a"), new LogEntry(2, "b"), new LogEntry(3, "c")]);
        var shortRead = new PartitionRead(1, 0, 2, [new LogEntry(0, "d")]);

        var result = LogChecker.Check(Sent, [], [], [withGap, shortRead], NoLiveReads);

        Assert.Equal(2, result.Skipped);
    }

    [Fact]
    public void A_live_consumer_that_goes_back_or_jumps_ahead_reordered()
    {
        var result = LogChecker.Check(Sent, [], [], [Log(0, "a", "b", "c", "d")], Live(0, (0, "a"), (1, "b"), (0, "a"), (1, "b"), (3, "d")));

        Assert.Equal(2, result.Reordered);
        Assert.Equal(0, result.LiveBehind);
    }

    [Fact]
    public void A_value_stored_twice_is_a_duplicate_and_counted_apart_when_its_send_failed_or_its_fate_is_unknown()
    {
        var result = LogChecker.Check(Sent, [new Ack("a", 0, 1)], [], [Log(0, "a", "a", "b", "b", "c")], ReadToTheEnd(Log(0, "a", "a", "b", "b", "c")), unknown: ["b"]);

        Assert.Equal(2, result.Duplicated);
        Assert.Equal(1, result.DuplicatedOfFailedSends);
        Assert.Equal(0, result.Lost);
        Assert.Equal(["duplicated=2"], result.Anomalies);
    }

    [Fact]
    public void A_value_nobody_sent_is_never_sent()
    {
        var result = LogChecker.Check(Sent, [], [], [Log(0, "a", "zzz")], NoLiveReads);

        Assert.Equal(1, result.NeverSent);
        Assert.False(result.Clean);
    }

    [Fact]
    public void One_producers_sequences_out_of_order_within_a_partition_are_reordered()
    {
        string[] sent = ["p1-1", "p1-2", "p1-3", "p2-1"];
        var result = LogChecker.Check(sent, [], [], [Log(0, "p1-1", "p1-3", "p2-1", "p1-2")], NoLiveReads);

        Assert.Equal(1, result.Reordered);
        Assert.Contains(result.Examples, e => e.StartsWith("reordered: partition 0 offset 3 holds p1-2, after p1-3", StringComparison.Ordinal));
    }

    [Fact]
    public void Sequences_interleaved_across_partitions_or_streams_are_in_order()
    {
        string[] sent = ["p1-k1-1", "p1-k2-2", "p1-k1-3", "p1-k2-4"];
        var result = LogChecker.Check(sent, [], [], [Log(0, "p1-k1-1", "p1-k1-3"), Log(1, "p1-k2-4")], ReadToTheEnd(Log(0, "p1-k1-1", "p1-k1-3"), Log(1, "p1-k2-4")), unknown: ["p1-k2-2"]);

        Assert.Equal(0, result.Reordered);
        Assert.True(result.Clean);
    }

    [Fact]
    public void A_retried_copy_of_an_earlier_sequence_is_a_duplicate_not_a_reordering()
    {
        string[] sent = ["p1-1", "p1-2"];
        var result = LogChecker.Check(sent, [new Ack("p1-1", 0, 0), new Ack("p1-2", 0, 1)], [], [Log(0, "p1-1", "p1-2", "p1-1")], NoLiveReads);

        Assert.Equal((1, 0), (result.Duplicated, result.Reordered));
    }

    [Fact]
    public void A_send_reported_failed_whose_value_is_in_the_log_is_failed_but_stored()
    {
        var result = LogChecker.Check(Sent, [new Ack("a", 0, 0)], ["b"], [Log(0, "a", "b")], ReadToTheEnd(Log(0, "a", "b")));

        Assert.Equal(1, result.FailedButStored);
        Assert.Equal(["failed-but-stored=1"], result.Anomalies);
    }

    [Fact]
    public void A_send_of_unknown_fate_may_or_may_not_be_in_the_log()
    {
        var stored = LogChecker.Check(Sent, [], [], [Log(0, "a")], ReadToTheEnd(Log(0, "a")), unknown: ["a", "b"]);

        Assert.Equal(2, stored.Unknown);
        Assert.True(stored.Clean);
    }

    [Fact]
    public void A_live_consumer_that_stopped_before_the_end_of_the_log_is_behind()
    {
        var result = LogChecker.Check(Sent, [], [], [Log(0, "a", "b", "c"), Log(1, "d")], Live(0, (0, "a")));

        Assert.Equal(3, result.LiveBehind);
        Assert.False(result.LiveCaughtUp);
        Assert.Equal(["live-consumer-behind=3"], result.Anomalies);
    }

    [Fact]
    public void The_counts_line_names_every_count()
    {
        var result = LogChecker.Check(Sent, [new Ack("a", 0, 0)], [], [Log(0, "a")], Live(0, (0, "a")));

        Assert.Equal(
            "acknowledged=1 failed=0 unknown=0 read=1 lost=0 duplicated=0 (of failed or unknown sends 0, of acknowledged sends 0) " +
            "reordered=0 reused=0 skipped=0 never-sent=0 failed-but-stored=0 live-consumer-behind=0",
            result.Counts);
    }
}
