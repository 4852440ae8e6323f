using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Group;

/// <summary>What the GroupActor must do after a classic-group command: answer the sender, keep it waiting, or answer a waiting member.</summary>
public abstract record ClassicAction;

/// <summary>Answer the sender of the command just handled.</summary>
public sealed record ReplyToSender(IAkkaKafkaMessage Message) : ClassicAction;

/// <summary>Keep the sender of the command just handled as <see cref="MemberId"/>'s waiting JoinGroup or SyncGroup.</summary>
public sealed record HoldSender(string MemberId) : ClassicAction;

/// <summary>Answer (and forget) the request <see cref="MemberId"/> is waiting on.</summary>
public sealed record ReplyToHeld(string MemberId, IAkkaKafkaMessage Message) : ClassicAction;

/// <summary>Bounds and delays of classic groups (akkakafka.broker.group in broker.hocon, where their defaults are).</summary>
public sealed record ClassicGroupSettings(TimeSpan InitialRebalanceDelay, TimeSpan MinSessionTimeout, TimeSpan MaxSessionTimeout)
{
    public static ClassicGroupSettings Create(Akka.Configuration.Config config)
    {
        var group = new SettingsBlock(config, "akkakafka.broker.group");
        return new ClassicGroupSettings(
            group.TimeSpan("initial-rebalance-delay", allowInfinite: false),
            group.TimeSpan("min-session-timeout", allowInfinite: false),
            group.TimeSpan("max-session-timeout", allowInfinite: false));
    }
}

/// <summary>
/// A group of Kafka clients speaking Kafka's classic group protocol, as Kafka's GroupCoordinator/ClassicGroup runs it:
/// Empty → PreparingRebalance (joins are held until every known member has re-joined or the rebalance timeout passes)
/// → CompletingRebalance (the leader, first to join among those still present, gets every member's subscription and
/// assigns; the others' SyncGroups wait for it) → Stable. Pure: commands and the clock come in, <see cref="ClassicAction"/>s
/// go out; the GroupActor keeps the waiting senders and wakes this class at <see cref="NextDeadline"/>.
/// <para>As Kafka does, the group is persisted when it settles (<see cref="ToMetadata"/>: a generation whose assignment is
/// complete, or a group left empty); a coordinator that recovers it (<see cref="Restore"/>) takes its members back at
/// that generation, so after a failover their heartbeats and commits are accepted and nobody rebalances.</para>
/// </summary>
public sealed class ClassicGroup
{
    private readonly string _group;
    private readonly ClassicGroupSettings _settings;
    private readonly Dictionary<string, Member> _members = new(StringComparer.Ordinal);
    // Ids handed out with MEMBER_ID_REQUIRED and not yet used to join, with the time they lapse.
    private readonly Dictionary<string, DateTime> _pending = new(StringComparer.Ordinal);
    private long _joinCounter;
    // While PreparingRebalance: the join completes when everyone has re-joined, but not before the initial delay of a
    // group that was empty, and at the latest at the rebalance deadline (the longest rebalance timeout of the members).
    private DateTime? _rebalanceDeadline;
    private DateTime? _initialDelayUntil;

    public ClassicGroup(string group, ClassicGroupSettings settings)
    {
        _group = group;
        _settings = settings;
    }

    public string State { get; private set; } = GroupStates.Empty;
    public int Generation { get; private set; }
    public string? ProtocolType { get; private set; }
    public string? ProtocolName { get; private set; }
    public string? LeaderId { get; private set; }

    /// <summary>Members in join order.</summary>
    public IReadOnlyList<Member> Members => _members.Values.OrderBy(m => m.JoinOrder).ToList();

    /// <summary>No members and no member ids awaiting their first join.</summary>
    public bool IsEmpty => _members.Count == 0 && _pending.Count == 0;

    public int MemberCount => _members.Count;

    public bool HasMember(string memberId) => _members.ContainsKey(memberId);

    /// <summary>The earliest time <see cref="Tick"/> has something to do beyond session expiry (a join to complete), if any.</summary>
    public DateTime? NextDeadline => State != GroupStates.PreparingRebalance ? null
        : _initialDelayUntil is { } delay && delay < _rebalanceDeadline ? delay : _rebalanceDeadline;

