using Akka.Actor;
using Akka.TestKit;
using AkkaKafka.Broker.Group;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.Group;

/// <summary>
/// The group coordinator serving Kafka clients' classic groups beside Akka groups, through a real SQLite journal:
/// join/sync/heartbeat as Kafka clients do it, shared committed offsets and registry, standalone commits, deletion,
/// and what survives a coordinator restart (offsets, groups, and members with their generation and partitions).
/// </summary>
[Trait("Speed", "Fast")]
public sealed class GroupCoordinatorSpecs(SqliteJournal journal, ITestOutputHelper output)
    : PersistenceSpec(journal, output, Config), IClassFixture<SqliteJournal>
{
    private const string Config = TestConfigs.Local + """

        akkakafka.broker.group.initial-rebalance-delay = 50ms
        """;

    // Generous: the first answer waits for the journal, and these specs share two cores with many others.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private IActorRef StartCoordinator() => Sys.ActorOf(GroupCoordinatorActor.Props());

    private static JoinClassicGroup KafkaJoin(string group, string memberId, string clientId = "rdkafka", bool requireKnownMemberId = true) =>
        new(group, memberId, null, clientId, "/127.0.0.1", 10_000, 30_000, "consumer",
            [new GroupProtocolOffer("range", [0, 1]), new GroupProtocolOffer("roundrobin", [0, 1])], requireKnownMemberId);

    private static T Ask<T>(TestProbe probe, IActorRef coordinator, object message)
    {
        coordinator.Tell(message, probe.Ref);
        return probe.ExpectMsg<T>(Timeout);
    }

    private T Ask<T>(IActorRef coordinator, object message) => Ask<T>(CreateTestProbe(), coordinator, message);

    /// <summary>A Kafka consumer's way in: MEMBER_ID_REQUIRED, then the join that waits for the generation.</summary>
    private (TestProbe Probe, string MemberId) StartJoining(IActorRef coordinator, string group, string clientId)
    {
        var probe = CreateTestProbe();
        var required = Ask<JoinClassicGroupResponse>(probe, coordinator, KafkaJoin(group, "", clientId));
        Assert.Equal(ErrorCode.MemberIdRequired, required.Error);
        coordinator.Tell(KafkaJoin(group, required.MemberId, clientId), probe.Ref);
        return (probe, required.MemberId);
    }

    /// <summary>Two Kafka consumers join <paramref name="group"/> and the leader assigns orders-0 to itself, orders-1 to the other.</summary>
    private (string Leader, string Follower) StableKafkaGroup(IActorRef coordinator, string group)
    {
        var (p1, m1) = StartJoining(coordinator, group, "rdkafka");
        var (p2, m2) = StartJoining(coordinator, group, "kcat");
        var j1 = p1.ExpectMsg<JoinClassicGroupResponse>(Timeout);
        var j2 = p2.ExpectMsg<JoinClassicGroupResponse>(Timeout);
        Assert.Equal(ErrorCode.None, j1.Error);
        Assert.Equal(j1.GenerationId, j2.GenerationId);
        Assert.Equal("range", j1.ProtocolName);
        var leader = j1.LeaderId;
        var follower = leader == m1 ? m2 : m1;
        var (leaderProbe, followerProbe) = leader == m1 ? (p1, p2) : (p2, p1);
        Assert.Equal(2, (leader == m1 ? j1 : j2).Members.Count);

        coordinator.Tell(new SyncClassicGroup(group, j1.GenerationId, follower, null, "consumer", "range", []), followerProbe.Ref);
        followerProbe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        coordinator.Tell(new SyncClassicGroup(group, j1.GenerationId, leader, null, "consumer", "range",
        [
            new MemberAssignment(leader, ConsumerProtocol.EncodeAssignment([new TopicPartition("orders", 0)])),
            new MemberAssignment(follower, ConsumerProtocol.EncodeAssignment([new TopicPartition("orders", 1)])),
        ]), leaderProbe.Ref);
        Assert.Equal([new TopicPartition("orders", 1)], ConsumerProtocol.TryDecodeAssignment(followerProbe.ExpectMsg<SyncClassicGroupResponse>(Timeout).Assignment));
        Assert.Equal([new TopicPartition("orders", 0)], ConsumerProtocol.TryDecodeAssignment(leaderProbe.ExpectMsg<SyncClassicGroupResponse>(Timeout).Assignment));
        return (leader, follower);
    }

    [Fact]
    public void Kafka_consumers_form_a_group_that_describe_shows_with_their_partitions()
    {
        var coordinator = StartCoordinator();

        var (leader, follower) = StableKafkaGroup(coordinator, "billing");

        Assert.Equal(ErrorCode.None, Ask<ClassicHeartbeatResponse>(coordinator, new ClassicHeartbeat("billing", 1, follower, null)).Error);
        var description = Ask<GroupDescription>(coordinator, new DescribeGroup("billing"));
        Assert.Equal(GroupStates.Stable, description.State);
        Assert.Equal("consumer", description.ProtocolType);
        Assert.Equal("range", description.Protocol);
        Assert.Equal(1, description.Generation);
        var byId = description.Members.ToDictionary(m => m.MemberId);
        Assert.Equal([new TopicPartition("orders", 0)], byId[leader].Assignment);
        Assert.Equal([new TopicPartition("orders", 1)], byId[follower].Assignment);
        Assert.Equal("/127.0.0.1", byId[leader].ClientHost);
        Assert.Equal([0, 1], byId[leader].Metadata);
        Assert.Equal(["billing"], Ask<ListGroupsResponse>(coordinator, ListGroups.Instance).Groups);
    }

    [Fact]
    public void A_groups_commits_outlive_its_members_and_only_current_members_commit()
    {
        var coordinator = StartCoordinator();
        var (leader, follower) = StableKafkaGroup(coordinator, "shared");

        var commit = Ask<OffsetCommitResponse>(coordinator, new OffsetCommit("shared", follower, 1, [new PartitionOffset("orders", 0, 42)]));
        Assert.Equal(ErrorCode.None, commit.Error); // Kafka does not check who owns the partition
        Assert.Equal(ErrorCode.IllegalGeneration, Ask<OffsetCommitResponse>(coordinator, new OffsetCommit("shared", leader, 0, [new PartitionOffset("orders", 0, 1)])).Error);
        Assert.Equal(ErrorCode.UnknownMemberId, Ask<OffsetCommitResponse>(coordinator, new OffsetCommit("shared", "", -1, [new PartitionOffset("orders", 0, 1)])).Error);

        var left = Ask<LeaveClassicGroupResponse>(coordinator, new LeaveClassicGroup("shared", [leader, follower]));
        Assert.All(left.Members, m => Assert.Equal(ErrorCode.None, m.Error));
        Assert.Equal([new PartitionOffset("orders", 0, 42)], Ask<OffsetFetchResponse>(coordinator, new OffsetFetch("shared", [new TopicPartition("orders", 0)])).Offsets);
        Assert.Equal(GroupStates.Empty, Ask<GroupDescription>(coordinator, new DescribeGroup("shared")).State);
    }

    [Fact]
    public void A_standalone_commit_registers_the_group_and_its_offsets_survive_a_coordinator_restart()
    {
        var coordinator = StartCoordinator();

        var commit = Ask<OffsetCommitResponse>(coordinator, new OffsetCommit("admin-set", "", -1, [new PartitionOffset("orders", 2, 7)]));

        Assert.Equal(ErrorCode.None, commit.Error);
        StopAndWait(coordinator);
        var restarted = StartCoordinator();
        Assert.Equal(["admin-set"], Ask<ListGroupsResponse>(restarted, ListGroups.Instance).Groups);
        Assert.Equal([new PartitionOffset("orders", 2, 7)], Ask<OffsetFetchResponse>(restarted, new OffsetFetch("admin-set", [new TopicPartition("orders", 2)])).Offsets);
        Assert.Equal(GroupStates.Empty, Ask<GroupDescription>(restarted, new DescribeGroup("admin-set")).State);
    }

    /// <summary>
    /// Issue 18 item 7: the group's membership is persisted with it, as Kafka keeps it in __consumer_offsets, so a
    /// coordinator that takes over (here: restarted on the same journal) knows the members, their generation and the
    /// leader's assignment; their heartbeats and commits go on being accepted and nobody is rebalanced. Heartbeats
    /// write nothing.
    /// </summary>
    [Fact]
    public void After_a_coordinator_restart_Kafka_members_keep_their_generation_and_assignment()
    {
        var coordinator = StartCoordinator();
        var (leader, follower) = StableKafkaGroup(coordinator, "restarting");
        var written = JournalEvents("group-restarting").Count;
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(ErrorCode.None, Ask<ClassicHeartbeatResponse>(coordinator, new ClassicHeartbeat("restarting", 1, leader, null)).Error);
            Assert.Equal(ErrorCode.None, Ask<ClassicHeartbeatResponse>(coordinator, new ClassicHeartbeat("restarting", 1, follower, null)).Error);
        }
        Assert.Equal(written, JournalEvents("group-restarting").Count);

        StopAndWait(coordinator);
        var restarted = StartCoordinator();

        Assert.Equal(ErrorCode.None, Ask<ClassicHeartbeatResponse>(restarted, new ClassicHeartbeat("restarting", 1, leader, null)).Error);
        Assert.Equal(ErrorCode.None, Ask<ClassicHeartbeatResponse>(restarted, new ClassicHeartbeat("restarting", 1, follower, null)).Error);
        Assert.Equal(ErrorCode.None, Ask<OffsetCommitResponse>(restarted, new OffsetCommit("restarting", follower, 1, [new PartitionOffset("orders", 1, 9)])).Error);
        var description = Ask<GroupDescription>(restarted, new DescribeGroup("restarting"));
        Assert.Equal((GroupStates.Stable, 1, "range"), (description.State, description.Generation, description.Protocol));
        var byId = description.Members.ToDictionary(m => m.MemberId);
        Assert.Equal([new TopicPartition("orders", 0)], byId[leader].Assignment);
        Assert.Equal([new TopicPartition("orders", 1)], byId[follower].Assignment);
        // A follower that re-syncs (as librdkafka may after losing its coordinator) gets the same assignment back.
        var resync = Ask<SyncClassicGroupResponse>(restarted, new SyncClassicGroup("restarting", 1, follower, null, "consumer", "range", []));
        Assert.Equal([new TopicPartition("orders", 1)], ConsumerProtocol.TryDecodeAssignment(resync.Assignment));
    }

    /// <summary>
    /// A journal written before Akka consumers became classic members (issue 19) holds the coordinator-assigned
    /// membership of that time: the group recovers without it (its members rejoin as classic members) and keeps its commits.
    /// </summary>
    [Fact]
    public void A_group_journal_with_an_old_Akka_membership_recovers_with_its_commits_and_no_members()
    {
        var old = new GroupMetadata(GroupKind.Akka, 3, "consumer", "akkakafka", null,
            [new GroupMemberMetadata("a-1", null, "a", "", 10_000, 10_000, [], [], [new TopicPartition("orders", 0)], [new TopicPartition("orders", 0)])], []);
        var writer = Sys.ActorOf(Props.Create(() => new EventWriter("group-coordinator")));
        writer.Tell(new object[] { new GroupRegistered("upgraded") }, TestActor);
        ExpectMsg("written");
        StopAndWait(writer);
        var group = Sys.ActorOf(Props.Create(() => new EventWriter("group-upgraded")));
        group.Tell(new object[] { new OffsetsCommitted([new PartitionOffset("orders", 0, 7)]), new GroupMembershipChanged(old) }, TestActor);
        ExpectMsg("written");
        StopAndWait(group);

        var coordinator = StartCoordinator();
        var description = Ask<GroupDescription>(coordinator, new DescribeGroup("upgraded"));
        Assert.Empty(description.Members);
        Assert.Equal([new PartitionOffset("orders", 0, 7)], Ask<OffsetFetchResponse>(coordinator, new OffsetFetch("upgraded", [new TopicPartition("orders", 0)])).Offsets);
        var (leader, _) = StableKafkaGroup(coordinator, "upgraded");
        Assert.Contains(leader, Ask<GroupDescription>(coordinator, new DescribeGroup("upgraded")).Members.Select(m => m.MemberId));
    }

    /// <summary>Persists the events it is sent under <paramref name="persistenceId"/>, as an older broker wrote them.</summary>
    private sealed class EventWriter(string persistenceId) : Akka.Persistence.UntypedPersistentActor
    {
        public override string PersistenceId => persistenceId;

        protected override void OnRecover(object message) { }

        protected override void OnCommand(object message)
        {
            var replyTo = Sender;
            var events = (object[])message;
            PersistAll(events, e => { if (ReferenceEquals(e, events[^1])) replyTo.Tell("written"); });
        }
    }

    [Fact]
    public void Deleting_a_group_needs_it_empty_and_forgets_it_with_its_offsets()
    {
        var coordinator = StartCoordinator();
        var (leader, follower) = StableKafkaGroup(coordinator, "doomed");
        Assert.Equal(ErrorCode.None, Ask<OffsetCommitResponse>(coordinator, new OffsetCommit("doomed", leader, 1, [new PartitionOffset("orders", 0, 5)])).Error);

        Assert.Equal(ErrorCode.NonEmptyGroup, Ask<DeleteGroupResponse>(coordinator, new DeleteGroup("doomed")).Error);
        Assert.Equal(ErrorCode.GroupIdNotFound, Ask<DeleteGroupResponse>(coordinator, new DeleteGroup("never-was")).Error);
        Ask<LeaveClassicGroupResponse>(coordinator, new LeaveClassicGroup("doomed", [leader, follower]));
        Assert.Equal(ErrorCode.None, Ask<DeleteGroupResponse>(coordinator, new DeleteGroup("doomed")).Error);

        Assert.Empty(Ask<ListGroupsResponse>(coordinator, ListGroups.Instance).Groups);
        StopAndWait(coordinator);
        var restarted = StartCoordinator();
        Assert.Empty(Ask<ListGroupsResponse>(restarted, ListGroups.Instance).Groups);
        Assert.Equal([new PartitionOffset("orders", 0, -1)], Ask<OffsetFetchResponse>(restarted, new OffsetFetch("doomed", [new TopicPartition("orders", 0)])).Offsets);
        // Used again, the group starts from nothing.
        Assert.Equal(ErrorCode.None, Ask<OffsetCommitResponse>(restarted, new OffsetCommit("doomed", "", -1, [new PartitionOffset("orders", 1, 3)])).Error);
        Assert.Equal([new PartitionOffset("orders", 0, -1), new PartitionOffset("orders", 1, 3)],
            Ask<OffsetFetchResponse>(restarted, new OffsetFetch("doomed", [new TopicPartition("orders", 0), new TopicPartition("orders", 1)])).Offsets);
    }

    [Fact]
    public void An_empty_group_id_is_refused()
    {
        var coordinator = StartCoordinator();

        Assert.Equal(ErrorCode.InvalidGroupId, Ask<JoinClassicGroupResponse>(coordinator, KafkaJoin("", "")).Error);
        Assert.Equal(ErrorCode.InvalidGroupId, Ask<OffsetCommitResponse>(coordinator, new OffsetCommit("", "", -1, [])).Error);
        Assert.Empty(Ask<ListGroupsResponse>(coordinator, ListGroups.Instance).Groups);
    }

    [Fact]
    public void Requests_naming_a_member_of_a_group_that_does_not_exist_are_refused_with_unknown_member_id_and_create_no_group()
    {
        // As Kafka's coordinator; and a client sending mangled group names cannot fill the registry with groups.
        var coordinator = StartCoordinator();
        Assert.Equal(ErrorCode.UnknownMemberId, Ask<JoinClassicGroupResponse>(coordinator, KafkaJoin("nobody-1", "rdkafka-123")).Error);
        Assert.Equal(ErrorCode.UnknownMemberId, Ask<SyncClassicGroupResponse>(coordinator, new SyncClassicGroup("nobody-2", 1, "rdkafka-123", null, "consumer", "range", [])).Error);
        Assert.Equal(ErrorCode.UnknownMemberId, Ask<ClassicHeartbeatResponse>(coordinator, new ClassicHeartbeat("nobody-3", 1, "rdkafka-123", null)).Error);
        var left = Ask<LeaveClassicGroupResponse>(coordinator, new LeaveClassicGroup("nobody-4", ["rdkafka-123"]));
        Assert.Equal([new MemberLeft("rdkafka-123", ErrorCode.UnknownMemberId)], left.Members);
        Assert.Equal(ErrorCode.UnknownMemberId, Ask<OffsetCommitResponse>(coordinator, new OffsetCommit("nobody-5", "rdkafka-123", 1, [new PartitionOffset("orders", 0, 5)])).Error);
        Assert.Equal(ErrorCode.UnknownMemberId, Ask<OffsetCommitResponse>(coordinator, new OffsetCommit("nobody-6", "", 3, [new PartitionOffset("orders", 0, 5)])).Error);
        Assert.Empty(Ask<ListGroupsResponse>(coordinator, ListGroups.Instance).Groups);

        // A standalone commit (no member, generation -1) still creates its group, as an admin tool's does in Kafka.
        Assert.Equal(ErrorCode.None, Ask<OffsetCommitResponse>(coordinator, new OffsetCommit("standalone", "", -1, [new PartitionOffset("orders", 0, 5)])).Error);
        Assert.Equal(["standalone"], Ask<ListGroupsResponse>(coordinator, ListGroups.Instance).Groups);
    }

    private static TransactionalOffsetCommit TxnCommit(string group, int generation, string memberId, long offset) =>
        new(group, "tx-1", 4_000, 0, memberId, generation, null, [new PartitionOffset("orders", 0, offset)]);

    [Fact]
    public void A_transactional_commit_creates_its_group_only_without_a_generation_and_a_completion_creates_none()
    {
        var coordinator = StartCoordinator();

        // Kafka's coordinator: with a generation the group would have to have, it does not exist.
        Assert.Equal(ErrorCode.IllegalGeneration, Ask<OffsetCommitResponse>(coordinator, TxnCommit("nobody-1", 1, "rdkafka-123", 5)).Error);
        // The end of a transaction, retried until answered, for a group nothing was committed to: nothing to do.
        Assert.Equal(new TransactionalOffsetsCompleted("nobody-2", ErrorCode.None),
            Ask<TransactionalOffsetsCompleted>(coordinator, new CompleteTransactionalOffsets("nobody-2", 4_000, 0, Commit: true)));
        Assert.Empty(Ask<ListGroupsResponse>(coordinator, ListGroups.Instance).Groups);

        // A producer whose consumer uses no group management (generation -1) creates it, as a standalone commit does.
        Assert.Equal(ErrorCode.None, Ask<OffsetCommitResponse>(coordinator, TxnCommit("simple", -1, "", 5)).Error);
        Assert.Equal(["simple"], Ask<ListGroupsResponse>(coordinator, ListGroups.Instance).Groups);
    }

    [Fact]
    public void Pending_transactional_offsets_survive_a_coordinator_restart_and_then_commit_through_it()
    {
        var coordinator = StartCoordinator();
        var (leader, _) = StableKafkaGroup(coordinator, "eos");
        Assert.Equal(ErrorCode.None, Ask<OffsetCommitResponse>(coordinator, new OffsetCommit("eos", leader, 1, [new PartitionOffset("orders", 0, 10)])).Error);
        Assert.Equal(ErrorCode.IllegalGeneration, Ask<OffsetCommitResponse>(coordinator, TxnCommit("eos", 0, leader, 20)).Error); // a zombie's (KIP-447)
        Assert.Equal(ErrorCode.None, Ask<OffsetCommitResponse>(coordinator, TxnCommit("eos", 1, leader, 42)).Error);

        StopAndWait(coordinator);
        var restarted = StartCoordinator();

        var stable = new OffsetFetch("eos", [new TopicPartition("orders", 0)], RequireStable: true);
        var pending = Ask<OffsetFetchResponse>(restarted, stable);
        Assert.Equal([new PartitionOffset("orders", 0, 10)], pending.Offsets);
        Assert.Equal([new TopicPartition("orders", 0)], pending.Unstable);
        Assert.Equal(ErrorCode.None, Ask<TransactionalOffsetsCompleted>(restarted, new CompleteTransactionalOffsets("eos", 4_000, 0, Commit: true)).Error);
        var committed = Ask<OffsetFetchResponse>(restarted, stable);
        Assert.Equal([new PartitionOffset("orders", 0, 42)], committed.Offsets);
        Assert.Empty(committed.Unstable);
        Assert.Equal([new PartitionOffset("orders", 0, 42)], Ask<GroupDescription>(restarted, new DescribeGroup("eos")).Committed);
    }
}
