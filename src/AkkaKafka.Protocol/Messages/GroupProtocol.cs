namespace AkkaKafka.Protocol.Messages;

/// <summary>Consumer-group requests; brokers hand them to the group coordinator (a cluster singleton).</summary>
public interface IGroupCommand : IBrokerCommand;

/// <summary>A committed (or to-be-committed) position: the offset of the next record to read.</summary>
public sealed record PartitionOffset(string Topic, int Partition, long Offset);

/// <summary>
/// Joins (or re-joins, with <see cref="MemberId"/>) a group. The member names every partition of the topics it
/// subscribes to; the coordinator divides the union among the members and answers with this member's share.
/// </summary>
public sealed record JoinGroup(string Group, string? MemberId, string ClientId, IReadOnlyList<TopicPartition> Partitions, int SessionTimeoutMs) : IGroupCommand;

public sealed record JoinGroupResponse(string Group, ErrorCode Error, string MemberId, int Generation, IReadOnlyList<TopicPartition> Assignment) : IAkkaKafkaMessage;

/// <summary>Keeps a member alive; the answer carries the current generation and this member's partitions, so a rebalance reaches every member within one heartbeat.</summary>
public sealed record Heartbeat(string Group, string MemberId, int Generation) : IGroupCommand;

public sealed record HeartbeatResponse(string Group, ErrorCode Error, int Generation, IReadOnlyList<TopicPartition> Assignment) : IAkkaKafkaMessage;

/// <summary>Commits positions; accepted only from a current member for partitions it owns, so a zombie cannot move a group back.</summary>
public sealed record OffsetCommit(string Group, string MemberId, int Generation, IReadOnlyList<PartitionOffset> Offsets, string? ClientAddress = null) : IGroupCommand;

public sealed record OffsetCommitResponse(string Group, ErrorCode Error, string? ErrorMessage = null) : IAkkaKafkaMessage;

public sealed record OffsetFetch(string Group, IReadOnlyList<TopicPartition> Partitions) : IGroupCommand;

/// <summary>Offset -1 means nothing committed yet.</summary>
public sealed record OffsetFetchResponse(string Group, IReadOnlyList<PartitionOffset> Offsets) : IAkkaKafkaMessage;

public sealed record LeaveGroup(string Group, string MemberId) : IGroupCommand;

public sealed record LeaveGroupResponse(string Group, ErrorCode Error) : IAkkaKafkaMessage;

public sealed class ListGroups : IGroupCommand
{
    public static readonly ListGroups Instance = new();
    private ListGroups() { }
}

public sealed record ListGroupsResponse(IReadOnlyList<string> Groups) : IAkkaKafkaMessage;

public sealed record DescribeGroup(string Group) : IGroupCommand;

public sealed record GroupMemberDescription(string MemberId, string ClientId, IReadOnlyList<TopicPartition> Assignment);

public sealed record GroupDescription(string Group, ErrorCode Error, int Generation, IReadOnlyList<GroupMemberDescription> Members, IReadOnlyList<PartitionOffset> Committed) : IAkkaKafkaMessage;
