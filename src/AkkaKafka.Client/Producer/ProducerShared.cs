using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Client.Producer;

/// <summary>
/// What the <see cref="Producer"/> facade (on the callers' threads) and its <see cref="ProducerActor"/> share: the
/// accumulator, the buffer memory, the partitioner and the newest metadata the actor learnt. Every member is safe from
/// any thread; the actor is the only writer of <see cref="Metadata"/>.
/// </summary>
internal sealed class ProducerShared(RecordAccumulator accumulator, BufferMemory memory)
{
    private volatile ClusterMetadata _metadata = ClusterMetadata.Empty;
    private volatile bool _closed;

    public RecordAccumulator Accumulator { get; } = accumulator;
    public BufferMemory Memory { get; } = memory;
    public StickyPartitioner Sticky { get; } = new();

    public ClusterMetadata Metadata
    {
        get => _metadata;
        set => _metadata = value;
    }

    public bool Closed => _closed;
    public void Close() => _closed = true;

    /// <summary>
    /// Why a record may not be sent now, for a transactional producer outside an open transaction (or after its
    /// transaction failed); null when it may. Written by the actor only, read by <see cref="Producer"/>'s sends.
    /// </summary>
    public volatile Exception? SendRefusal;

    /// <summary>Set by <see cref="Producer.OnRetriableError"/>; read by the actor.</summary>
    public volatile Action<RetriableError>? RetriableErrorHandler;

    /// <summary>
    /// Picks the record's partition (explicit; else murmur2 of the key; else sticky) and appends it. An explicit
    /// partition the topic does not have fails the record at once.
    /// </summary>
    public void Append(TopicMetadata topic, ProducerRecord record, Completion completion, long reservedBytes)
    {
        var timestamp = record.Timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (record.Partition is { } explicitPartition)
        {
            if (explicitPartition < 0 || explicitPartition >= topic.PartitionCount)
            {
                Memory.Release(reservedBytes);
                completion.Invoke(null, new KafkaException(ErrorCode.UnknownTopicOrPartition, $"topic '{topic.Name}' has no partition {explicitPartition}"));
                return;
            }
            Accumulator.Append(new TopicPartition(topic.Name, explicitPartition), timestamp, record.Key, record.Value, record.Headers, completion, reservedBytes);
            return;
        }
        if (record.Key is { } key)
        {
            Accumulator.Append(new TopicPartition(topic.Name, Murmur2.Partition(key, topic.PartitionCount)), timestamp, key, record.Value, record.Headers, completion, reservedBytes);
            return;
        }
        // Sticky: stay on the partition while it has an open batch; when it has none (its batch was closed), move on.
        var sticky = Sticky.Current(topic.Name, topic.PartitionCount);
        if (Accumulator.Append(new TopicPartition(topic.Name, sticky), timestamp, null, record.Value, record.Headers, completion, reservedBytes,
                abortIfNoOpenBatch: true) == RecordAccumulator.AppendResult.Appended)
            return;
        var moved = Sticky.Move(topic.Name, sticky, topic.PartitionCount);
        Accumulator.Append(new TopicPartition(topic.Name, moved), timestamp, null, record.Value, record.Headers, completion, reservedBytes);
    }
}
