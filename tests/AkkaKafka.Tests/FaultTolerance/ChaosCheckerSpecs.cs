using Xunit;

namespace AkkaKafka.Tests.FaultTolerance;

/// <summary>The chaos spec's verdicts (<see cref="LogChecker"/>) on small hand-made histories.</summary>
public sealed class ChaosCheckerSpecs
{
    private static readonly string[] Sent = ["a", "b", "c", "d"];

    private static PartitionRead Log(int partition, params string[] values) =>
        new(partition, 0, values.Length, values.Select((v, i) => new LogEntry(i, v)).ToList());

    private static Dictionary<int, IReadOnlyList<LogEntry>> Live(int partition, params (long Offset, string Value)[] entries) =>
        new() { [partition] = entries.Select(e => new LogEntry(e.Offset, e.Value)).ToList() };

    private static readonly Dictionary<int, IReadOnlyList<LogEntry>> NoLiveReads = new();

    [Fact]
    public void A_history_where_every_acknowledged_record_is_where_it_was_acknowledged_is_clean()
    {
        var result = LogChecker.Check(Sent, [new Ack("a", 0, 0), new Ack("b", 0, 1)], ["c"], [Log(0, "a", "b")], Live(0, (0, "a"), (1, "b")));

        Assert.Equal((2, 2, 0, 0, 0, 0, 0, 0, 0L), (result.Acknowledged, result.Read, result.Lost, result.Duplicated, result.Reordered, result.Reused, result.Skipped, result.Unknown, result.LiveBehind));
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
    public void A_value_stored_twice_is_a_duplicate_and_counted_apart_when_its_send_failed()
    {
        var result = LogChecker.Check(Sent, [new Ack("a", 0, 1)], ["b"], [Log(0, "a", "a", "b", "b", "c")], NoLiveReads);

        Assert.Equal(2, result.Duplicated);
        Assert.Equal(1, result.DuplicatedOfFailedSends);
        Assert.Equal(0, result.Lost);
    }

    [Fact]
    public void A_value_nobody_sent_is_unknown()
    {
        var result = LogChecker.Check(Sent, [], [], [Log(0, "a", "zzz")], NoLiveReads);

        Assert.Equal(1, result.Unknown);
    }
}