    public sealed class Member
    {
        public required string MemberId { get; init; }
        public required long JoinOrder { get; init; }
        public string? GroupInstanceId { get; internal set; }
        public string ClientId { get; internal set; } = "";
        public string ClientHost { get; internal set; } = "";
        public TimeSpan SessionTimeout { get; internal set; }
        public TimeSpan RebalanceTimeout { get; internal set; }
        public IReadOnlyList<GroupProtocolOffer> Protocols { get; internal set; } = [];
        public DateTime LastSeen { get; internal set; }
        public byte[] Assignment { get; internal set; } = [];
        public bool AwaitingJoin { get; internal set; }
        public bool AwaitingSync { get; internal set; }

        /// <summary>This member's metadata for <paramref name="protocol"/> (empty when it offers no such protocol).</summary>
        public byte[] MetadataFor(string? protocol) => Protocols.FirstOrDefault(p => p.Name == protocol)?.Metadata ?? [];
    }

    // ---------------- JoinGroup ----------------

    public IReadOnlyList<ClassicAction> Join(JoinClassicGroup join, DateTime now)
    {
        var actions = new List<ClassicAction>();
        if (join.Group.Length == 0) return [Reject(join, ErrorCode.InvalidGroupId)];
        var session = TimeSpan.FromMilliseconds(join.SessionTimeoutMs);
        if (session < _settings.MinSessionTimeout || session > _settings.MaxSessionTimeout) return [Reject(join, ErrorCode.InvalidSessionTimeout)];
        if (!IsConsistent(join)) return [Reject(join, ErrorCode.InconsistentGroupProtocol)];

        if (join.MemberId.Length == 0)
        {
            var memberId = $"{join.ClientId}-{Guid.NewGuid()}";
            if (join.RequireKnownMemberId)
            {
                // JoinGroup v4+: the member learns its id first, so a join lost on the way cannot leave a ghost member.
                _pending[memberId] = now + session;
                return [new ReplyToSender(new JoinClassicGroupResponse(_group, ErrorCode.MemberIdRequired, -1, null, null, "", memberId, []))];
            }
            AddMemberAndRebalance(memberId, join, now, actions);
            return actions;
        }

        if (_pending.Remove(join.MemberId))
        {
            AddMemberAndRebalance(join.MemberId, join, now, actions);
            return actions;
        }
        if (!_members.TryGetValue(join.MemberId, out var member)) return [Reject(join, ErrorCode.UnknownMemberId)];

        switch (State)
        {
            case GroupStates.PreparingRebalance:
                UpdateMember(member, join, now);
                Hold(member, actions);
                TryCompleteJoin(now, actions);
                break;
            case GroupStates.CompletingRebalance:
                if (SameProtocols(member, join.Protocols))
                {
                    // The member missed our answer (a retry): give it the same generation again.
                    member.LastSeen = now;
                    actions.Add(new ReplyToSender(JoinResponseFor(member)));
                }
                else
                {
                    UpdateMember(member, join, now);
                    Hold(member, actions);
                    PrepareRebalance(now, actions);
                }
                break;
            case GroupStates.Stable:
                if (member.MemberId == LeaderId || !SameProtocols(member, join.Protocols))
                {
                    // The leader re-joining (e.g. its subscription's topics changed) or changed metadata: everyone re-assigns.
                    UpdateMember(member, join, now);
                    Hold(member, actions);
                    PrepareRebalance(now, actions);
                }
                else
                {
                    member.LastSeen = now;
                    actions.Add(new ReplyToSender(JoinResponseFor(member)));
                }
                break;
            default:
                actions.Add(Reject(join, ErrorCode.UnknownMemberId));
                break;
        }
        return actions;
    }

    private JoinClassicGroupResponse JoinResponseFor(Member member) => new(_group, ErrorCode.None, Generation, ProtocolType, ProtocolName,
        LeaderId ?? "", member.MemberId,
        member.MemberId == LeaderId
            ? Members.Select(m => new ClassicGroupMember(m.MemberId, m.GroupInstanceId, m.MetadataFor(ProtocolName))).ToList()
            : []);

