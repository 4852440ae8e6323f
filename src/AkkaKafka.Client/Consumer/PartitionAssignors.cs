using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;

namespace AkkaKafka.Client.Consumer;

/// <summary>How a member gives up partitions in a rebalance (Kafka's RebalanceProtocol).</summary>
internal enum RebalanceProtocol
{
    /// <summary>Every member revokes all it owns before joining; the new assignment is given whole.</summary>
    Eager,
    /// <summary>KIP-429: a member keeps what it owns while joining and revokes only what moves; what moves is given in a second rebalance.</summary>
    Cooperative,
}

/// <summary>A member's subscription as the group's leader sees it in the JoinGroup answer.</summary>
internal sealed record GroupSubscriber(string MemberId, ConsumerProtocol.Subscription Subscription);

/// <summary>
/// Kafka's ConsumerPartitionAssignor, the part the group's leader runs client-side: every member's subscription and
/// the partition counts in, every member's partitions out. Pure: no actor, no I/O.
/// </summary>
internal interface IPartitionAssignor
{
    /// <summary>The protocol name offered in JoinGroup (partition.assignment.strategy's value).</summary>
    string Name { get; }

    /// <summary>Whether the assignor may be used with the cooperative protocol (an eager-only one makes the consumer eager).</summary>
    bool SupportsCooperative { get; }

    IReadOnlyDictionary<string, IReadOnlyList<TopicPartition>> Assign(IReadOnlyDictionary<string, int> partitionsPerTopic, IReadOnlyList<GroupSubscriber> members);
}

/// <summary>The assignors by their Kafka names, and the rebalance protocol a list of them implies.</summary>
internal static class PartitionAssignors
{
    public const string Range = "range";
    public const string CooperativeSticky = "cooperative-sticky";

    public static IPartitionAssignor Named(string name) => name switch
    {
        Range => new RangeAssignor(),
        CooperativeSticky => new CooperativeStickyAssignor(),
        _ => throw new ArgumentException($"unknown partition assignment strategy '{name}' (known: {Range}, {CooperativeSticky})", nameof(name)),
    };

    /// <summary>As Kafka's consumer decides: cooperative only if every configured assignor supports it, else eager.</summary>
    public static RebalanceProtocol ProtocolOf(IReadOnlyList<IPartitionAssignor> assignors) =>
        assignors.All(a => a.SupportsCooperative) ? RebalanceProtocol.Cooperative : RebalanceProtocol.Eager;

    /// <summary>
    /// KIP-429's second step, done by the leader under the cooperative protocol: a partition that moves from one live
    /// owner to another is left out of this generation, so its owner revokes it (commits and stops) and rejoins, and the
    /// next rebalance gives it to its new owner. Nobody reads a partition another member still reads.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<TopicPartition>> WithoutTransfers(
        IReadOnlyDictionary<string, IReadOnlyList<TopicPartition>> assignment, IReadOnlyList<GroupSubscriber> members)
    {
        var owners = new Dictionary<TopicPartition, string>();
        foreach (var m in members)
            foreach (var tp in m.Subscription.OwnedPartitions)
                owners[tp] = m.MemberId;
        return assignment.ToDictionary(kv => kv.Key,
            kv => (IReadOnlyList<TopicPartition>)kv.Value.Where(tp => !owners.TryGetValue(tp, out var owner) || owner == kv.Key).ToList());
    }

    /// <summary>Partitions of a topic in order.</summary>
    internal static IEnumerable<TopicPartition> PartitionsOf(string topic, IReadOnlyDictionary<string, int> partitionsPerTopic) =>
        Enumerable.Range(0, partitionsPerTopic.GetValueOrDefault(topic)).Select(p => new TopicPartition(topic, p));

    internal static readonly IComparer<TopicPartition> Order = Comparer<TopicPartition>.Create((a, b) =>
        string.CompareOrdinal(a.Topic, b.Topic) is var byTopic and not 0 ? byTopic : a.Partition.CompareTo(b.Partition));
}

