using AkkaKafka.Broker.Controller;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Group;

/// <summary>
/// The live members of one consumer group and who reads which partition. Pure: the GroupActor feeds it joins,
/// heartbeats, leaves and clock ticks. Partitions are divided with the same even, minimal-move assignment the
/// controller uses for brokers, so a member joining or leaving moves as few partitions as possible.
/// <para>A partition taken from a live member moves in two steps, as in Kafka's cooperative rebalancing: first it is
/// revoked (it leaves the old owner's assignment, and the old owner may still commit it), and only once the old owner
/// has released it is it given to the new owner. The old owner releases by heartbeating with the generation that
/// revoked it, which it does after committing the positions it handed out; so the new owner starts exactly where the
/// old one stopped, and nothing is read twice. A member that leaves or expires releases at once (nothing more can be
/// committed), and one that never releases loses the partition after its session timeout.</para>
/// </summary>
public sealed class GroupMembership
{
    private readonly Dictionary<string, Member> _members = new(StringComparer.Ordinal);
    private Dictionary<TopicPartition, Ownership> _assignment = new();
    // Partitions assigned to a new owner that their previous owner, still a member, has not released yet.
    private readonly Dictionary<TopicPartition, Release> _releasing = new();
    private long _joinCounter;

    /// <summary><see cref="Member"/> must release the partition; it does with a heartbeat at <see cref="Generation"/> or later.</summary>
    private sealed record Release(string Member, int Generation, DateTime Deadline);

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
        if (changed) Rebalance(now);
        return member;
    }

    /// <summary>
    /// Keeps the member alive. <paramref name="generation"/> is the latest assignment the member has applied (revoked
    /// partitions committed and stopped): partitions it was asked to release at that generation or before are released.
    /// Without a generation (a commit), the member is only kept alive.
    /// </summary>
    public bool Heartbeat(string memberId, DateTime now, int? generation = null)
    {
        if (!_members.TryGetValue(memberId, out var m)) return false;
        _members[memberId] = m with { LastSeen = now };
        if (generation is { } applied)
            ReleaseWhere(r => r.Member == memberId && r.Generation <= applied);
        return true;
    }

    public bool Leave(string memberId, DateTime now)
    {
        if (!_members.Remove(memberId)) return false;
        Rebalance(now);
        return true;
    }

    /// <summary>
    /// Removes members whose session timed out (returns their ids), and ends releases a live member never made within its
    /// session timeout (returns their partitions): the new owner then reads from the last commit.
    /// </summary>
    public (IReadOnlyList<string> Expired, IReadOnlyList<TopicPartition> ReleasesTimedOut) Expire(DateTime now)
    {
        var expired = _members.Values.Where(m => now - m.LastSeen > m.SessionTimeout).Select(m => m.MemberId).ToList();
        foreach (var id in expired) _members.Remove(id);
        if (expired.Count > 0) Rebalance(now);
        var timedOut = _releasing.Where(kv => now > kv.Value.Deadline).Select(kv => kv.Key).ToList();
        ReleaseWhere(r => now > r.Deadline);
        return (expired, timedOut);
    }

    /// <summary>Partitions waiting for their previous owner to release them, with who that is.</summary>
    public IReadOnlyDictionary<TopicPartition, string> Releasing => _releasing.ToDictionary(kv => kv.Key, kv => kv.Value.Member);

    private void ReleaseWhere(Func<Release, bool> released)
    {
        var done = _releasing.Where(kv => released(kv.Value)).Select(kv => kv.Key).ToList();
        if (done.Count == 0) return;
        foreach (var tp in done) _releasing.Remove(tp);
        // The new owners learn of their partitions from the next heartbeat's generation.
        Generation++;
    }

    public bool IsMember(string memberId) => _members.ContainsKey(memberId);

    /// <summary>What is persisted when <see cref="Generation"/> changes: members in join order, who owns what, what is still being released.</summary>
    public GroupMetadata ToMetadata()
    {
        var members = _members.Values.OrderBy(m => m.JoinOrder).Select(m => new GroupMemberMetadata(m.MemberId, null, m.ClientId, "",
            (int)m.SessionTimeout.TotalMilliseconds, (int)m.SessionTimeout.TotalMilliseconds, [], [], m.Subscribed,
            _assignment.Where(kv => kv.Value.Owner == m.MemberId).Select(kv => kv.Key).OrderBy(tp => tp.Topic, StringComparer.Ordinal).ThenBy(tp => tp.Partition).ToList()))
            .ToList();
        var releasing = _releasing.OrderBy(kv => kv.Key.Topic, StringComparer.Ordinal).ThenBy(kv => kv.Key.Partition)
            .Select(kv => new PartitionRelease(kv.Key, kv.Value.Member, kv.Value.Generation)).ToList();
        return new GroupMetadata(GroupKind.Akka, Generation, GroupDescription.ConsumerProtocolType, GroupActor.AkkaProtocol, null, members, releasing);
    }

    /// <summary>
    /// Takes the persisted membership back, as a coordinator that recovers the group does: every member's session and
    /// every pending release start again at <paramref name="now"/>, so members that are still there keep their partitions
    /// and generation, and one that is really gone times out as usual.
    /// </summary>
    public void Restore(GroupMetadata metadata, DateTime now)
    {
        _members.Clear();
        _assignment = new Dictionary<TopicPartition, Ownership>();
        _releasing.Clear();
        _joinCounter = 0;
        foreach (var m in metadata.Members)
        {
            var session = TimeSpan.FromMilliseconds(m.SessionTimeoutMs);
            _members[m.MemberId] = new Member(m.MemberId, m.ClientId, m.Subscribed, session, now, ++_joinCounter);
            foreach (var tp in m.Owned) _assignment[tp] = new Ownership(m.MemberId, 0);
        }
        foreach (var r in metadata.Releasing.Where(r => _members.ContainsKey(r.Member)))
            _releasing[r.Partition] = new Release(r.Member, r.Generation, now + _members[r.Member].SessionTimeout);
        Generation = metadata.Generation;
    }

    /// <summary>The partitions the member reads now: assigned to it and not waiting for their previous owner to release them.</summary>
    public IReadOnlyList<TopicPartition> AssignmentOf(string memberId) =>
        _assignment.Where(kv => kv.Value.Owner == memberId && !_releasing.ContainsKey(kv.Key)).Select(kv => kv.Key)
            .OrderBy(tp => tp.Topic, StringComparer.Ordinal).ThenBy(tp => tp.Partition).ToList();

    /// <summary>Whether the member may commit the partition's position: it reads it, or it has yet to release it.</summary>
    public bool Owns(string memberId, TopicPartition tp) =>
        _releasing.TryGetValue(tp, out var release) ? release.Member == memberId : _assignment.TryGetValue(tp, out var o) && o.Owner == memberId;

    private void Rebalance(DateTime now)
    {
        Generation++;
        var members = _members.Values.OrderBy(m => m.JoinOrder).Select(m => m.MemberId).ToList();
        var topics = _members.Values.SelectMany(m => m.Subscribed).GroupBy(tp => tp.Topic)
            .Select(g => new TopicConfig(g.Key, 0, g.Max(tp => tp.Partition) + 1, -1, -1, 0));
        long epoch = 0;
        var previous = _assignment;
        _assignment = PartitionAssigner.Assign(members, topics, _assignment, () => ++epoch);
        foreach (var (tp, ownership) in _assignment)
        {
            // Who holds the partition now: the member still to release it, else its previous owner.
            var holder = _releasing.TryGetValue(tp, out var pending) ? pending.Member : previous.GetValueOrDefault(tp).Owner;
            if (holder is null || holder == ownership.Owner || !_members.TryGetValue(holder, out var member))
                _releasing.Remove(tp); // nobody else holds it (new, back with its holder, or the holder is gone)
            else if (pending is null)
                _releasing[tp] = new Release(holder, Generation, now + member.SessionTimeout);
        }
        foreach (var tp in _releasing.Keys.Where(tp => !_assignment.ContainsKey(tp)).ToList()) _releasing.Remove(tp);
    }
}