    private ReplyToSender Reject(JoinClassicGroup join, ErrorCode error) =>
        new(new JoinClassicGroupResponse(_group, error, -1, null, null, "", join.MemberId, []));

    /// <summary>An empty group takes any protocol type and protocols; otherwise the type must match and one protocol must suit everyone.</summary>
    private bool IsConsistent(JoinClassicGroup join)
    {
        if (join.ProtocolType.Length == 0 || join.Protocols.Count == 0) return false;
        if (_members.Count == 0) return true;
        if (join.ProtocolType != ProtocolType) return false;
        var others = _members.Values.Where(m => m.MemberId != join.MemberId).ToList();
        return join.Protocols.Any(p => others.All(m => m.Protocols.Any(q => q.Name == p.Name)));
    }

    private static bool SameProtocols(Member member, IReadOnlyList<GroupProtocolOffer> protocols) =>
        member.Protocols.Count == protocols.Count
        && member.Protocols.Zip(protocols, (a, b) => a.Name == b.Name && a.Metadata.AsSpan().SequenceEqual(b.Metadata)).All(same => same);

    private void AddMemberAndRebalance(string memberId, JoinClassicGroup join, DateTime now, List<ClassicAction> actions)
    {
        if (_members.Count == 0) ProtocolType = join.ProtocolType;
        var member = new Member { MemberId = memberId, JoinOrder = ++_joinCounter };
        UpdateMember(member, join, now);
        _members[memberId] = member;
        Hold(member, actions);
        // A newcomer during the initial delay pushes it out once more (bounded by the rebalance deadline), as Kafka's
        // InitialDelayedJoin does, so consumers started together land in one generation.
        if (State == GroupStates.PreparingRebalance && _initialDelayUntil is not null)
            _initialDelayUntil = Min(now + _settings.InitialRebalanceDelay, _rebalanceDeadline!.Value);
        if (State != GroupStates.PreparingRebalance) PrepareRebalance(now, actions);
        else TryCompleteJoin(now, actions);
    }

    private static void UpdateMember(Member member, JoinClassicGroup join, DateTime now)
    {
        member.GroupInstanceId = join.GroupInstanceId;
        member.ClientId = join.ClientId;
        member.ClientHost = join.ClientHost;
        member.SessionTimeout = TimeSpan.FromMilliseconds(join.SessionTimeoutMs);
        // JoinGroup v0 has no rebalance timeout (0 or -1 from the listener): Kafka then uses the session timeout.
        member.RebalanceTimeout = TimeSpan.FromMilliseconds(join.RebalanceTimeoutMs > 0 ? join.RebalanceTimeoutMs : join.SessionTimeoutMs);
        member.Protocols = join.Protocols;
        member.LastSeen = now;
    }

    private static void Hold(Member member, List<ClassicAction> actions)
    {
        member.AwaitingJoin = true;
        actions.Add(new HoldSender(member.MemberId));
    }

    private void PrepareRebalance(DateTime now, List<ClassicAction> actions)
    {
        if (State == GroupStates.CompletingRebalance)
        {
            // Assignments of the generation being abandoned are void; followers waiting for them must re-join.
            foreach (var m in _members.Values)
            {
                m.Assignment = [];
                if (!m.AwaitingSync) continue;
                m.AwaitingSync = false;
                actions.Add(new ReplyToHeld(m.MemberId, new SyncClassicGroupResponse(_group, ErrorCode.RebalanceInProgress, ProtocolType, ProtocolName, [])));
            }
        }
        _initialDelayUntil = State == GroupStates.Empty && _settings.InitialRebalanceDelay > TimeSpan.Zero ? now + _settings.InitialRebalanceDelay : null;
        State = GroupStates.PreparingRebalance;
        _rebalanceDeadline = now + (_members.Count == 0 ? TimeSpan.Zero : _members.Values.Max(m => m.RebalanceTimeout));
        if (_initialDelayUntil is { } delay) _initialDelayUntil = Min(delay, _rebalanceDeadline.Value);
        TryCompleteJoin(now, actions);
    }

