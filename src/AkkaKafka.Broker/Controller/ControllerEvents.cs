using AkkaKafka.Protocol.Records;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Broker.Controller;

/// <summary>Marker for what the ZookeeperActor persists (bound to <see cref="Storage.StorageSerializer"/>).</summary>
public interface IControllerEvent;

/// <summary>Each new controller incarnation persists one; assignment epochs and metadata versions derive from it.</summary>
public sealed record ControllerEpochStarted(long Epoch) : IControllerEvent;

/// <summary>A topic was created. Its id is the sequence number of this event, unique for the life of the cluster.</summary>
public sealed record TopicCreated(string Name, int Partitions, long RetentionMs, long RetentionBytes, long CreatedAtMs,
    TimestampType TimestampType = TimestampType.CreateTime) : IControllerEvent;

public sealed record TopicDeleted(string Name) : IControllerEvent;

/// <summary>A topic as the controller stores it.</summary>
public sealed record TopicConfig(string Name, long TopicId, int Partitions, long RetentionMs, long RetentionBytes, long CreatedAtMs,
    TimestampType TimestampType = TimestampType.CreateTime);

/// <summary>
/// The controller's state at one sequence number. <see cref="NodeIds"/> maps each broker ("host:port") to its Kafka
/// node id; snapshots written before node ids existed read back with none, and those written before users and ACLs
/// existed with no users and no rules.
/// </summary>
public sealed record ControllerSnapshot(
    long ControllerEpoch,
    IReadOnlyList<TopicConfig> Topics,
    IReadOnlyList<AssignmentEntry> Assignment,
    IReadOnlyList<NodeIdAssigned> NodeIds)
{
    public IReadOnlyList<UserCredentials> Users { get; init; } = [];
    public IReadOnlyList<AclRule> Acls { get; init; } = [];
}

/// <summary>One partition's new owner and epoch.</summary>
public sealed record AssignmentEntry(string Topic, int Partition, string? Owner, long Epoch);

/// <summary>
/// Partitions changed owner. Persisted before anyone is told, so a new controller starts from the same assignment
/// (nothing moves just because the controller moved) and never hands out an epoch twice.
/// </summary>
public sealed record PartitionsAssigned(IReadOnlyList<AssignmentEntry> Changes) : IControllerEvent;

/// <summary>A topic grew to <see cref="TotalCount"/> partitions (Kafka's CreatePartitions; partitions are never removed).</summary>
public sealed record PartitionsAdded(string Topic, int TotalCount) : IControllerEvent;

/// <summary>
/// A topic's retention changed (`topic alter --retention-ms/--retention-bytes`); both values as they now stand, defaults
/// already resolved. The partitions apply them at their next retention check, and the message.timestamp.type to the
/// batches appended after.
/// </summary>
public sealed record TopicConfigsAltered(string Topic, long RetentionMs, long RetentionBytes, TimestampType TimestampType = TimestampType.CreateTime) : IControllerEvent;

/// <summary>
/// <see cref="Broker"/> ("host:port" of its remoting endpoint) has Kafka node id <see cref="NodeId"/> from now on, and
/// no other broker has it. Persisted so the same broker keeps its id across restarts and controller changes.
/// </summary>
public sealed record NodeIdAssigned(string Broker, int NodeId) : IControllerEvent;

/// <summary>
/// The producer id allocator took the block of ids below <see cref="NextBlockStart"/> (the previous value up to it):
/// persisted before any id of the block is handed out, so a new controller, after a failover or restart, starts at
/// the next block and ids never repeat.
/// </summary>
public sealed record ProducerIdBlockAllocated(long NextBlockStart) : IControllerEvent;
