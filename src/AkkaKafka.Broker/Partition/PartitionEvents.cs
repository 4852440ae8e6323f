namespace AkkaKafka.Broker.Partition;

/// <summary>Marker for what a PartitionActor persists (bound to <see cref="Storage.StorageSerializer"/>).</summary>
public interface IPartitionEvent;

/// <summary>
/// One produced batch, stored as Kafka RecordBatch v2 bytes with the broker-assigned base offset and leader epoch
/// already written in. One journal row carries a whole batch, and a fetch can return the stored bytes as they are.
/// </summary>
public sealed record BatchAppended(byte[] Batch) : IPartitionEvent;

/// <summary>
/// Written by a new owner before it accepts any write. A stale owner writing after this collides on the journal's
/// unique (persistence id, sequence number), and an owner that recovers a higher epoch than its own stops.
/// </summary>
public sealed record LeaderEpochClaimed(long Epoch) : IPartitionEvent;

/// <summary>Retention removed every record below <see cref="LogStartOffset"/>; journal events up to <see cref="UpToSequenceNr"/> are deleted.</summary>
public sealed record LogStartOffsetAdvanced(long LogStartOffset, long UpToSequenceNr) : IPartitionEvent;

/// <summary>
/// A run of consecutive batches: the unit of retention and the entry of the sparse offset index
/// (offset -> journal sequence number), like one of Kafka's segment files.
/// </summary>
public sealed record Segment(long FirstSequenceNr, long LastSequenceNr, long BaseOffset, long NextOffset, long Bytes, long MaxTimestamp, int Batches);

/// <summary>
/// What recovery needs instead of replaying the whole log: offsets, epoch, the sparse index, the idempotent
/// producers' state (none in snapshots written before idempotence) and the transaction index (none in snapshots
/// written before transactions, which had no transactional batch to index).
/// </summary>
public sealed record PartitionSnapshot(long NextOffset, long LogStartOffset, long LeaderEpoch, IReadOnlyList<Segment> Segments,
    IReadOnlyList<ProducerEntry>? Producers = null, TransactionSnapshot? Transactions = null);