    private void TryCompleteJoin(DateTime now, List<ClassicAction> actions)
    {
        if (State != GroupStates.PreparingRebalance) return;
        // Once the initial delay is over it no longer counts (nor is it a deadline to wake up for).
        if (now >= _initialDelayUntil) _initialDelayUntil = null;
        var timedOut = now >= _rebalanceDeadline;
        var everyoneJoined = _members.Values.All(m => m.AwaitingJoin) && _pending.Count == 0;
        if (!timedOut && (!everyoneJoined || now < _initialDelayUntil)) return;

        // Members that did not re-join within the rebalance timeout are out.
        foreach (var silent in _members.Values.Where(m => !m.AwaitingJoin).ToList()) _members.Remove(silent.MemberId);
        _rebalanceDeadline = null;
        _initialDelayUntil = null;
        Generation++;
        if (_members.Count == 0)
        {
            State = GroupStates.Empty;
            ProtocolName = null;
            LeaderId = null;
            return;
        }

        ProtocolName = VoteProtocol();
        if (LeaderId is null || !_members.ContainsKey(LeaderId)) LeaderId = Members[0].MemberId;
        State = GroupStates.CompletingRebalance;
        foreach (var m in Members)
        {
            m.AwaitingJoin = false;
            m.Assignment = [];
            m.LastSeen = now;
            actions.Add(new ReplyToHeld(m.MemberId, JoinResponseFor(m)));
        }
    }

    /// <summary>
    /// Kafka's vote: among the protocols every member supports, each member votes for the first in its own order of
    /// preference; most votes win (ties go to the protocol the earliest member prefers).
    /// </summary>
    private string VoteProtocol()
    {
        var members = Members;
        var candidates = members[0].Protocols.Select(p => p.Name)
            .Where(name => members.All(m => m.Protocols.Any(p => p.Name == name))).ToList();
        var votes = members.Select(m => m.Protocols.First(p => candidates.Contains(p.Name)).Name)
            .GroupBy(name => name).ToDictionary(g => g.Key, g => g.Count());
        return members.Select(m => m.Protocols.First(p => candidates.Contains(p.Name)).Name)
            .OrderByDescending(name => votes[name]).First();
    }

    // ---------------- SyncGroup ----------------

    public IReadOnlyList<ClassicAction> Sync(SyncClassicGroup sync, DateTime now)
    {
        ClassicAction Error(ErrorCode e) => new ReplyToSender(new SyncClassicGroupResponse(_group, e, ProtocolType, ProtocolName, []));

        if (sync.Group.Length == 0) return [Error(ErrorCode.InvalidGroupId)];
        if (!_members.TryGetValue(sync.MemberId, out var member)) return [Error(ErrorCode.UnknownMemberId)];
        if (sync.GenerationId != Generation) return [Error(ErrorCode.IllegalGeneration)];
        if ((sync.ProtocolType is not null && sync.ProtocolType != ProtocolType) || (sync.ProtocolName is not null && sync.ProtocolName != ProtocolName))
            return [Error(ErrorCode.InconsistentGroupProtocol)];
        member.LastSeen = now;

        switch (State)
        {
            case GroupStates.PreparingRebalance:
                return [Error(ErrorCode.RebalanceInProgress)];
            case GroupStates.Stable:
                return [new ReplyToSender(new SyncClassicGroupResponse(_group, ErrorCode.None, ProtocolType, ProtocolName, member.Assignment))];
            case GroupStates.CompletingRebalance:
            {
                var actions = new List<ClassicAction> { new HoldSender(member.MemberId) };
                member.AwaitingSync = true;
                if (member.MemberId != LeaderId) return actions;
                // The leader's assignment completes the generation; a member the leader left out gets nothing.
                var given = new Dictionary<string, byte[]>(StringComparer.Ordinal);
                foreach (var a in sync.Assignments) given[a.MemberId] = a.Assignment;
                foreach (var m in _members.Values) m.Assignment = given.GetValueOrDefault(m.MemberId, []);
                State = GroupStates.Stable;
                foreach (var m in Members.Where(m => m.AwaitingSync))
                {
                    m.AwaitingSync = false;
                    actions.Add(new ReplyToHeld(m.MemberId, new SyncClassicGroupResponse(_group, ErrorCode.None, ProtocolType, ProtocolName, m.Assignment)));
                }
                return actions;
            }
            default:
                return [Error(ErrorCode.UnknownMemberId)];
        }
    }