/// <summary>
/// Kafka's RangeAssignor: per topic, the members subscribed to it in member-id order get consecutive ranges of its
/// partitions, the first (partitions mod members) of them one more. Eager only.
/// </summary>
internal sealed class RangeAssignor : IPartitionAssignor
{
    public string Name => PartitionAssignors.Range;
    public bool SupportsCooperative => false;

    public IReadOnlyDictionary<string, IReadOnlyList<TopicPartition>> Assign(IReadOnlyDictionary<string, int> partitionsPerTopic, IReadOnlyList<GroupSubscriber> members)
    {
        var result = members.ToDictionary(m => m.MemberId, _ => new List<TopicPartition>());
        foreach (var topic in members.SelectMany(m => m.Subscription.Topics).Distinct().Order(StringComparer.Ordinal))
        {
            var subscribers = members.Where(m => m.Subscription.Topics.Contains(topic)).Select(m => m.MemberId).Order(StringComparer.Ordinal).ToList();
            var partitions = PartitionAssignors.PartitionsOf(topic, partitionsPerTopic).ToList();
            var each = partitions.Count / subscribers.Count;
            var withExtra = partitions.Count % subscribers.Count;
            for (var i = 0; i < subscribers.Count; i++)
            {
                var start = each * i + Math.Min(i, withExtra);
                var length = each + (i < withExtra ? 1 : 0);
                result[subscribers[i]].AddRange(partitions.Skip(start).Take(length));
            }
        }
        return result.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<TopicPartition>)kv.Value);
    }
}

/// <summary>
/// Kafka's CooperativeStickyAssignor (AbstractStickyAssignor's rules): as balanced as possible (member counts differ by
/// at most one where subscriptions allow), and otherwise moving as few partitions as possible from the members that own
/// them. A partition claimed by several members goes to the one with the newest generation (none when tied). With the
/// cooperative protocol the leader then leaves out what moves (<see cref="PartitionAssignors.WithoutTransfers"/>).
/// </summary>
internal sealed class CooperativeStickyAssignor : IPartitionAssignor
{
    public string Name => PartitionAssignors.CooperativeSticky;
    public bool SupportsCooperative => true;

