using AkkaKafka.Broker.Controller;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Group;

/// <summary>
/// The live members of one consumer group and who reads which partition. Pure: the GroupActor feeds it joins,
/// heartbeats, leaves and clock ticks. Partitions are divided with the same even, minimal-move assignment the
/// controller uses for brokers, so a member joining or leaving moves as few partitions as possible.
/// </summary>
public sealed class GroupMembership
{
    private readonly Dictionary<string, Member> _members = new(StringComparer.Ordinal);
    private Dictionary<TopicPartition, Ownership> _assignment = new();
    private long _joinCounter;

    public int Generation { get; private set; }
    public IReadOnlyCollection<Member> Members => _members.Values;

    public sealed record Member(string MemberId, string ClientId, IReadOnlyList<TopicPartition> Subscribed, TimeSpan SessionTimeout, DateTime LastSeen, long JoinOrder);

    public Member Join(string? memberId, string clientId, IReadOnlyList<TopicPartition> partitions, TimeSpan sessionTimeout, DateTime now)
    {
        var id = memberId is not null && _members.ContainsKey(memberId) ? memberId : $"{clientId}-{Guid.NewGuid():N}";
        var order = _members.TryGetValue(id, out var existing) ? existing.JoinOrder : ++_joinCounter;
        var member = new Member(id, clientId, partitions, sessionTimeout, now, order);
        var changed = existing is null || !existing.Subscribed.SequenceEqual(partitions);
        _members[id] = member;
        if (changed) Rebalance();
        return member;
    }

    public bool Heartbeat(string memberId, DateTime now)
    {
        if (!_members.TryGetValue(memberId, out var m)) return false;
        _members[memberId] = m with { LastSeen = now };
        return true;
    }

    public bool Leave(string memberId)
    {
        if (!_members.Remove(memberId)) return false;
        Rebalance();
        return true;
    }

    /// <summary>Removes members whose session timed out; returns their ids.</summary>
    public IReadOnlyList<string> Expire(DateTime now)
    {
        var expired = _members.Values.Where(m => now - m.LastSeen > m.SessionTimeout).Select(m => m.MemberId).ToList();
        foreach (var id in expired) _members.Remove(id);
        if (expired.Count > 0) Rebalance();
        return expired;
    }

    public bool IsMember(string memberId) => _members.ContainsKey(memberId);

    public IReadOnlyList<TopicPartition> AssignmentOf(string memberId) =>
        _assignment.Where(kv => kv.Value.Owner == memberId).Select(kv => kv.Key)
            .OrderBy(tp => tp.Topic, StringComparer.Ordinal).ThenBy(tp => tp.Partition).ToList();

    public bool Owns(string memberId, TopicPartition tp) => _assignment.TryGetValue(tp, out var o) && o.Owner == memberId;

    private void Rebalance()
    {
        Generation++;
        var members = _members.Values.OrderBy(m => m.JoinOrder).Select(m => m.MemberId).ToList();
        var topics = _members.Values.SelectMany(m => m.Subscribed).GroupBy(tp => tp.Topic)
            .Select(g => new TopicConfig(g.Key, 0, g.Max(tp => tp.Partition) + 1, -1, -1, 0));
        long epoch = 0;
        _assignment = PartitionAssigner.Assign(members, topics, _assignment, () => ++epoch);
    }
}
