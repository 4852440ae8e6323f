namespace AkkaKafka.Protocol.Messages;

/// <summary>
/// What the Kafka group handlers (either transport) and the HTTP API ask the group coordinator (a cluster singleton),
/// through their broker. No client's request: clients send Kafka's group requests, which those handlers validate,
/// meter and authorize, so a BrokerActor refuses these from outside the cluster.
/// </summary>
public interface IGroupCommand : IBrokerCommand, IBrokerInternal;

/// <summary>A committed (or to-be-committed) position: the offset of the next record to read.</summary>
public sealed record PartitionOffset(string Topic, int Partition, long Offset);

/// <summary>
/// Kafka OffsetCommit as the listener hands it to the coordinator: accepted only from a member of the current generation,
/// so a zombie cannot move a group back. Generation -1 with MemberId "" is Kafka's standalone commit, accepted while the
/// group has no members.
/// </summary>
public sealed record OffsetCommit(string Group, string MemberId, int Generation, IReadOnlyList<PartitionOffset> Offsets, string? ClientAddress = null) : IGroupCommand;

public sealed record OffsetCommitResponse(string Group, ErrorCode Error, string? ErrorMessage = null) : IAkkaKafkaMessage;

/// <summary>
/// Kafka OffsetFetch as the listener hands it to the coordinator. <see cref="RequireStable"/> (OffsetFetch v7+): the
/// partitions whose offsets a transaction still open has committed are named in the answer's
/// <see cref="OffsetFetchResponse.Unstable"/>, which Kafka answers UNSTABLE_OFFSET_COMMIT.
/// </summary>
public sealed record OffsetFetch(string Group, IReadOnlyList<TopicPartition> Partitions, bool RequireStable = false) : IGroupCommand;

/// <summary>
/// Offset -1 means nothing committed yet. <see cref="Unstable"/>: with <see cref="OffsetFetch.RequireStable"/>, the
/// partitions asked for that have transactional offsets pending (their offset here is the last committed one).
/// </summary>
public sealed record OffsetFetchResponse(string Group, IReadOnlyList<PartitionOffset> Offsets, IReadOnlyList<TopicPartition>? Unstable = null) : IAkkaKafkaMessage
{
    public IReadOnlyList<TopicPartition> Unstable { get; init; } = Unstable ?? [];
}

/// <summary>
/// Kafka TxnOffsetCommit as the listener hands it to the coordinator: <see cref="Offsets"/> committed inside the
/// transaction of producer <see cref="ProducerId"/>, held pending until the transaction ends
/// (<see cref="CompleteTransactionalOffsets"/>) and visible to no OffsetFetch before. <see cref="MemberId"/>,
/// <see cref="Generation"/> and <see cref="GroupInstanceId"/> are the consumer's group metadata (TxnOffsetCommit v3+,
/// KIP-447), checked as an OffsetCommit's are; generation -1 with member "" (older clients) is not checked. Answered
/// with an <see cref="OffsetCommitResponse"/>.
/// </summary>
public sealed record TransactionalOffsetCommit(string Group, string TransactionalId, long ProducerId, short ProducerEpoch,
    string MemberId, int Generation, string? GroupInstanceId, IReadOnlyList<PartitionOffset> Offsets) : IGroupCommand;

/// <summary>
/// From the transaction coordinator when a transaction that added <see cref="Group"/> (AddOffsetsToTxn) ends: the offsets
/// the producer committed with TxnOffsetCommit, held pending until now, become the group's committed offsets
/// (<see cref="Commit"/>) or are dropped. Kafka writes this as a commit/abort marker into the group's __consumer_offsets
/// partition; here the coordinator asks the group coordinator, retrying until it answers
/// <see cref="TransactionalOffsetsCompleted"/>, so it must be idempotent (a completion with nothing pending is answered None).
/// </summary>
public sealed record CompleteTransactionalOffsets(string Group, long ProducerId, short ProducerEpoch, bool Commit) : IGroupCommand;

public sealed record TransactionalOffsetsCompleted(string Group, ErrorCode Error) : IAkkaKafkaMessage;

// ListGroups, DescribeGroup and DeleteGroup: what the Kafka handlers (ListGroups, DescribeGroups, OffsetFetch of every
// partition, DeleteGroups) and the HTTP API ask the coordinator singleton, wherever it runs.

public sealed class ListGroups : IGroupCommand
{
    public static readonly ListGroups Instance = new();
    private ListGroups() { }
}

public sealed record ListGroupsResponse(IReadOnlyList<string> Groups) : IAkkaKafkaMessage;

public sealed record DescribeGroup(string Group) : IGroupCommand;

/// <summary>
/// One member as `group describe` and Kafka's DescribeGroups show it. <see cref="Assignment"/> is filled for both kinds of
/// member (for a classic "consumer" member it is decoded from <see cref="AssignmentBytes"/>); <see cref="Metadata"/> and
/// <see cref="AssignmentBytes"/> are Kafka's ConsumerProtocol bytes of a classic member, empty for an Akka member.
/// </summary>
public sealed record GroupMemberDescription(string MemberId, string ClientId, IReadOnlyList<TopicPartition> Assignment,
    string ClientHost, byte[] Metadata, byte[] AssignmentBytes)
{
    /// <summary>
    /// An Akka member: no client host or subscription known; its partitions as ConsumerProtocol bytes, so Kafka's
    /// DescribeGroups (and `group describe`, which is made of it) shows what it reads.
    /// </summary>
    public GroupMemberDescription(string MemberId, string ClientId, IReadOnlyList<TopicPartition> Assignment)
        : this(MemberId, ClientId, Assignment, "", [], Kafka.ConsumerProtocol.EncodeAssignment(Assignment)) { }
}

