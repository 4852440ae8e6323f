using AkkaKafka.Broker.Group;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Tests.Support;
using Xunit;

namespace AkkaKafka.Tests.Group;

/// <summary>
/// Kafka's classic group protocol as the pure <see cref="ClassicGroup"/> runs it: joins held until the generation is
/// complete, the leader's assignment handed out in SyncGroup, rebalances on leave, expiry and silence, and the errors
/// Kafka clients expect.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class ClassicGroupSpecs
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(100);
    private const int Session = 10_000;
    private const int RebalanceTimeout = 30_000;

    private readonly ClassicGroup _group = new("g", new ClassicGroupSettings(Delay, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(30)));

    private static GroupProtocolOffer Offer(string name, params byte[] metadata) => new(name, metadata);

    private static JoinClassicGroup JoinOf(string memberId, string clientId = "rdkafka", int session = Session, int rebalance = RebalanceTimeout,
        string protocolType = "consumer", bool requireKnownMemberId = false, params GroupProtocolOffer[] protocols) =>
        new("g", memberId, null, clientId, "/127.0.0.1", session, rebalance, protocolType,
            protocols.Length == 0 ? [Offer("range", 1), Offer("roundrobin", 2)] : protocols, requireKnownMemberId);

    private static T Answer<T>(IReadOnlyList<ClassicAction> actions) => Assert.IsType<T>(Assert.Single(actions.OfType<ReplyToSender>()).Message);

    private static T HeldAnswer<T>(IReadOnlyList<ClassicAction> actions, string memberId) =>
        Assert.IsType<T>(Assert.Single(actions.OfType<ReplyToHeld>(), r => r.MemberId == memberId).Message);

    private static string HeldMember(IReadOnlyList<ClassicAction> actions) => Assert.Single(actions.OfType<HoldSender>()).MemberId;

    /// <summary>Two members join an empty group within the initial delay; returns their ids (leader first) once generation 1 is complete.</summary>
    private (string Leader, string Follower, IReadOnlyList<ClassicAction> Completion) TwoMembersJoined()
    {
        var leader = HeldMember(_group.Join(JoinOf(""), T0));
        var follower = HeldMember(_group.Join(JoinOf("", clientId: "kcat"), T0.AddMilliseconds(50)));
        var completion = _group.Tick(T0.AddMilliseconds(200));
        return (leader, follower, completion);
    }

    /// <summary>Generation 1 with both members synced: Stable.</summary>
    private (string Leader, string Follower) StableGroupOfTwo()
    {
        var (leader, follower, _) = TwoMembersJoined();
        _group.Sync(new SyncClassicGroup("g", 1, follower, null, "consumer", "range", []), T0.AddMilliseconds(210));
        _group.Sync(new SyncClassicGroup("g", 1, leader, null, "consumer", "range",
            [new MemberAssignment(leader, [1]), new MemberAssignment(follower, [2])]), T0.AddMilliseconds(220));
        Assert.Equal(GroupStates.Stable, _group.State);
        return (leader, follower);
    }

    [Fact]
    public void Members_joining_an_empty_group_within_the_initial_delay_share_one_generation_and_the_first_leads()
    {
        var leader = HeldMember(_group.Join(JoinOf(""), T0));
        Assert.Equal(GroupStates.PreparingRebalance, _group.State);
        Assert.Empty(_group.Tick(T0.AddMilliseconds(50)).OfType<ReplyToHeld>());
        var follower = HeldMember(_group.Join(JoinOf("", clientId: "kcat"), T0.AddMilliseconds(60)));

        var completion = _group.Tick(T0.AddMilliseconds(200));

        Assert.StartsWith("rdkafka-", leader);
        Assert.StartsWith("kcat-", follower);
        Assert.Equal(GroupStates.CompletingRebalance, _group.State);
        var leaderAnswer = HeldAnswer<JoinClassicGroupResponse>(completion, leader);
        var followerAnswer = HeldAnswer<JoinClassicGroupResponse>(completion, follower);
        foreach (var answer in new[] { leaderAnswer, followerAnswer })
        {
            Assert.Equal(ErrorCode.None, answer.Error);
            Assert.Equal(1, answer.GenerationId);
            Assert.Equal("consumer", answer.ProtocolType);
            Assert.Equal("range", answer.ProtocolName);
            Assert.Equal(leader, answer.LeaderId);
        }
        Assert.Equal([leader, follower], leaderAnswer.Members.Select(m => m.MemberId));
        Assert.All(leaderAnswer.Members, m => Assert.Equal([1], m.Metadata));
        Assert.Empty(followerAnswer.Members);
    }

    [Fact]
    public void The_initial_delay_is_waited_for_even_when_everyone_has_joined()
    {
        _group.Join(JoinOf(""), T0);

        Assert.Empty(_group.Tick(T0.AddMilliseconds(99)));
        Assert.Equal(T0 + Delay, _group.NextDeadline);
        Assert.Single(_group.Tick(T0 + Delay).OfType<ReplyToHeld>());
    }

    [Fact]
    public void The_leaders_sync_hands_every_member_its_assignment_and_the_group_becomes_stable()
    {
        var (leader, follower, _) = TwoMembersJoined();

        var followerSync = _group.Sync(new SyncClassicGroup("g", 1, follower, null, "consumer", "range", []), T0.AddMilliseconds(210));
        Assert.Equal([new HoldSender(follower)], followerSync);
        var leaderSync = _group.Sync(new SyncClassicGroup("g", 1, leader, null, "consumer", "range",
            [new MemberAssignment(leader, [1, 1]), new MemberAssignment(follower, [2, 2])]), T0.AddMilliseconds(220));

        Assert.Equal(GroupStates.Stable, _group.State);
        Assert.Equal([2, 2], HeldAnswer<SyncClassicGroupResponse>(leaderSync, follower).Assignment);
        Assert.Equal([1, 1], HeldAnswer<SyncClassicGroupResponse>(leaderSync, leader).Assignment);
        Assert.Contains(new HoldSender(leader), leaderSync);
        var again = Answer<SyncClassicGroupResponse>(_group.Sync(new SyncClassicGroup("g", 1, follower, null, null, null, []), T0.AddMilliseconds(300)));
        Assert.Equal(ErrorCode.None, again.Error);
        Assert.Equal([2, 2], again.Assignment);
    }

    [Fact]
    public void A_member_the_leader_gave_nothing_gets_an_empty_assignment()
    {
        var (leader, follower, _) = TwoMembersJoined();
        _group.Sync(new SyncClassicGroup("g", 1, follower, null, null, null, []), T0.AddMilliseconds(210));

        var leaderSync = _group.Sync(new SyncClassicGroup("g", 1, leader, null, null, null, [new MemberAssignment(leader, [1])]), T0.AddMilliseconds(220));

        Assert.Empty(HeldAnswer<SyncClassicGroupResponse>(leaderSync, follower).Assignment);
    }

    [Fact]
    public void The_protocol_is_the_one_most_members_prefer_among_those_all_support()
    {
        var a = HeldMember(_group.Join(JoinOf("", protocols: [Offer("roundrobin"), Offer("range")]), T0));
        _group.Join(JoinOf("", protocols: [Offer("cooperative-sticky"), Offer("range"), Offer("roundrobin")]), T0);
        _group.Join(JoinOf("", protocols: [Offer("roundrobin"), Offer("range")]), T0);

        var completion = _group.Tick(T0.AddMilliseconds(200));

        Assert.Equal("roundrobin", HeldAnswer<JoinClassicGroupResponse>(completion, a).ProtocolName);
        Assert.Equal("roundrobin", _group.ProtocolName);
    }

    [Fact]
    public void A_member_with_no_protocol_in_common_or_another_protocol_type_is_refused()
    {
        _group.Join(JoinOf(""), T0);

        Assert.Equal(ErrorCode.InconsistentGroupProtocol,
            Answer<JoinClassicGroupResponse>(_group.Join(JoinOf("", protocols: [Offer("sticky")]), T0)).Error);
        Assert.Equal(ErrorCode.InconsistentGroupProtocol,
            Answer<JoinClassicGroupResponse>(_group.Join(JoinOf("", protocolType: "connect"), T0)).Error);
        Assert.Equal(ErrorCode.InconsistentGroupProtocol,
            Answer<JoinClassicGroupResponse>(new ClassicGroup("h", ClassicGroupSettings.Create(AkkaKafka.Broker.Hosting.BrokerConfig.Reference())).Join(JoinOf("", protocols: []) with { Protocols = [] }, T0)).Error);
        Assert.Equal(1, _group.MemberCount);
    }

    [Fact]
    public void A_new_member_of_JoinGroup_v4_first_learns_its_id_then_joins_with_it()
    {
        var first = Answer<JoinClassicGroupResponse>(_group.Join(JoinOf("", requireKnownMemberId: true), T0));

        Assert.Equal(ErrorCode.MemberIdRequired, first.Error);
        Assert.StartsWith("rdkafka-", first.MemberId);
        Assert.Equal(0, _group.MemberCount);
        Assert.False(_group.IsEmpty);

        Assert.Equal(first.MemberId, HeldMember(_group.Join(JoinOf(first.MemberId, requireKnownMemberId: true), T0.AddMilliseconds(10))));
        var completion = _group.Tick(T0.AddMilliseconds(200));
        Assert.Equal(first.MemberId, HeldAnswer<JoinClassicGroupResponse>(completion, first.MemberId).LeaderId);
    }

    [Fact]
    public void A_member_id_handed_out_but_never_used_lapses_after_the_session_timeout()
    {
        var id = Answer<JoinClassicGroupResponse>(_group.Join(JoinOf("", requireKnownMemberId: true), T0)).MemberId;

        _group.Tick(T0.AddMilliseconds(Session + 1));

        Assert.True(_group.IsEmpty);
        Assert.Equal(ErrorCode.UnknownMemberId, Answer<JoinClassicGroupResponse>(_group.Join(JoinOf(id), T0.AddMilliseconds(Session + 2))).Error);
    }

    [Fact]
    public void A_join_waits_for_a_member_id_handed_out_until_it_lapses()
    {
        var first = HeldMember(_group.Join(JoinOf(""), T0));
        _group.Join(JoinOf("", requireKnownMemberId: true), T0.AddMilliseconds(10));

        Assert.Empty(_group.Tick(T0 + Delay));
        Assert.Equal(T0.AddMilliseconds(RebalanceTimeout), _group.NextDeadline);
        var completion = _group.Tick(T0.AddMilliseconds(10 + Session));

        Assert.Equal([first], HeldAnswer<JoinClassicGroupResponse>(completion, first).Members.Select(m => m.MemberId));
    }

    [Fact]
    public void A_member_id_lapsing_in_a_stable_group_changes_nothing()
    {
        var (leader, follower) = StableGroupOfTwo();
        _group.Join(JoinOf("", requireKnownMemberId: true), T0.AddSeconds(1));
        _group.Heartbeat(new ClassicHeartbeat("g", 1, leader, null), T0.AddSeconds(9));
        _group.Heartbeat(new ClassicHeartbeat("g", 1, follower, null), T0.AddSeconds(9));

        Assert.Empty(_group.Tick(T0.AddSeconds(1).AddMilliseconds(Session + 1)));

        Assert.Equal(GroupStates.Stable, _group.State);
    }

    [Fact]
    public void An_unknown_member_id_is_refused_everywhere()
    {
        StableGroupOfTwo();

        Assert.Equal(ErrorCode.UnknownMemberId, Answer<JoinClassicGroupResponse>(_group.Join(JoinOf("ghost"), T0)).Error);
        Assert.Equal(ErrorCode.UnknownMemberId, Answer<SyncClassicGroupResponse>(_group.Sync(new SyncClassicGroup("g", 1, "ghost", null, null, null, []), T0)).Error);
        Assert.Equal(ErrorCode.UnknownMemberId, Answer<ClassicHeartbeatResponse>(_group.Heartbeat(new ClassicHeartbeat("g", 1, "ghost", null), T0)).Error);
        Assert.Equal(ErrorCode.UnknownMemberId, _group.ValidateCommit("ghost", 1, T0));
        var left = Answer<LeaveClassicGroupResponse>(_group.Leave(new LeaveClassicGroup("g", ["ghost"]), T0));
        Assert.Equal([new MemberLeft("ghost", ErrorCode.UnknownMemberId)], left.Members);
        Assert.Equal(GroupStates.Stable, _group.State);
    }

    [Fact]
    public void A_stale_generation_is_refused_with_ILLEGAL_GENERATION()
    {
        var (leader, _) = StableGroupOfTwo();

        Assert.Equal(ErrorCode.IllegalGeneration, Answer<SyncClassicGroupResponse>(_group.Sync(new SyncClassicGroup("g", 0, leader, null, null, null, []), T0)).Error);
        Assert.Equal(ErrorCode.IllegalGeneration, Answer<ClassicHeartbeatResponse>(_group.Heartbeat(new ClassicHeartbeat("g", 2, leader, null), T0)).Error);
        Assert.Equal(ErrorCode.IllegalGeneration, _group.ValidateCommit(leader, 0, T0));
        Assert.Equal(ErrorCode.None, _group.ValidateCommit(leader, 1, T0));
        Assert.Equal(ErrorCode.None, Answer<ClassicHeartbeatResponse>(_group.Heartbeat(new ClassicHeartbeat("g", 1, leader, null), T0)).Error);
    }

    [Fact]
    public void A_transactional_commit_with_group_metadata_is_checked_as_Kafka_checks_it_KIP_447()
    {
        var (leader, follower) = StableGroupOfTwo();

        Assert.Equal(ErrorCode.None, _group.ValidateTransactionalCommit(leader, null, 1));
        Assert.Equal(ErrorCode.IllegalGeneration, _group.ValidateTransactionalCommit(follower, null, 0)); // a zombie of an older generation
        Assert.Equal(ErrorCode.UnknownMemberId, _group.ValidateTransactionalCommit("ghost", null, 1));
        Assert.Equal(ErrorCode.UnknownMemberId, _group.ValidateTransactionalCommit(leader, "nobody-holds-this", 1));
        // Older producers (TxnOffsetCommit v0–2) send no group metadata: Kafka does not check them.
        Assert.Equal(ErrorCode.None, _group.ValidateTransactionalCommit("", null, -1));
    }

    [Fact]
    public void A_transactional_commit_is_not_held_back_by_a_rebalance_in_progress_unlike_a_consumers_commit()
    {
        var (_, follower, _) = TwoMembersJoined();
        Assert.Equal(GroupStates.CompletingRebalance, _group.State);

        Assert.Equal(ErrorCode.RebalanceInProgress, _group.ValidateCommit(follower, 1, T0.AddMilliseconds(215)));
        Assert.Equal(ErrorCode.None, _group.ValidateTransactionalCommit(follower, null, 1));
    }

    [Fact]
    public void A_static_members_zombie_is_fenced_by_the_member_that_now_holds_its_instance_id()
    {
        var first = HeldMember(_group.Join(JoinOf("") with { GroupInstanceId = "static-1" }, T0));
        _group.Tick(T0.AddMilliseconds(200));
        _group.Sync(new SyncClassicGroup("g", 1, first, "static-1", "consumer", "range", [new MemberAssignment(first, [1])]), T0.AddMilliseconds(210));

        Assert.Equal(ErrorCode.None, _group.ValidateTransactionalCommit(first, "static-1", 1));
        Assert.Equal(ErrorCode.FencedInstanceId, _group.ValidateTransactionalCommit("rdkafka-old-incarnation", "static-1", 1));
    }

    [Fact]
    public void An_empty_group_takes_a_transactional_commit_without_a_generation()
    {
        Assert.Equal(GroupStates.Empty, _group.State);

        Assert.Equal(ErrorCode.None, _group.ValidateTransactionalCommit("", null, -1));
        Assert.Equal(ErrorCode.UnknownMemberId, _group.ValidateTransactionalCommit("m", null, 0));
    }

    [Fact]
    public void A_leaving_member_makes_the_others_rejoin_into_a_new_generation()
    {
        var (leader, follower) = StableGroupOfTwo();
        var t = T0.AddSeconds(1);

        var leave = _group.Leave(new LeaveClassicGroup("g", [leader]), t);

        Assert.Equal([new MemberLeft(leader, ErrorCode.None)], Answer<LeaveClassicGroupResponse>(leave).Members);
        Assert.Equal(GroupStates.PreparingRebalance, _group.State);
        Assert.Equal(ErrorCode.RebalanceInProgress, Answer<ClassicHeartbeatResponse>(_group.Heartbeat(new ClassicHeartbeat("g", 1, follower, null), t)).Error);
        Assert.Equal(ErrorCode.None, _group.ValidateCommit(follower, 1, t)); // members commit before they re-join
        Assert.Equal(ErrorCode.RebalanceInProgress, Answer<SyncClassicGroupResponse>(_group.Sync(new SyncClassicGroup("g", 1, follower, null, null, null, []), t)).Error);

        var rejoin = _group.Join(JoinOf(follower, clientId: "kcat"), t.AddMilliseconds(10));

        var answer = HeldAnswer<JoinClassicGroupResponse>(rejoin, follower);
        Assert.Equal(2, answer.GenerationId);
        Assert.Equal(follower, answer.LeaderId);
        Assert.Equal([follower], answer.Members.Select(m => m.MemberId));
    }

    [Fact]
    public void The_last_member_leaving_empties_the_group()
    {
        var (leader, follower) = StableGroupOfTwo();

        _group.Leave(new LeaveClassicGroup("g", [leader, follower]), T0.AddSeconds(1));

        Assert.Equal(GroupStates.Empty, _group.State);
        Assert.True(_group.IsEmpty);
        Assert.Equal(2, _group.Generation);
        Assert.Equal(ErrorCode.None, _group.ValidateCommit("", -1, T0.AddSeconds(2)));
    }

    [Fact]
    public void A_member_whose_session_expires_is_removed_and_the_group_rebalances()
    {
        var (leader, follower) = StableGroupOfTwo();
        var t = T0.AddMilliseconds(220);
        for (var i = 1; i <= 3; i++) _group.Heartbeat(new ClassicHeartbeat("g", 1, follower, null), t.AddSeconds(4 * i));

        _group.Tick(t.AddMilliseconds(Session + 1));

        Assert.False(_group.HasMember(leader));
        Assert.True(_group.HasMember(follower));
        Assert.Equal(GroupStates.PreparingRebalance, _group.State);
        Assert.Equal(ErrorCode.RebalanceInProgress, Answer<ClassicHeartbeatResponse>(_group.Heartbeat(new ClassicHeartbeat("g", 1, follower, null), t.AddSeconds(12))).Error);

        _group.Tick(t.AddSeconds(40)); // the follower never re-joins either
        Assert.Equal(GroupStates.Empty, _group.State);
    }

    [Fact]
    public void A_member_that_does_not_rejoin_within_the_rebalance_timeout_is_removed()
    {
        var (leader, follower) = StableGroupOfTwo();
        var t = T0.AddSeconds(1);
        var rejoin = _group.Join(JoinOf(leader), t); // the leader re-joining starts a rebalance
        Assert.Equal([new HoldSender(leader)], rejoin);
        Assert.Equal(t.AddMilliseconds(RebalanceTimeout), _group.NextDeadline);
        // The follower keeps heartbeating (and hears REBALANCE_IN_PROGRESS) but never re-joins.
        for (var s = 5; s < RebalanceTimeout / 1000; s += 5)
        {
            Assert.Equal(ErrorCode.RebalanceInProgress, Answer<ClassicHeartbeatResponse>(_group.Heartbeat(new ClassicHeartbeat("g", 1, follower, null), t.AddSeconds(s))).Error);
            Assert.Empty(_group.Tick(t.AddSeconds(s)));
        }

        Assert.Empty(_group.Tick(t.AddMilliseconds(RebalanceTimeout - 1)).OfType<ReplyToHeld>());
        var completion = _group.Tick(t.AddMilliseconds(RebalanceTimeout));

        Assert.False(_group.HasMember(follower));
        var answer = HeldAnswer<JoinClassicGroupResponse>(completion, leader);
        Assert.Equal(2, answer.GenerationId);
        Assert.Equal([leader], answer.Members.Select(m => m.MemberId));
    }

    [Fact]
    public void A_follower_rejoining_a_stable_group_with_the_same_metadata_gets_the_current_generation()
    {
        var (leader, follower) = StableGroupOfTwo();

        var answer = Answer<JoinClassicGroupResponse>(_group.Join(JoinOf(follower, clientId: "kcat"), T0.AddSeconds(1)));

        Assert.Equal(1, answer.GenerationId);
        Assert.Equal(leader, answer.LeaderId);
        Assert.Empty(answer.Members);
        Assert.Equal(GroupStates.Stable, _group.State);
    }

    [Fact]
    public void A_follower_rejoining_with_changed_metadata_starts_a_rebalance()
    {
        var (_, follower) = StableGroupOfTwo();

        var actions = _group.Join(JoinOf(follower, protocols: [Offer("range", 9), Offer("roundrobin", 2)]), T0.AddSeconds(1));

        Assert.Equal([new HoldSender(follower)], actions);
        Assert.Equal(GroupStates.PreparingRebalance, _group.State);
    }

    [Fact]
    public void A_rebalance_during_CompletingRebalance_sends_waiting_followers_back_to_join()
    {
        var (_, follower, _) = TwoMembersJoined();
        _group.Sync(new SyncClassicGroup("g", 1, follower, null, null, null, []), T0.AddMilliseconds(210));
        Assert.Equal(ErrorCode.RebalanceInProgress, _group.ValidateCommit(follower, 1, T0.AddMilliseconds(215)));

        var newcomer = _group.Join(JoinOf("", clientId: "late"), T0.AddMilliseconds(220));

        Assert.Equal(ErrorCode.RebalanceInProgress, HeldAnswer<SyncClassicGroupResponse>(newcomer, follower).Error);
        Assert.Equal(GroupStates.PreparingRebalance, _group.State);
    }

    [Fact]
    public void Out_of_range_session_timeouts_and_empty_group_ids_are_refused()
    {
        Assert.Equal(ErrorCode.InvalidSessionTimeout, Answer<JoinClassicGroupResponse>(_group.Join(JoinOf("", session: 999), T0)).Error);
        Assert.Equal(ErrorCode.InvalidSessionTimeout, Answer<JoinClassicGroupResponse>(_group.Join(JoinOf("", session: 1_800_001), T0)).Error);
        Assert.Equal(ErrorCode.InvalidGroupId, Answer<JoinClassicGroupResponse>(_group.Join(JoinOf("") with { Group = "" }, T0)).Error);
        Assert.True(_group.IsEmpty);
    }

    [Fact]
    public void A_standalone_commit_is_accepted_only_while_the_group_has_no_members()
    {
        Assert.Equal(ErrorCode.None, _group.ValidateCommit("", -1, T0));

        StableGroupOfTwo();

        Assert.Equal(ErrorCode.UnknownMemberId, _group.ValidateCommit("", -1, T0.AddSeconds(1)));
    }

    /// <summary>
    /// Issue 18 item 7: a settled group is persisted whole, and a coordinator that restores it has the same members,
    /// leader, protocol, generation and assignments: the members' heartbeats and commits are accepted, nobody rebalances.
    /// </summary>
    [Fact]
    public void Restoring_a_stable_group_from_what_was_persisted_keeps_its_generation_leader_and_assignments()
    {
        var (leader, follower) = StableGroupOfTwo();
        Assert.True(_group.IsSettled);
        var restoredAt = T0.AddHours(1);

        var recovered = new ClassicGroup("g", new ClassicGroupSettings(Delay, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(30)));
        recovered.Restore(_group.ToMetadata(), restoredAt);

        Structural.AssertEqual(_group.ToMetadata(), recovered.ToMetadata());
        Assert.Equal((GroupStates.Stable, 1, "range", leader), (recovered.State, recovered.Generation, recovered.ProtocolName, recovered.LeaderId));
        Assert.Equal(ErrorCode.None, Answer<ClassicHeartbeatResponse>(recovered.Heartbeat(new ClassicHeartbeat("g", 1, follower, null), restoredAt)).Error);
        Assert.Equal(ErrorCode.None, recovered.ValidateCommit(leader, 1, restoredAt));
        Assert.Equal([2], Answer<SyncClassicGroupResponse>(recovered.Sync(new SyncClassicGroup("g", 1, follower, null, "consumer", "range", []), restoredAt)).Assignment);
        // A follower re-joining with the same protocols (librdkafka after a lost coordinator) stays in generation 1.
        Assert.Equal(1, Answer<JoinClassicGroupResponse>(recovered.Join(JoinOf(follower, clientId: "kcat"), restoredAt)).GenerationId);
    }

    [Fact]
    public void A_restored_member_that_stays_silent_for_a_session_after_the_restore_is_removed_and_the_others_rebalance()
    {
        var (leader, follower) = StableGroupOfTwo();
        var restoredAt = T0.AddHours(1);
        var recovered = new ClassicGroup("g", new ClassicGroupSettings(Delay, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(30)));
        recovered.Restore(_group.ToMetadata(), restoredAt);

        recovered.Tick(restoredAt + TimeSpan.FromMilliseconds(Session));
        Assert.Equal(GroupStates.Stable, recovered.State);
        recovered.Heartbeat(new ClassicHeartbeat("g", 1, leader, null), restoredAt + TimeSpan.FromMilliseconds(Session));
        recovered.Tick(restoredAt + TimeSpan.FromMilliseconds(Session + 1));

        Assert.False(recovered.HasMember(follower));
        Assert.Equal(GroupStates.PreparingRebalance, recovered.State);
        Assert.Equal(ErrorCode.RebalanceInProgress,
            Answer<ClassicHeartbeatResponse>(recovered.Heartbeat(new ClassicHeartbeat("g", 1, leader, null), restoredAt + TimeSpan.FromMilliseconds(Session + 2))).Error);
    }

    [Fact]
    public void A_group_in_the_middle_of_a_rebalance_is_not_settled_so_what_stays_persisted_is_its_last_stable_generation()
    {
        StableGroupOfTwo();
        _group.Join(JoinOf(""), T0.AddSeconds(1)); // a third member: everyone must re-join

        Assert.Equal(GroupStates.PreparingRebalance, _group.State);
        Assert.False(_group.IsSettled);
    }
}
