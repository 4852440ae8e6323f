using Akka.Configuration;
using AkkaKafka.Client;
using AkkaKafka.Client.Consumer;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using Xunit;

namespace AkkaKafka.Tests.Client;

/// <summary>
/// A member's session in a classic consumer group, as Kafka's ConsumerCoordinator behaves: answers in, the next
/// requests and decisions out, no ActorSystem. Member "m-1" reads topic "t"; "the application" is the spec handing
/// over positions on the partitions' leases, as the reader thread does.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class GroupSessionSpecs
{
    private static readonly TopicPartition T0 = new("t", 0);
    private static readonly TopicPartition T1 = new("t", 1);
    private const string Range = "range";
    private const string CooperativeSticky = "cooperative-sticky";

    private readonly CommitPositions _positions = new();

    [Fact]
    public void A_new_member_joins_without_an_id_takes_the_one_the_coordinator_gives_then_syncs_and_reads_what_it_is_assigned()
    {
        var session = Session(Range);

        var first = Single<GroupStep.SendJoinGroup>(session.Start()).Request;
        Assert.Equal(("billing", "", "consumer"), (first.GroupId, first.MemberId, first.ProtocolType));
        Assert.Equal([Range], first.Protocols.Select(p => p.Name));
        Assert.Equal(["t"], SubscriptionOf(first).Topics);

        // JoinGroup v4+: MEMBER_ID_REQUIRED hands out the id; the member joins again with it.
        var second = Single<GroupStep.SendJoinGroup>(session.OnJoined(Refused(ErrorCode.MemberIdRequired, "m-1"), null)).Request;
        Assert.Equal("m-1", second.MemberId);

        var sync = Single<GroupStep.SendSyncGroup>(session.OnJoined(Joined(generation: 1, leader: "m-0"), null));
        Assert.Equal((1, "m-1", 0), (sync.Request.GenerationId, sync.Request.MemberId, sync.Request.Assignments.Count)); // a follower assigns nothing

        var steps = session.OnSynced(1, Assignment(T0, T1));
        Assert.Contains(steps, s => s is GroupStep.StartBeating);
        Assert.Contains(steps, s => s is GroupStep.ReadAssigned);
        Assert.Equal((GroupPhase.Stable, 1, "m-1"), (session.Phase, session.Generation, session.MemberId));
        Assert.Equal([T0, T1], session.Assigned);
        var beat = Single<GroupStep.SendHeartbeat>(session.HeartbeatTick()).Request;
        Assert.Equal(("billing", 1, "m-1"), (beat.GroupId, beat.GenerationId, beat.MemberId));
    }

    [Fact]
    public void The_leader_assigns_every_members_subscription_with_the_assignor_the_group_chose()
    {
        var session = Session(Range);
        session.Start();
        var members = new[] { Member("m-1", "t"), Member("m-2", "t") };
        var find = Single<GroupStep.FindPartitionCounts>(session.OnJoined(Joined(1, leader: "m-1", members: members), null));
        Assert.Equal(1, find.Generation);
        Assert.Equal(["t"], find.Topics);

        var sync = Single<GroupStep.SendSyncGroup>(session.OnPartitionCounts(1, new Dictionary<string, int> { ["t"] = 4 })).Request;
        var given = sync.Assignments.ToDictionary(a => a.MemberId, a => ConsumerProtocol.TryDecodeAssignment(a.Assignment.Span));
        Assert.Equal([T0, T1], given["m-1"]);
        Assert.Equal([new TopicPartition("t", 2), new TopicPartition("t", 3)], given["m-2"]);
    }

    [Fact]
    public void Eager_a_rebalance_revokes_every_partition_and_commits_its_position_before_the_member_joins_again()
    {
        var (session, leases) = Stable(Range, T0, T1);
        leases[T0].TryHandOver(5);
        leases[T1].TryHandOver(7);

        var steps = session.OnHeartbeat(1, new HeartbeatResponseData(ErrorCode.RebalanceInProgress));

        Assert.Equal([T0, T1], steps.OfType<GroupStep.StopReading>().Select(s => s.Partition));
        Assert.True(leases[T0].Revoked && leases[T1].Revoked);
        Assert.Empty(session.Assigned);
        var commit = Single<GroupStep.SendOffsetCommit>(steps);
        Assert.Equal([new PartitionOffset("t", 0, 5), new PartitionOffset("t", 1, 7)], commit.Offsets);
        Assert.Equal((1, "m-1"), (commit.Request.GenerationIdOrMemberEpoch, commit.Request.MemberId));
        Assert.DoesNotContain(steps, s => s is GroupStep.SendJoinGroup); // not before the commit is answered

        var join = Single<GroupStep.SendJoinGroup>(session.OnCommitAnswered(commit.Offsets, commit.Waiters, ErrorCode.None, null)).Request;
        Assert.Equal("m-1", join.MemberId);
        Assert.Empty(SubscriptionOf(join).OwnedPartitions);
    }

    [Fact]
    public void Cooperative_a_rebalance_keeps_every_partition_while_joining_then_revokes_only_what_moves_commits_it_and_joins_again_to_hand_it_over()
    {
        var (session, leases) = Stable(CooperativeSticky, T0, T1);
        leases[T0].TryHandOver(5);
        leases[T1].TryHandOver(7);

        // KIP-429: no revocation before the join; the subscription names what the member owns and its generation.
        var join = Single<GroupStep.SendJoinGroup>(session.OnHeartbeat(1, new HeartbeatResponseData(ErrorCode.RebalanceInProgress))).Request;
        Assert.Equal([T0, T1], SubscriptionOf(join).OwnedPartitions);
        Assert.Equal(1, SubscriptionOf(join).GenerationId);
        Assert.False(leases[T0].Revoked || leases[T1].Revoked);
        Assert.Equal([CooperativeSticky], join.Protocols.Select(p => p.Name));

        Single<GroupStep.SendSyncGroup>(session.OnJoined(Joined(2, leader: "m-0"), null));
        var steps = session.OnSynced(2, Assignment(T0));

        // Only t-1 moves: revoked, its position committed (with t-0's), and only then the member joins again.
        Assert.Equal([T1], steps.OfType<GroupStep.StopReading>().Select(s => s.Partition));
        Assert.True(leases[T1].Revoked);
        Assert.False(leases[T0].Revoked);
        var commit = Single<GroupStep.SendOffsetCommit>(steps);
        Assert.Equal([new PartitionOffset("t", 0, 5), new PartitionOffset("t", 1, 7)], commit.Offsets.OrderBy(o => o.Partition));
        Assert.DoesNotContain(steps, s => s is GroupStep.SendJoinGroup);

        var again = Single<GroupStep.SendJoinGroup>(session.OnCommitAnswered(commit.Offsets, commit.Waiters, ErrorCode.None, null)).Request;
        Assert.Equal([T0], SubscriptionOf(again).OwnedPartitions);
        Assert.Equal(2, SubscriptionOf(again).GenerationId);
    }

    [Fact]
    public void UNKNOWN_MEMBER_ID_loses_every_partition_without_committing_and_the_member_joins_again_with_no_id()
    {
        var (session, leases) = Stable(Range, T0, T1);
        leases[T0].TryHandOver(5);

        var steps = session.OnHeartbeat(1, new HeartbeatResponseData(ErrorCode.UnknownMemberId));

        Assert.Equal([T0, T1], steps.OfType<GroupStep.StopReading>().Select(s => s.Partition));
        Assert.DoesNotContain(steps, s => s is GroupStep.SendOffsetCommit); // fenced: the coordinator would refuse it
        var join = Single<GroupStep.SendJoinGroup>(steps).Request;
        Assert.Equal(("", -1), (join.MemberId, SubscriptionOf(join).GenerationId));
        Assert.Equal((-1, ""), (session.Generation, session.MemberId));
    }

    [Fact]
    public void ILLEGAL_GENERATION_loses_every_partition_without_committing_and_the_member_joins_again_under_its_id()
    {
        var (session, leases) = Stable(CooperativeSticky, T0, T1);
        leases[T1].TryHandOver(3);

        var steps = session.OnHeartbeat(1, new HeartbeatResponseData(ErrorCode.IllegalGeneration));

        Assert.Equal([T0, T1], steps.OfType<GroupStep.StopReading>().Select(s => s.Partition));
        Assert.DoesNotContain(steps, s => s is GroupStep.SendOffsetCommit);
        var join = Single<GroupStep.SendJoinGroup>(steps).Request;
        Assert.Equal("m-1", join.MemberId);
        Assert.Empty(SubscriptionOf(join).OwnedPartitions); // lost, not owned: the leader may give them to anyone
    }

    [Fact]
    public void A_commit_refused_for_an_old_generation_is_made_again_by_the_member_of_the_new_one()
    {
        var (session, leases) = Stable(CooperativeSticky, T0);
        leases[T0].TryHandOver(9);
        var waiter = new TaskCompletionSource();
        var commit = Single<GroupStep.SendOffsetCommit>(session.Commit(waiter));

        Single<GroupStep.SendJoinGroup>(session.OnCommitAnswered(commit.Offsets, commit.Waiters, ErrorCode.IllegalGeneration, null));
        Single<GroupStep.SendSyncGroup>(session.OnJoined(Joined(2, leader: "m-0"), null));
        var again = Single<GroupStep.SendOffsetCommit>(session.OnSynced(2, Assignment(T0)));

        Assert.Equal(2, again.Request.GenerationIdOrMemberEpoch);
        Assert.Equal([new PartitionOffset("t", 0, 9)], again.Offsets);
        Assert.Equal([waiter], again.Waiters); // the application's CommitAsync hears the outcome of the commit that counts
    }

    [Fact]
    public void NOT_COORDINATOR_is_the_coordinator_moving_not_a_lost_membership_the_member_keeps_its_partitions_and_asks_again()
    {
        var (session, leases) = Stable(Range, T0);

        Assert.Empty(session.OnHeartbeat(1, new HeartbeatResponseData(ErrorCode.NotCoordinator)));
        Assert.Equal([T0], session.Assigned);
        Assert.Equal((1, "m-1"), (session.Generation, session.MemberId));
        Assert.False(leases[T0].Revoked);
        Assert.Equal(1, Single<GroupStep.SendHeartbeat>(session.HeartbeatTick()).Generation); // the next beat finds the new coordinator

        // A join the coordinator refuses as it moves is sent again after a pause, by the same member.
        var (joining, _) = Stable(CooperativeSticky, T0);
        Single<GroupStep.SendJoinGroup>(joining.OnHeartbeat(1, new HeartbeatResponseData(ErrorCode.RebalanceInProgress)));
        Single<GroupStep.RejoinLater>(joining.OnJoined(Refused(ErrorCode.NotCoordinator, ""), null));
        Assert.Equal("m-1", Single<GroupStep.SendJoinGroup>(joining.RejoinTick()).Request.MemberId);
    }

    [Fact]
    public void A_closing_member_stops_reading_commits_what_it_handed_over_then_leaves_the_group()
    {
        var (session, leases) = Stable(Range, T0, T1);
        leases[T0].TryHandOver(5);

        var steps = session.Close();

        Assert.Equal([T0, T1], steps.OfType<GroupStep.StopReading>().Select(s => s.Partition));
        var commit = Single<GroupStep.SendClosingCommit>(steps).Request;
        Assert.Equal(("m-1", 1, 5L), (commit.MemberId, commit.GenerationIdOrMemberEpoch, commit.Topics.Single().Partitions.Single().CommittedOffset));
        var leave = Single<GroupStep.SendLeaveGroup>(session.OnClosingCommitAnswered()).Request;
        Assert.Equal(("billing", "m-1"), (leave.GroupId, leave.MemberId));
        Assert.Equal(["m-1"], leave.Members.Select(m => m.MemberId));

        Assert.Empty(Session(Range).Close()); // never joined: nothing to leave
    }

    private GroupSession Session(string strategy) =>
        new(new JoinConsumerGroup("billing", [T0, T1], new StartPosition.Earliest(), new TaskCompletionSource()),
            new ClientSettings(ConfigurationFactory.ParseString($"akkakafka.client.partition-assignment-strategy = [{strategy}]").WithFallback(ClusterConnection.Reference)),
            _positions);

    /// <summary>Member m-1 of generation 1 (m-0 leads), reading <paramref name="assigned"/> with nothing committed yet, as the shell starts it.</summary>
    private (GroupSession Session, Dictionary<TopicPartition, PartitionLease> Leases) Stable(string strategy, params TopicPartition[] assigned)
    {
        var session = Session(strategy);
        session.Start();
        session.OnJoined(Joined(1, leader: "m-0"), null);
        session.OnSynced(1, Assignment(assigned));
        var leases = assigned.ToDictionary(tp => tp, tp => new PartitionLease(tp));
        foreach (var lease in leases.Values) _positions.Add(lease, committed: -1);
        return (session, leases);
    }

    private static T Single<T>(IReadOnlyList<GroupStep> steps) where T : GroupStep => Assert.Single(steps.OfType<T>());

    private static ConsumerProtocol.Subscription SubscriptionOf(JoinGroupRequestData join) =>
        ConsumerProtocol.TryDecodeSubscription(join.Protocols[0].Metadata.Span)!;

    private static JoinGroupResponseData Joined(int generation, string leader, string memberId = "m-1", JoinGroupResponseMember[]? members = null) =>
        new(ErrorCode.None, generation, Range, leader, memberId, members ?? []);

    private static JoinGroupResponseData Refused(ErrorCode error, string memberId) => new(error, -1, "", "", memberId, []);

    private static JoinGroupResponseMember Member(string id, string topic) =>
        new(id, ConsumerProtocol.EncodeSubscription(new ConsumerProtocol.Subscription([topic], [])));

    private static SyncGroupResponseData Assignment(params TopicPartition[] partitions) => new(ErrorCode.None, ConsumerProtocol.EncodeAssignment(partitions));
}