/// <summary>
/// A group as `group describe` and Kafka's DescribeGroups show it. <see cref="State"/> uses Kafka's names (see <see cref="GroupStates"/>);
/// <see cref="ProtocolType"/> is "consumer" for both kinds of group; <see cref="Protocol"/> is the chosen assignor ("range", …;
/// "akkakafka" for a group of Akka consumers, empty while none is chosen).
/// </summary>
public sealed record GroupDescription(string Group, ErrorCode Error, int Generation, IReadOnlyList<GroupMemberDescription> Members,
    IReadOnlyList<PartitionOffset> Committed, string State, string ProtocolType, string Protocol) : IAkkaKafkaMessage
{
    public GroupDescription(string Group, ErrorCode Error, int Generation, IReadOnlyList<GroupMemberDescription> Members, IReadOnlyList<PartitionOffset> Committed)
        : this(Group, Error, Generation, Members, Committed, Error == ErrorCode.None ? GroupStates.Empty : GroupStates.Dead, GroupDescription.ConsumerProtocolType, "") { }

    public const string ConsumerProtocolType = "consumer";
}

/// <summary>Kafka's names for a classic group's states, as DescribeGroups and ListGroups report them.</summary>
public static class GroupStates
{
    public const string Empty = "Empty";
    public const string PreparingRebalance = "PreparingRebalance";
    public const string CompletingRebalance = "CompletingRebalance";
    public const string Stable = "Stable";
    public const string Dead = "Dead";
}

// ---------------- Kafka's classic group protocol (JoinGroup / SyncGroup / Heartbeat / LeaveGroup) ----------------
// The Kafka listener turns Kafka requests into these; the same coordinator and GroupActor serve them beside the Akka
// groups above, sharing committed offsets and the group registry. The group's leader assigns partitions (client side).

/// <summary>One assignor a joining member supports (e.g. "range"), with its ConsumerProtocol subscription bytes.</summary>
public sealed record GroupProtocolOffer(string Name, byte[] Metadata);

/// <summary>
/// Kafka JoinGroup. <see cref="MemberId"/> "" is a new member. <see cref="RequireKnownMemberId"/> is JoinGroup v4+:
/// a new member first gets MEMBER_ID_REQUIRED with its id, and joins again with it. <see cref="Protocols"/> are in
/// the member's order of preference.
/// </summary>
public sealed record JoinClassicGroup(string Group, string MemberId, string? GroupInstanceId, string ClientId, string ClientHost,
    int SessionTimeoutMs, int RebalanceTimeoutMs, string ProtocolType, IReadOnlyList<GroupProtocolOffer> Protocols, bool RequireKnownMemberId) : IGroupCommand;

public sealed record ClassicGroupMember(string MemberId, string? GroupInstanceId, byte[] Metadata);

/// <summary><see cref="Members"/> is filled only in the leader's answer (with each member's metadata for the chosen protocol).</summary>
public sealed record JoinClassicGroupResponse(string Group, ErrorCode Error, int GenerationId, string? ProtocolType, string? ProtocolName,
    string LeaderId, string MemberId, IReadOnlyList<ClassicGroupMember> Members) : IAkkaKafkaMessage;

public sealed record MemberAssignment(string MemberId, byte[] Assignment);

/// <summary>Kafka SyncGroup: the leader sends every member's assignment, the others send none and wait for theirs.</summary>
public sealed record SyncClassicGroup(string Group, int GenerationId, string MemberId, string? GroupInstanceId, string? ProtocolType, string? ProtocolName,
    IReadOnlyList<MemberAssignment> Assignments) : IGroupCommand;

public sealed record SyncClassicGroupResponse(string Group, ErrorCode Error, string? ProtocolType, string? ProtocolName, byte[] Assignment) : IAkkaKafkaMessage;

/// <summary>Kafka Heartbeat: keeps the session alive; REBALANCE_IN_PROGRESS tells the member to join again.</summary>
public sealed record ClassicHeartbeat(string Group, int GenerationId, string MemberId, string? GroupInstanceId) : IGroupCommand;

public sealed record ClassicHeartbeatResponse(string Group, ErrorCode Error) : IAkkaKafkaMessage;

/// <summary>Kafka LeaveGroup (v3+ leaves several members at once).</summary>
public sealed record LeaveClassicGroup(string Group, IReadOnlyList<string> MemberIds) : IGroupCommand;

public sealed record MemberLeft(string MemberId, ErrorCode Error);

public sealed record LeaveClassicGroupResponse(string Group, ErrorCode Error, IReadOnlyList<MemberLeft> Members) : IAkkaKafkaMessage;

/// <summary>Kafka DeleteGroups, one group per message: forgets an empty group and its committed offsets.</summary>
public sealed record DeleteGroup(string Group) : IGroupCommand;

/// <summary>NON_EMPTY_GROUP while members are present, GROUP_ID_NOT_FOUND for an unknown group.</summary>
public sealed record DeleteGroupResponse(string Group, ErrorCode Error) : IAkkaKafkaMessage;
