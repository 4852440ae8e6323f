using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Group;

/// <summary>Marker for what group actors persist (bound to <see cref="Storage.StorageSerializer"/>).</summary>
public interface IGroupEvent;

/// <summary>
/// A group's committed positions changed: a consumer's commit, or (<see cref="TransactionalProducerId"/> set) the
/// transaction of that producer committed, and these of its pending offsets became the group's (KIP-98's commit
/// marker; its offsets a later commit had overtaken are left out). One event either way, so whatever follows commits
/// follows both.
/// </summary>
public sealed record OffsetsCommitted(IReadOnlyList<PartitionOffset> Offsets, long? TransactionalProducerId = null) : IGroupEvent;

/// <summary>
/// A transactional producer committed offsets in its transaction (Kafka's TxnOffsetCommit record): pending, visible to
/// no OffsetFetch, until the transaction ends (<see cref="OffsetsCommitted"/> with the producer id, or
/// <see cref="TransactionalOffsetsAborted"/>). Journaled so that a coordinator that takes over holds them too.
/// </summary>
public sealed record TransactionalOffsetsPrepared(string TransactionalId, long ProducerId, short ProducerEpoch, IReadOnlyList<PartitionOffset> Offsets) : IGroupEvent;

/// <summary>The transaction of producer <see cref="ProducerId"/> aborted: its pending offsets are dropped.</summary>
public sealed record TransactionalOffsetsAborted(long ProducerId) : IGroupEvent;

/// <summary>The coordinator learned of a group (persisted so `group list` knows groups whose members are gone).</summary>
public sealed record GroupRegistered(string Group) : IGroupEvent;

/// <summary>
/// A group's membership changed: written whole, as Kafka writes its group metadata record to __consumer_offsets, so
/// that a coordinator recovering the group (after a failover too) knows its members, their generation and their
/// partitions, and the members carry on without rejoining. Written only when membership changes (a join, a completed
/// generation, a leave, an expiry, a released partition), never for a heartbeat.
/// </summary>
public sealed record GroupMembershipChanged(GroupMetadata Metadata) : IGroupEvent;

/// <summary>Which coordinator protocol a persisted membership is of.</summary>
public enum GroupKind : byte
{
    /// <summary>
    /// Akka consumers before they became classic members (issue 19): the coordinator assigned. Only read from old
    /// journals and snapshots, and ignored there; never written now.
    /// </summary>
    Akka = 1,
    /// <summary>Kafka's classic protocol: the leader assigns (<see cref="ClassicGroup"/>).</summary>
    Classic = 2,
}

/// <summary>
/// One kind of group's membership as persisted (Kafka's GroupMetadataValue): generation, protocol, leader, members in
/// join order with what each was given. <see cref="Releasing"/> was the Akka kind's partitions still to be released by
/// their previous owner (empty for classic groups, where the leader's assignment is final).
/// </summary>
public sealed record GroupMetadata(GroupKind Kind, int Generation, string? ProtocolType, string? ProtocolName, string? Leader,
    IReadOnlyList<GroupMemberMetadata> Members, IReadOnlyList<PartitionRelease> Releasing);

/// <summary>
/// A member as persisted. Classic members carry <see cref="Protocols"/> (their offers with metadata) and
/// <see cref="Assignment"/> (the leader's bytes); Akka members carry <see cref="Subscribed"/> and <see cref="Owned"/>
/// (the partitions the coordinator gave them, those still being released to them included). No liveness is kept:
/// a recovered member's session starts again when the coordinator recovers.
/// </summary>
public sealed record GroupMemberMetadata(string MemberId, string? GroupInstanceId, string ClientId, string ClientHost,
    int SessionTimeoutMs, int RebalanceTimeoutMs, IReadOnlyList<GroupProtocolOffer> Protocols, byte[] Assignment,
    IReadOnlyList<TopicPartition> Subscribed, IReadOnlyList<TopicPartition> Owned);

/// <summary><see cref="Member"/> must still release <see cref="Partition"/>, which it does by heartbeating with <see cref="Generation"/> or later.</summary>
public sealed record PartitionRelease(TopicPartition Partition, string Member, int Generation);

/// <summary>
/// Committed offsets and, since membership is persisted, the latest membership (null: none yet). <see cref="Akka"/> is
/// only in snapshots written before issue 19, and ignored. <see cref="CommittedAt"/> is where in the journal each of
/// <see cref="Committed"/> was written (see <see cref="GroupOffsets"/>; empty in older snapshots: before anything
/// since), and <see cref="Pending"/> the offsets of transactions still open.
/// </summary>
public sealed record GroupSnapshot(IReadOnlyList<PartitionOffset> Committed, GroupMetadata? Akka = null, GroupMetadata? Classic = null,
    IReadOnlyList<long>? CommittedAt = null, IReadOnlyList<PendingTransactionalOffsets>? Pending = null)
{
    public IReadOnlyList<long> CommittedAt { get; init; } = CommittedAt ?? [];
    public IReadOnlyList<PendingTransactionalOffsets> Pending { get; init; } = Pending ?? [];
}

/// <summary>One open transaction's offsets for a group, each with where in the group's journal it was written.</summary>
public sealed record PendingTransactionalOffsets(string TransactionalId, long ProducerId, short ProducerEpoch,
    IReadOnlyList<PartitionOffset> Offsets, IReadOnlyList<long> WrittenAt);

/// <summary>The group was deleted (Kafka DeleteGroups): its committed offsets are gone.</summary>
public sealed class GroupOffsetsDeleted : IGroupEvent
{
    public static readonly GroupOffsetsDeleted Instance = new();
    private GroupOffsetsDeleted() { }
}

/// <summary>The coordinator forgot a deleted group, so `group list` no longer shows it.</summary>
public sealed record GroupUnregistered(string Group) : IGroupEvent;
