using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Group;

/// <summary>
/// A group's offsets, as Kafka's group coordinator keeps them: the committed ones, and those transactional producers
/// committed in transactions still open (TxnOffsetCommit, KIP-98), held per producer id until the transaction ends and
/// visible to no OffsetFetch before. Pure: events come in with their place in the group's journal
/// (<c>position</c>, the sequence number), decisions go out as the event to persist.
/// <para>Kafka keeps the newest write when transactional and consumer commits mix: a transaction's offset becomes
/// the group's at its commit only if nothing committed for that partition was written after it. The journal position
/// of each offset stands for Kafka's __consumer_offsets record offset.</para>
/// </summary>
public sealed class GroupOffsets
{
    private readonly Dictionary<TopicPartition, Written> _committed = new();
    private readonly Dictionary<long, Pending> _pending = new();

    private readonly record struct Written(long Offset, long At);

    private sealed class Pending(string transactionalId, short epoch)
    {
        public string TransactionalId { get; } = transactionalId;
        public short Epoch { get; } = epoch;
        public Dictionary<TopicPartition, Written> Offsets { get; } = new();
    }

    /// <summary>The committed offset of <paramref name="partition"/>, -1 when none.</summary>
    public long CommittedOffset(TopicPartition partition) => _committed.TryGetValue(partition, out var w) ? w.Offset : -1;

    /// <summary>Every committed offset, by topic and partition.</summary>
    public IReadOnlyList<PartitionOffset> Committed => _committed
        .OrderBy(kv => kv.Key.Topic, StringComparer.Ordinal).ThenBy(kv => kv.Key.Partition)
        .Select(kv => new PartitionOffset(kv.Key.Topic, kv.Key.Partition, kv.Value.Offset)).ToList();

    /// <summary>Whether a transaction still open has committed an offset of <paramref name="partition"/> (Kafka's UNSTABLE_OFFSET_COMMIT).</summary>
    public bool IsUnstable(TopicPartition partition) => _pending.Values.Any(p => p.Offsets.ContainsKey(partition));

    /// <summary>The transactional id of producer <paramref name="producerId"/>'s pending offsets, null when none are.</summary>
    public string? TransactionalIdOf(long producerId) => _pending.GetValueOrDefault(producerId)?.TransactionalId;

    /// <summary>The producers with offsets pending.</summary>
    public IReadOnlyCollection<long> OpenTransactions => _pending.Keys;

    /// <summary>
    /// Whether producer <paramref name="producerId"/> at <paramref name="epoch"/> may add offsets to its transaction:
    /// not when an offset of the same producer id is pending at a newer epoch (Kafka's log refuses the older epoch's
    /// append the same way: INVALID_PRODUCER_EPOCH, which producers take as fenced). A newer epoch replaces the older's.
    /// </summary>
    public ErrorCode CheckTransactionalCommit(long producerId, short epoch) =>
        _pending.TryGetValue(producerId, out var pending) && epoch < pending.Epoch ? ErrorCode.InvalidProducerEpoch : ErrorCode.None;

    /// <summary>
    /// What ending producer <paramref name="producerId"/>'s transaction does (Kafka's completePendingTxnOffsetCommit):
    /// with nothing pending, nothing (None: a completion is retried until answered, so it may come twice); a commit
    /// makes the pending offsets the group's (those a later commit has not overtaken); an abort drops them. The end of
    /// a transaction may carry a newer epoch than its offsets (the coordinator bumps it when it aborts on a timeout,
    /// KIP-890 at every end): it completes them all the same. Only an end older than the pending offsets' epoch is
    /// refused: it belongs to a transaction before theirs.
    /// </summary>
    public (ErrorCode Error, IGroupEvent? Event) Complete(long producerId, short epoch, bool commit)
    {
        if (!_pending.TryGetValue(producerId, out var pending)) return (ErrorCode.None, null);
        if (epoch < pending.Epoch) return (ErrorCode.InvalidProducerEpoch, null);
        if (!commit) return (ErrorCode.None, new TransactionalOffsetsAborted(producerId));
        var winners = pending.Offsets
            .Where(kv => !_committed.TryGetValue(kv.Key, out var current) || current.At < kv.Value.At)
            .OrderBy(kv => kv.Key.Topic, StringComparer.Ordinal).ThenBy(kv => kv.Key.Partition)
            .Select(kv => new PartitionOffset(kv.Key.Topic, kv.Key.Partition, kv.Value.Offset)).ToList();
        return (ErrorCode.None, new OffsetsCommitted(winners, producerId));
    }

