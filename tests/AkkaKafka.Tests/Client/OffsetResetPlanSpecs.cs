using AkkaKafka.Client;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using Xunit;

namespace AkkaKafka.Tests.Client;

/// <summary>
/// The decision of `group reset-offsets`, as pure code in the admin client (no ActorSystem): where each partition's
/// committed offset moves, from what ListOffsets and OffsetFetch answered, clamped to the log as Kafka clamps.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class OffsetResetPlanSpecs
{
    // Partition 0: log [10, 100), a record at or after the asked time at 42; partition 1: log [0, 5), none that new.
    private static readonly IReadOnlyList<PartitionBounds> Bounds = [new(1, 0, 5, -1), new(0, 10, 100, 42)];
    private static readonly Dictionary<TopicPartition, long> Committed = new() { [new("t", 0)] = 50, [new("t", 1)] = 3, [new("other", 0)] = 7 };

    private static IEnumerable<(int, long, long)> Moves(OffsetResetMode mode, long value = 0, IReadOnlyDictionary<TopicPartition, long>? committed = null)
    {
        var plan = OffsetResetPlan.Make("t", Bounds, committed ?? Committed, mode, value);
        Assert.False(plan.IsRefused, plan.Refusal);
        Assert.All(plan.Moves, m => Assert.Equal("t", m.Topic));
        return plan.Moves.Select(m => (m.Partition, m.CurrentOffset, m.NewOffset));
    }

    [Fact]
    public void Earliest_and_latest_are_each_partitions_log_start_and_log_end_in_partition_order()
    {
        Assert.Equal([(0, 50L, 10L), (1, 3L, 0L)], Moves(OffsetResetMode.ToEarliest));
        Assert.Equal([(0, 50L, 100L), (1, 3L, 5L)], Moves(OffsetResetMode.ToLatest));
    }

    [Fact]
    public void An_offset_outside_the_log_is_clamped_to_its_start_or_end()
    {
        Assert.Equal([(0, 50L, 20L), (1, 3L, 5L)], Moves(OffsetResetMode.ToOffset, 20));
        Assert.Equal([(0, 50L, 10L), (1, 3L, 0L)], Moves(OffsetResetMode.ToOffset, 0));
    }

    [Fact]
    public void A_datetime_moves_to_the_record_found_by_time_or_to_the_log_end_when_none_is_that_new()
    {
        Assert.Equal([(0, 50L, 42L), (1, 3L, 5L)], Moves(OffsetResetMode.ToDatetime, 1_796_032_800_000));
    }

    [Fact]
    public void A_datetime_whose_record_retention_has_removed_moves_to_the_log_start()
    {
        // ListOffsets by time cannot answer below the log start; should an answer be stale, the plan still stays in the log.
        var plan = OffsetResetPlan.Make("t", [new PartitionBounds(0, 10, 100, 4)], Committed, OffsetResetMode.ToDatetime, 0);
        Assert.Equal(10, Assert.Single(plan.Moves).NewOffset);
    }

    [Fact]
    public void An_empty_partition_resets_to_its_log_end_whatever_is_asked()
    {
        // Log [7, 7): start and end are one offset, every mode lands on it.
        IReadOnlyList<PartitionBounds> empty = [new(0, 7, 7)];
        var committed = new Dictionary<TopicPartition, long> { [new("t", 0)] = 3 };
        foreach (var (mode, value) in new[] { (OffsetResetMode.ToEarliest, 0L), (OffsetResetMode.ToLatest, 0L), (OffsetResetMode.ToOffset, 100L),
                     (OffsetResetMode.ToDatetime, 1L), (OffsetResetMode.ShiftBy, -2L) })
            Assert.Equal((3L, 7L), Assert.Single(OffsetResetPlan.Make("t", empty, committed, mode, value).Moves) is var m ? (m.CurrentOffset, m.NewOffset) : default);
    }

    [Fact]
    public void A_shift_moves_from_the_committed_offset_and_saturates_at_the_log_bounds()
    {
        Assert.Equal([(0, 50L, 40L), (1, 3L, 0L)], Moves(OffsetResetMode.ShiftBy, -10));
        Assert.Equal([(0, 50L, 52L), (1, 3L, 5L)], Moves(OffsetResetMode.ShiftBy, 2));
        Assert.Equal([(0, 50L, 10L), (1, 3L, 0L)], Moves(OffsetResetMode.ShiftBy, long.MinValue));
        Assert.Equal([(0, 50L, 100L), (1, 3L, 5L)], Moves(OffsetResetMode.ShiftBy, long.MaxValue));
    }

    [Fact]
    public void A_shift_is_refused_where_nothing_is_committed_and_other_modes_show_no_current_offset_there()
    {
        var plan = OffsetResetPlan.Make("t", Bounds, new Dictionary<TopicPartition, long> { [new("t", 0)] = 50 }, OffsetResetMode.ShiftBy, -1);
        Assert.Equal("Cannot shift offset for partition t-1 since there is no current committed offset", plan.Refusal);
        Assert.Empty(plan.Moves);
        Assert.Equal([(0, -1L, 10L), (1, -1L, 0L)], Moves(OffsetResetMode.ToEarliest, committed: new Dictionary<TopicPartition, long>()));
    }

    [Fact]
    public void The_refusal_for_a_group_with_members_is_kafkas_message()
    {
        Assert.Equal("Assignments can only be reset if the group 'billing' is inactive, but the current state is Stable.",
            OffsetResetPlan.InactiveGroupRequired("billing", GroupStates.Stable));
    }

    [Fact]
    public void Only_a_group_nobody_is_in_may_be_reset_as_Kafka_allows()
    {
        Assert.True(OffsetResetPlan.MayReset(GroupStates.Empty));
        Assert.True(OffsetResetPlan.MayReset(GroupStates.Dead));
        Assert.All([GroupStates.Stable, GroupStates.PreparingRebalance, GroupStates.CompletingRebalance], s => Assert.False(OffsetResetPlan.MayReset(s)));
    }
}