    // ---------------- Heartbeat, LeaveGroup, OffsetCommit ----------------

    public IReadOnlyList<ClassicAction> Heartbeat(ClassicHeartbeat heartbeat, DateTime now)
    {
        ErrorCode error;
        if (heartbeat.Group.Length == 0) error = ErrorCode.InvalidGroupId;
        else if (!_members.TryGetValue(heartbeat.MemberId, out var member)) error = ErrorCode.UnknownMemberId;
        else if (heartbeat.GenerationId != Generation) error = ErrorCode.IllegalGeneration;
        else
        {
            member.LastSeen = now;
            // That is how members learn to re-join.
            error = State == GroupStates.PreparingRebalance ? ErrorCode.RebalanceInProgress : ErrorCode.None;
        }
        return [new ReplyToSender(new ClassicHeartbeatResponse(_group, error))];
    }

    public IReadOnlyList<ClassicAction> Leave(LeaveClassicGroup leave, DateTime now)
    {
        if (leave.Group.Length == 0) return [new ReplyToSender(new LeaveClassicGroupResponse(_group, ErrorCode.InvalidGroupId, []))];
        var actions = new List<ClassicAction>();
        var results = new List<MemberLeft>();
        var removed = false;
        foreach (var id in leave.MemberIds)
        {
            if (_pending.Remove(id))
            {
                results.Add(new MemberLeft(id, ErrorCode.None));
                continue;
            }
            if (!_members.ContainsKey(id))
            {
                results.Add(new MemberLeft(id, ErrorCode.UnknownMemberId));
                continue;
            }
            Remove(id, actions);
            removed = true;
            results.Add(new MemberLeft(id, ErrorCode.None));
        }
        actions.Insert(0, new ReplyToSender(new LeaveClassicGroupResponse(_group, ErrorCode.None, results)));
        if (removed || State == GroupStates.PreparingRebalance) Rebalance(now, actions);
        return actions;
    }

    /// <summary>
    /// Whether a member may commit offsets now, as Kafka decides; a member's commit also renews its session.
    /// Generation -1 with member "" is a standalone commit (admin tools, consumers without a group), fine while nobody is in the group.
    /// </summary>
    public ErrorCode ValidateCommit(string memberId, int generation, DateTime now)
    {
        if (generation < 0 && memberId.Length == 0 && _members.Count == 0) return ErrorCode.None;
        if (!_members.TryGetValue(memberId, out var member)) return ErrorCode.UnknownMemberId;
        if (generation != Generation) return ErrorCode.IllegalGeneration;
        if (State == GroupStates.CompletingRebalance) return ErrorCode.RebalanceInProgress;
        member.LastSeen = now;
        return ErrorCode.None;
    }

    /// <summary>
    /// Whether a transactional producer may commit offsets for this group (TxnOffsetCommit), as Kafka decides
    /// (ClassicGroup.validateOffsetCommit, transactional): with the consumer's group metadata (v3+, KIP-447) the member
    /// must be in the group — and hold its group.instance.id, if it names one — at the current generation; a rebalance
    /// in progress does not matter, and the member's session is not renewed. Without it (generation -1, member "",
    /// older clients) the commit is not checked.
    /// </summary>
    public ErrorCode ValidateTransactionalCommit(string memberId, string? groupInstanceId, int generation)
    {
        if (generation < 0 && State == GroupStates.Empty) return ErrorCode.None;
        if (generation < 0 && memberId.Length == 0 && groupInstanceId is null) return ErrorCode.None;
        if (groupInstanceId is not null)
        {
            var holder = _members.Values.FirstOrDefault(m => m.GroupInstanceId == groupInstanceId);
            if (holder is null) return ErrorCode.UnknownMemberId;
            if (holder.MemberId != memberId) return ErrorCode.FencedInstanceId;
        }
        if (!_members.ContainsKey(memberId)) return ErrorCode.UnknownMemberId;
        return generation != Generation ? ErrorCode.IllegalGeneration : ErrorCode.None;
    }

    // ---------------- persistence ----------------