    public IReadOnlyDictionary<string, IReadOnlyList<TopicPartition>> Assign(IReadOnlyDictionary<string, int> partitionsPerTopic, IReadOnlyList<GroupSubscriber> members)
    {
        var ordered = members.OrderBy(m => m.MemberId, StringComparer.Ordinal).ToList();
        var owned = ValidOwnership(ordered, partitionsPerTopic);
        var allEqual = ordered.All(m => m.Subscription.Topics.ToHashSet().SetEquals(ordered[0].Subscription.Topics));
        var result = allEqual ? AssignEqualSubscriptions(ordered, owned, partitionsPerTopic) : AssignGeneral(ordered, owned, partitionsPerTopic);
        return result.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<TopicPartition>)kv.Value.Order(PartitionAssignors.Order).ToList());
    }

    /// <summary>Who may keep what it claims: partitions that exist, of a topic it subscribes to, claimed with the newest generation and by nobody else at it.</summary>
    private static Dictionary<string, List<TopicPartition>> ValidOwnership(IReadOnlyList<GroupSubscriber> members, IReadOnlyDictionary<string, int> partitionsPerTopic)
    {
        var claims = new Dictionary<TopicPartition, (string Member, int Generation, bool Tied)>();
        foreach (var m in members)
            foreach (var tp in m.Subscription.OwnedPartitions.Distinct())
            {
                if (!m.Subscription.Topics.Contains(tp.Topic) || tp.Partition >= partitionsPerTopic.GetValueOrDefault(tp.Topic)) continue;
                var generation = m.Subscription.GenerationId;
                if (!claims.TryGetValue(tp, out var claim) || generation > claim.Generation) claims[tp] = (m.MemberId, generation, false);
                else if (generation == claim.Generation) claims[tp] = claim with { Tied = true };
            }
        var owned = members.ToDictionary(m => m.MemberId, _ => new List<TopicPartition>());
        foreach (var (tp, claim) in claims.Where(c => !c.Value.Tied).OrderBy(c => c.Key, PartitionAssignors.Order))
            owned[claim.Member].Add(tp);
        return owned;
    }

    /// <summary>
    /// Everyone subscribes to the same topics: each member keeps up to its quota of what it owns (the floor of partitions
    /// over members; the first partitions-mod-members members that own more may keep one more), then what is left fills
    /// the members below their quota.
    /// </summary>
    private static Dictionary<string, List<TopicPartition>> AssignEqualSubscriptions(IReadOnlyList<GroupSubscriber> members,
        Dictionary<string, List<TopicPartition>> owned, IReadOnlyDictionary<string, int> partitionsPerTopic)
    {
        var all = members[0].Subscription.Topics.Distinct().Order(StringComparer.Ordinal)
            .SelectMany(t => PartitionAssignors.PartitionsOf(t, partitionsPerTopic)).ToList();
        var minQuota = all.Count / members.Count;
        var maxQuotaSlots = all.Count % members.Count;
        var result = members.ToDictionary(m => m.MemberId, _ => new List<TopicPartition>());
        foreach (var m in members)
        {
            var mine = owned[m.MemberId];
            var keep = Math.Min(mine.Count, minQuota);
            if (mine.Count > minQuota && maxQuotaSlots > 0)
            {
                keep++;
                maxQuotaSlots--;
            }
            result[m.MemberId].AddRange(mine.Take(keep));
        }
        var assigned = result.Values.SelectMany(p => p).ToHashSet();
        var unassigned = new Queue<TopicPartition>(all.Where(tp => !assigned.Contains(tp)));
        foreach (var m in members)
            while (result[m.MemberId].Count < minQuota && unassigned.Count > 0)
                result[m.MemberId].Add(unassigned.Dequeue());
        foreach (var m in members)
        {
            if (unassigned.Count == 0 || maxQuotaSlots == 0) break;
            if (result[m.MemberId].Count != minQuota) continue;
            result[m.MemberId].Add(unassigned.Dequeue());
            maxQuotaSlots--;
        }
        return result;
    }

    /// <summary>
    /// Subscriptions differ: owners keep what they own, each free partition goes to the subscribed member with the fewest,
    /// then partitions move one at a time from a member to a subscribed one with at least two fewer, until none can.
    /// </summary>
    private static Dictionary<string, List<TopicPartition>> AssignGeneral(IReadOnlyList<GroupSubscriber> members,
        Dictionary<string, List<TopicPartition>> owned, IReadOnlyDictionary<string, int> partitionsPerTopic)
    {
        var result = owned.ToDictionary(kv => kv.Key, kv => kv.Value.ToList());
        var assigned = result.Values.SelectMany(p => p).ToHashSet();
        var subscribers = members.ToDictionary(m => m.MemberId, m => m.Subscription.Topics.ToHashSet());
        var all = members.SelectMany(m => m.Subscription.Topics).Distinct().Order(StringComparer.Ordinal)
            .SelectMany(t => PartitionAssignors.PartitionsOf(t, partitionsPerTopic)).ToList();
        string? Fewest(TopicPartition tp, Func<string, bool> allowed) => members.Select(m => m.MemberId)
            .Where(id => subscribers[id].Contains(tp.Topic) && allowed(id))
            .OrderBy(id => result[id].Count).ThenBy(id => id, StringComparer.Ordinal).FirstOrDefault();
        foreach (var tp in all.Where(tp => !assigned.Contains(tp)))
            if (Fewest(tp, _ => true) is { } member) result[member].Add(tp);
        // Each move narrows the gap between two members by two: the loop ends within partitions × members moves.
        for (var moves = 0; moves < all.Count * members.Count; moves++)
        {
            var moved = false;
            foreach (var from in result.Keys.OrderByDescending(id => result[id].Count).ThenBy(id => id, StringComparer.Ordinal))
            {
                foreach (var tp in result[from].AsEnumerable().Reverse())
                {
                    if (Fewest(tp, id => result[id].Count < result[from].Count - 1) is not { } to) continue;
                    result[from].Remove(tp);
                    result[to].Add(tp);
                    moved = true;
                    break;
                }
                if (moved) break;
            }
            if (!moved) break;
        }
        return result;
    }
}
