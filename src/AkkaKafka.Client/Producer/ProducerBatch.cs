using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Client.Producer;

/// <summary>Called once per record with where it landed, or with why it failed (then the metadata is null).</summary>
public delegate void DeliveryCallback(RecordMetadata? metadata, Exception? error);

/// <summary>
/// One partition's batch of records from its first append to its acknowledgement: the RecordBatch v2 builder, the
/// callbacks of the records that asked for one (by index, so offsets follow from the base offset), and the buffer
/// memory the records hold. Appends happen under the accumulator's partition lock; once closed, only the
/// <see cref="ProducerActor"/> touches it.
/// </summary>
internal sealed class ProducerBatch(TopicPartition partition, long sequence, DateTime created)
{
    private readonly RecordBatchBuilder _builder = new();
    private List<(int Index, DeliveryCallback Callback)>? _callbacks;
    private byte[]? _bytes;

    public TopicPartition Partition { get; } = partition;
    /// <summary>Numbers this partition's batches in append order (the linger timer names the batch it is for).</summary>
    public long Sequence { get; } = sequence;
    public DateTime Created { get; } = created;
    public int Count => _builder.Count;
    public int EstimatedSize => _builder.EstimatedSizeInBytes;
    /// <summary>Buffer memory the records reserved; given back when the batch completes.</summary>
    public long ReservedBytes { get; private set; }
    /// <summary>Sends so far (retries after retriable errors count).</summary>
    public int Attempts { get; set; }

    public void Add(long timestamp, byte[]? key, byte[]? value, IReadOnlyList<RecordHeader>? headers, DeliveryCallback? callback, long reservedBytes)
    {
        if (callback is not null) (_callbacks ??= []).Add((_builder.Count, callback));
        _builder.Add(timestamp, key, value, headers);
        ReservedBytes += reservedBytes;
    }

    /// <summary>The batch's bytes, built on first use (by the actor, off the callers' threads) and kept for retries.</summary>
    public byte[] Bytes => _bytes ??= _builder.Build();

    /// <summary>Tells every record that asked where it landed: offsets are the base offset plus the record's index.</summary>
    public void Complete(long baseOffset)
    {
        if (_callbacks is null) return;
        foreach (var (index, callback) in _callbacks)
            Invoke(callback, new RecordMetadata(Partition.Topic, Partition.Partition, baseOffset < 0 ? -1 : baseOffset + index), null);
    }

    public void Fail(Exception error)
    {
        if (_callbacks is null) return;
        foreach (var (_, callback) in _callbacks) Invoke(callback, null, error);
    }

    /// <summary>A callback that throws must not take the producer down with it (Kafka logs and carries on too).</summary>
    private static void Invoke(DeliveryCallback callback, RecordMetadata? metadata, Exception? error)
    {
        try { callback(metadata, error); }
        catch (Exception) { /* the application's own bug; the other records still get their callbacks */ }
    }
}
