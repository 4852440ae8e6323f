using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Client.Producer;

/// <summary>Called once per record with where it landed, or with why it failed (then the metadata is null).</summary>
public delegate void DeliveryCallback(RecordMetadata? metadata, Exception? error);

/// <summary>
/// A <see cref="DeliveryCallback"/> that gets back a number given with the record (a send time, an index), so that
/// one shared callback serves every record and nothing is allocated per record to remember it.
/// </summary>
public delegate void DeliveryCallbackWithState(long state, RecordMetadata? metadata, Exception? error);

/// <summary>
/// One partition's batch of records from its first append to its acknowledgement: the RecordBatch v2 builder, the
/// callbacks of the records that asked for one (by index, so offsets follow from the base offset), and the buffer
/// memory the records hold. Appends happen under the accumulator's partition lock; once closed, only the
/// <see cref="ProducerActor"/> touches it.
/// </summary>
internal sealed class ProducerBatch(TopicPartition partition, long sequence, DateTime created)
{
    private readonly RecordBatchBuilder _builder = new();
    private List<Completion>? _callbacks;
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

    public void Add(long timestamp, byte[]? key, byte[]? value, IReadOnlyList<RecordHeader>? headers, Completion completion, long reservedBytes)
    {
        if (completion.Callback is not null) (_callbacks ??= []).Add(completion with { Index = _builder.Count });
        _builder.Add(timestamp, key, value, headers);
        ReservedBytes += reservedBytes;
    }

    /// <summary>
    /// The idempotent producer's id, epoch and this batch's base sequence, given when the batch is first sent and kept
    /// on every retry; null for a producer without idempotence, or until numbered.
    /// </summary>
    public ProducerFields? Idempotence { get; private set; }

    /// <summary>Whether the batch is part of a transaction (the attributes' transactional bit: read_committed readers hold it back until the marker).</summary>
    public bool Transactional { get; private set; }

    /// <summary>Numbers the batch (or forgets its numbers, with null, to be numbered again under a new producer id).</summary>
    public void Number(ProducerFields? fields, bool transactional = false)
    {
        Idempotence = fields;
        Transactional = transactional && fields is not null;
        _bytes = null;
    }

    /// <summary>The batch's bytes, built on first use (by the actor, off the callers' threads) and kept for retries.</summary>
    public byte[] Bytes => _bytes ??= Transactional ? ControlRecords.Transactional(_builder.Build(producer: Idempotence)) : _builder.Build(producer: Idempotence);

    /// <summary>Tells every record that asked where it landed: offsets are the base offset plus the record's index.</summary>
    public void Complete(long baseOffset)
    {
        if (_callbacks is null) return;
        foreach (var c in _callbacks)
            c.Invoke(new RecordMetadata(Partition.Topic, Partition.Partition, baseOffset < 0 ? -1 : baseOffset + c.Index), null);
    }

    public void Fail(Exception error)
    {
        if (_callbacks is null) return;
        foreach (var c in _callbacks) c.Invoke(null, error);
    }
}

/// <summary>
/// How a record wants to hear its outcome: nothing, a <see cref="DeliveryCallback"/>, or a
/// <see cref="DeliveryCallbackWithState"/> with its number. A struct, kept in the batch's list: no object per record.
/// </summary>
internal readonly record struct Completion(Delegate? Callback, long State, int Index = 0)
{
    public static readonly Completion None = default;

    public static Completion Of(DeliveryCallback? callback) => new(callback, 0);

    public static Completion Of(DeliveryCallbackWithState callback, long state) => new(callback, state);

    /// <summary>A callback that throws must not take the producer down with it (Kafka logs and carries on too).</summary>
    public void Invoke(RecordMetadata? metadata, Exception? error)
    {
        try
        {
            switch (Callback)
            {
                case DeliveryCallback plain: plain(metadata, error); break;
                case DeliveryCallbackWithState withState: withState(State, metadata, error); break;
            }
        }
        catch (Exception) { /* the application's own bug; the other records still get their callbacks */ }
    }
}