    /// <summary>Stable or Empty: the states in which Kafka writes the group's metadata (the others are on their way to one).</summary>
    public bool IsSettled => State is GroupStates.Stable or GroupStates.Empty;

    /// <summary>The group as persisted when it settles: generation, protocol, leader, members in join order with their assignments.</summary>
    public GroupMetadata ToMetadata() => new(GroupKind.Classic, Generation, ProtocolType, ProtocolName, LeaderId,
        Members.Select(m => new GroupMemberMetadata(m.MemberId, m.GroupInstanceId, m.ClientId, m.ClientHost,
            (int)m.SessionTimeout.TotalMilliseconds, (int)m.RebalanceTimeout.TotalMilliseconds, m.Protocols, m.Assignment, [], [])).ToList(),
        []);

    /// <summary>
    /// Takes the persisted group back, as a coordinator that recovers it does (Kafka's loadGroup): Stable with its
    /// members at their generation, or Empty; every member's session starts again at <paramref name="now"/>.
    /// </summary>
    public void Restore(GroupMetadata metadata, DateTime now)
    {
        _members.Clear();
        _pending.Clear();
        _rebalanceDeadline = null;
        _initialDelayUntil = null;
        _joinCounter = 0;
        foreach (var m in metadata.Members)
            _members[m.MemberId] = new Member
            {
                MemberId = m.MemberId,
                JoinOrder = ++_joinCounter,
                GroupInstanceId = m.GroupInstanceId,
                ClientId = m.ClientId,
                ClientHost = m.ClientHost,
                SessionTimeout = TimeSpan.FromMilliseconds(m.SessionTimeoutMs),
                RebalanceTimeout = TimeSpan.FromMilliseconds(m.RebalanceTimeoutMs),
                Protocols = m.Protocols,
                Assignment = m.Assignment,
                LastSeen = now,
            };
        Generation = metadata.Generation;
        ProtocolType = metadata.ProtocolType;
        ProtocolName = _members.Count > 0 ? metadata.ProtocolName : null;
        LeaderId = _members.Count > 0 ? metadata.Leader : null;
        State = _members.Count > 0 ? GroupStates.Stable : GroupStates.Empty;
    }

    // ---------------- the clock ----------------

    /// <summary>Expires silent members and lapsed member ids, and completes a join whose delay or deadline has come.</summary>
    public IReadOnlyList<ClassicAction> Tick(DateTime now)
    {
        var actions = new List<ClassicAction>();
        var lapsed = _pending.Where(kv => now >= kv.Value).Select(kv => kv.Key).ToList();
        foreach (var id in lapsed) _pending.Remove(id);
        // A member whose JoinGroup or SyncGroup we are holding is not silent: it is waiting for us.
        var expired = _members.Values.Where(m => !m.AwaitingJoin && !m.AwaitingSync && now - m.LastSeen > m.SessionTimeout)
            .Select(m => m.MemberId).ToList();
        foreach (var id in expired) Remove(id, actions);
        // A lapsed member id matters only to a join waiting for it.
        if (expired.Count > 0) Rebalance(now, actions);
        else TryCompleteJoin(now, actions);
        return actions;
    }

    /// <summary>The members the last <see cref="Tick"/> or <see cref="Leave"/> removed are gone: the others must re-join (or the group is empty).</summary>
    private void Rebalance(DateTime now, List<ClassicAction> actions)
    {
        if (State is GroupStates.Stable or GroupStates.CompletingRebalance) PrepareRebalance(now, actions);
        else TryCompleteJoin(now, actions);
    }

    private void Remove(string memberId, List<ClassicAction> actions)
    {
        var member = _members[memberId];
        _members.Remove(memberId);
        if (member.AwaitingJoin)
            actions.Add(new ReplyToHeld(memberId, new JoinClassicGroupResponse(_group, ErrorCode.UnknownMemberId, -1, null, null, "", memberId, [])));
        if (member.AwaitingSync)
            actions.Add(new ReplyToHeld(memberId, new SyncClassicGroupResponse(_group, ErrorCode.UnknownMemberId, ProtocolType, ProtocolName, [])));
        if (LeaderId == memberId) LeaderId = null;
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;
}
