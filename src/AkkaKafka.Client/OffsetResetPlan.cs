using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Client;

/// <summary>Where `group reset-offsets` moves a group's positions (kafka-consumer-groups' --to-… and --shift-by).</summary>
public enum OffsetResetMode
{
    ToEarliest,
    ToLatest,
    /// <summary>To the offset given.</summary>
    ToOffset,
    /// <summary>To the first record whose timestamp is at or after the time given (Unix ms), as ListOffsets by timestamp finds it.</summary>
    ToDatetime,
    /// <summary>The committed offset moved by the value given (negative: back).</summary>
    ShiftBy,
}

/// <summary>
/// What one partition's log looked like when a reset was asked for: its log start and end offsets and, for
/// <see cref="OffsetResetMode.ToDatetime"/>, the offset ListOffsets by timestamp found (-1: no record that new).
/// </summary>
public sealed record PartitionBounds(int Partition, long LogStartOffset, long LogEndOffset, long OffsetForTimestamp = -1);

/// <summary>One partition's move. <see cref="CurrentOffset"/> is -1 when the group had nothing committed there.</summary>
public sealed record PartitionOffsetReset(string Topic, int Partition, long CurrentOffset, long NewOffset);

/// <summary>
/// The decision of `group reset-offsets`, as kafka-consumer-groups makes it: where each partition's committed offset
/// moves, clamped to the partition's [log start, log end]. Pure: the admin client feeds it what ListOffsets and
/// OffsetFetch answered.
/// </summary>
public sealed record OffsetResetPlan(IReadOnlyList<PartitionOffsetReset> Moves, string? Refusal)
{
    public bool IsRefused => Refusal is not null;

    public static OffsetResetPlan Make(string topic, IReadOnlyList<PartitionBounds> partitions, IReadOnlyDictionary<TopicPartition, long> committed,
        OffsetResetMode mode, long value)
    {
        var moves = new List<PartitionOffsetReset>(partitions.Count);
        foreach (var p in partitions.OrderBy(p => p.Partition))
        {
            var current = committed.TryGetValue(new TopicPartition(topic, p.Partition), out var c) ? c : -1;
            long target;
            switch (mode)
            {
                case OffsetResetMode.ToEarliest:
                    target = p.LogStartOffset;
                    break;
                case OffsetResetMode.ToLatest:
                    target = p.LogEndOffset;
                    break;
                case OffsetResetMode.ToOffset:
                    target = value;
                    break;
                case OffsetResetMode.ToDatetime:
                    // No record that new: the log end, as kafka-consumer-groups does when offsetsForTimes finds none.
                    target = p.OffsetForTimestamp >= 0 ? p.OffsetForTimestamp : p.LogEndOffset;
                    break;
                case OffsetResetMode.ShiftBy:
                    if (current < 0)
                        return Refused($"Cannot shift offset for partition {topic}-{p.Partition} since there is no current committed offset");
                    // Saturating: a shift of long.MinValue or MaxValue only clamps, never wraps around.
                    target = value < 0 ? (current < long.MinValue - value ? long.MinValue : current + value)
                        : current > long.MaxValue - value ? long.MaxValue : current + value;
                    break;
                default:
                    return Refused($"unknown reset mode {mode}");
            }
            moves.Add(new PartitionOffsetReset(topic, p.Partition, current, Math.Clamp(target, p.LogStartOffset, Math.Max(p.LogStartOffset, p.LogEndOffset))));
        }
        return new OffsetResetPlan(moves, null);
    }

    private static OffsetResetPlan Refused(string why) => new([], why);

    /// <summary>Kafka's refusal while a group has members (kafka-consumer-groups' message, word for word).</summary>
    public static string InactiveGroupRequired(string group, string state) =>
        $"Assignments can only be reset if the group '{group}' is inactive, but the current state is {state}.";

    /// <summary>Kafka's rule: only a group nobody is in (Empty) or nobody has used (Dead) may have its offsets reset.</summary>
    public static bool MayReset(string groupState) => groupState is GroupStates.Empty or GroupStates.Dead;
}
