using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Broker.Partition;

/// <summary>One batch of an idempotent producer as the partition remembers it (Kafka's BatchMetadata).</summary>
public readonly record struct ProducerBatch(short Epoch, int FirstSequence, int LastSequence, long BaseOffset, long LastOffset, long Timestamp)
{
    /// <summary>The producer fields of a stored or arriving batch; its offsets as they are in the header.</summary>
    public static ProducerBatch Of(RecordBatch batch) => new(batch.ProducerEpoch, batch.BaseSequence,
        ProducerStateTable.LastSequenceOf(batch.BaseSequence, batch.LastOffsetDelta), batch.BaseOffset, batch.LastOffset, batch.MaxTimestamp);
}

/// <summary>What the partition knows of one producer id: its epoch and its newest batches, oldest first.</summary>
public sealed record ProducerEntry(long ProducerId, short Epoch, IReadOnlyList<ProducerBatch> Batches)
{
    public ProducerBatch Last => Batches[^1];
}

/// <summary>The verdict on an arriving idempotent batch.</summary>
public abstract record ProducerAppendCheck
{
    /// <summary>In sequence: assign offsets and write it.</summary>
    public sealed record Append : ProducerAppendCheck
    {
        public static readonly Append Instance = new();
    }

    /// <summary>A retry of a batch already accepted: answer with its original offset, write nothing.</summary>
    public sealed record Duplicate(ProducerBatch Original) : ProducerAppendCheck;

    public sealed record Refused(ErrorCode Error, string Message) : ProducerAppendCheck;
}

/// <summary>
/// Kafka's producer state (ProducerStateManager) for one partition: per producer id its epoch and the last
/// <see cref="MaxBatchesPerProducer"/> batches (first/last sequence, offsets, timestamp). It decides whether an
/// idempotent batch is new, a retry of one already written, or out of order; rebuilt from the batches themselves on
/// recovery (their headers carry producer id, epoch and base sequence) and kept in partition snapshots.
/// </summary>
/// <remarks>
/// Kafka's rules, as this table applies them:
/// <list type="bullet">
/// <item>an epoch older than the producer's current one: INVALID_PRODUCER_EPOCH (the producer was fenced);</item>
/// <item>a batch equal (epoch, first and last sequence) to one of the last five: a duplicate, answered with the
/// original base offset and no error;</item>
/// <item>a newer epoch must start at sequence 0, else OUT_OF_ORDER_SEQUENCE_NUMBER;</item>
/// <item>the same epoch must continue at last sequence + 1 (wrapping after int.MaxValue to 0), else
/// OUT_OF_ORDER_SEQUENCE_NUMBER;</item>
/// <item>a producer id the partition does not know may start only at sequence 0, else UNKNOWN_PRODUCER_ID (its state
/// expired, or it never wrote here), which makes the client start over with a new producer id — Kafka before
/// KIP-360 answered so; newer Kafka accepts any sequence there, which can let an expired producer's retry in twice.</item>
/// </list>
/// Producers idle longer than the expiration (Kafka's producer.id.expiration.ms, 1 day) are dropped, so the table
/// stays bounded by the producers active in that window. Mutable, touched only by its owner's thread.
/// </remarks>
public sealed class ProducerStateTable
{
    /// <summary>Kafka keeps the last five batches per producer, which is why clients keep at most five in flight.</summary>
    public const int MaxBatchesPerProducer = 5;

    private readonly Dictionary<long, ProducerEntry> _producers = new();

    public int Count => _producers.Count;

    public IEnumerable<ProducerEntry> Entries => _producers.Values;

    public ProducerEntry? Find(long producerId) => _producers.GetValueOrDefault(producerId);

    /// <summary>The sequence of the last record of a batch: sequences wrap from int.MaxValue to 0, as Kafka's.</summary>
    public static int LastSequenceOf(int baseSequence, int lastOffsetDelta) =>
        baseSequence > int.MaxValue - lastOffsetDelta ? lastOffsetDelta - (int.MaxValue - baseSequence) - 1 : baseSequence + lastOffsetDelta;

    private static int NextSequence(int lastSequence) => lastSequence == int.MaxValue ? 0 : lastSequence + 1;