    /// <summary>Applies an offsets event written at <paramref name="position"/> of the group's journal (others are ignored).</summary>
    public void Apply(IGroupEvent e, long position)
    {
        switch (e)
        {
            case OffsetsCommitted { TransactionalProducerId: { } producerId } committed:
                // Each offset keeps where its TxnOffsetCommit was written, as Kafka keeps the record's offset.
                _pending.Remove(producerId, out var pending);
                foreach (var o in committed.Offsets)
                {
                    var partition = new TopicPartition(o.Topic, o.Partition);
                    _committed[partition] = new Written(o.Offset, pending is not null && pending.Offsets.TryGetValue(partition, out var w) ? w.At : position);
                }
                break;
            case OffsetsCommitted committed:
                foreach (var o in committed.Offsets) _committed[new TopicPartition(o.Topic, o.Partition)] = new Written(o.Offset, position);
                break;
            case TransactionalOffsetsPrepared prepared:
            {
                if (!_pending.TryGetValue(prepared.ProducerId, out var current) || current.Epoch != prepared.ProducerEpoch)
                    _pending[prepared.ProducerId] = current = new Pending(prepared.TransactionalId, prepared.ProducerEpoch);
                foreach (var o in prepared.Offsets) current.Offsets[new TopicPartition(o.Topic, o.Partition)] = new Written(o.Offset, position);
                break;
            }
            case TransactionalOffsetsAborted aborted:
                _pending.Remove(aborted.ProducerId);
                break;
            case GroupOffsetsDeleted:
                // Kafka's tombstones remove the pending offsets of the partitions too: a transaction that commits
                // after the group was deleted brings none of them back.
                _committed.Clear();
                _pending.Clear();
                break;
        }
    }

    /// <summary>The offsets as a snapshot holds them.</summary>
    public (IReadOnlyList<PartitionOffset> Committed, IReadOnlyList<long> CommittedAt, IReadOnlyList<PendingTransactionalOffsets> Pending) ToSnapshot()
    {
        var committed = _committed.OrderBy(kv => kv.Key.Topic, StringComparer.Ordinal).ThenBy(kv => kv.Key.Partition).ToList();
        return (committed.Select(kv => new PartitionOffset(kv.Key.Topic, kv.Key.Partition, kv.Value.Offset)).ToList(),
            committed.Select(kv => kv.Value.At).ToList(),
            _pending.OrderBy(kv => kv.Key).Select(kv => new PendingTransactionalOffsets(kv.Value.TransactionalId, kv.Key, kv.Value.Epoch,
                kv.Value.Offsets.Select(o => new PartitionOffset(o.Key.Topic, o.Key.Partition, o.Value.Offset)).ToList(),
                kv.Value.Offsets.Select(o => o.Value.At).ToList())).ToList());
    }

    /// <summary>Takes back the offsets of a snapshot; a snapshot written before positions were kept reads as written before anything since.</summary>
    public void Restore(GroupSnapshot snapshot)
    {
        _committed.Clear();
        _pending.Clear();
        for (var i = 0; i < snapshot.Committed.Count; i++)
        {
            var o = snapshot.Committed[i];
            _committed[new TopicPartition(o.Topic, o.Partition)] = new Written(o.Offset, i < snapshot.CommittedAt.Count ? snapshot.CommittedAt[i] : 0);
        }
        foreach (var p in snapshot.Pending)
        {
            var pending = _pending[p.ProducerId] = new Pending(p.TransactionalId, p.ProducerEpoch);
            for (var i = 0; i < p.Offsets.Count; i++)
                pending.Offsets[new TopicPartition(p.Offsets[i].Topic, p.Offsets[i].Partition)] = new Written(p.Offsets[i].Offset, p.WrittenAt[i]);
        }
    }
}