    /// <summary>Decides on an arriving batch of <paramref name="producerId"/>; changes nothing.</summary>
    public ProducerAppendCheck Check(long producerId, short epoch, int firstSequence, int lastSequence)
    {
        if (epoch < 0 || firstSequence < 0)
            return new ProducerAppendCheck.Refused(ErrorCode.InvalidRecord,
                $"producer {producerId}: an idempotent batch needs an epoch and a base sequence (got epoch {epoch}, sequence {firstSequence})");
        if (!_producers.TryGetValue(producerId, out var entry))
            return firstSequence == 0
                ? ProducerAppendCheck.Append.Instance
                : new ProducerAppendCheck.Refused(ErrorCode.UnknownProducerId,
                    $"producer {producerId}: no state on this partition, and its batch starts at sequence {firstSequence}, not 0");
        if (epoch < entry.Epoch)
            return new ProducerAppendCheck.Refused(ErrorCode.InvalidProducerEpoch,
                $"producer {producerId}: epoch {epoch} is older than the current epoch {entry.Epoch}");
        if (epoch > entry.Epoch)
            return firstSequence == 0
                ? ProducerAppendCheck.Append.Instance
                : new ProducerAppendCheck.Refused(ErrorCode.OutOfOrderSequenceNumber,
                    $"producer {producerId}: new epoch {epoch} must start at sequence 0, not {firstSequence}");
        foreach (var batch in entry.Batches)
            if (batch.FirstSequence == firstSequence && batch.LastSequence == lastSequence)
                return new ProducerAppendCheck.Duplicate(batch);
        // Older than the five batches kept, yet at or below the last sequence written: written before, for this table
        // accepts only the next sequence of each producer (so every sequence below the last one is in the log), but
        // its offsets are no longer known. Kafka's DUPLICATE_SEQUENCE_NUMBER: the producer takes it as acknowledged.
        // Reached when a producer retries a batch after more than five newer ones of it were written (its first try
        // was written but the answer lost); without this rule that retry was refused as out of order and written
        // again under a new producer id. Sequences that wrapped past int.MaxValue inside the window are left alone.
        var windowStart = entry.Batches[0].FirstSequence;
        if (windowStart <= entry.Last.LastSequence && firstSequence < windowStart && lastSequence <= entry.Last.LastSequence && firstSequence <= lastSequence)
            return new ProducerAppendCheck.Refused(ErrorCode.DuplicateSequenceNumber,
                $"producer {producerId}: sequences {firstSequence}..{lastSequence} were written before the last {entry.Batches.Count} batches kept (from {windowStart})");
        var expected = NextSequence(entry.Last.LastSequence);
        return firstSequence == expected
            ? ProducerAppendCheck.Append.Instance
            : new ProducerAppendCheck.Refused(ErrorCode.OutOfOrderSequenceNumber,
                $"producer {producerId}: expected sequence {expected} at epoch {epoch}, got {firstSequence}");
    }

    /// <summary>
    /// Remembers an accepted batch (with its assigned offsets). Recording the same batch again is a no-op, so a
    /// batch seen when it was accepted and again when its write is applied is kept once. A newer epoch forgets the
    /// older epoch's batches, as Kafka does.
    /// </summary>
    public void Record(long producerId, ProducerBatch batch)
    {
        if (!_producers.TryGetValue(producerId, out var entry) || batch.Epoch > entry.Epoch)
        {
            _producers[producerId] = new ProducerEntry(producerId, batch.Epoch, [batch]);
            return;
        }
        if (batch.Epoch < entry.Epoch) return;
        foreach (var known in entry.Batches)
            if (known.FirstSequence == batch.FirstSequence && known.BaseOffset == batch.BaseOffset) return;
        var batches = new List<ProducerBatch>(MaxBatchesPerProducer);
        var skip = Math.Max(0, entry.Batches.Count + 1 - MaxBatchesPerProducer);
        for (var i = skip; i < entry.Batches.Count; i++) batches.Add(entry.Batches[i]);
        batches.Add(batch);
        _producers[producerId] = entry with { Batches = batches };
    }

    /// <summary>
    /// Drops producers whose newest batch is older than <paramref name="expirationMs"/> (by the batch's timestamp,
    /// as Kafka's producer.id.expiration.ms). Returns how many were dropped.
    /// </summary>
    public int Expire(long nowMs, long expirationMs)
    {
        List<long>? expired = null;
        foreach (var (id, entry) in _producers)
            if (entry.Last.Timestamp < nowMs - expirationMs) (expired ??= []).Add(id);
        if (expired is null) return 0;
        foreach (var id in expired) _producers.Remove(id);
        return expired.Count;
    }

    public IReadOnlyList<ProducerEntry> ToSnapshot() => _producers.Values.ToList();

    public void Restore(IEnumerable<ProducerEntry> entries)
    {
        _producers.Clear();
        foreach (var entry in entries) _producers[entry.ProducerId] = entry;
    }

    public ProducerStateTable Copy()
    {
        var copy = new ProducerStateTable();
        copy.Restore(_producers.Values);
        return copy;
    }
}
