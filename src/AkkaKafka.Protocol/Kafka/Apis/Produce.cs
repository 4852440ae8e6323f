namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>
/// Produce v0–8 (flexible from v9; v8 adds the partition's error message and per-record errors to the answer). The listener answers v0–2 UNSUPPORTED_VERSION (magic 0/1 message sets), but they
/// parse here all the same. Records are slices of the request buffer, never copied: a v3+ body is one RecordBatch v2
/// per partition, stored as it came. TransactionalId is null before v3 (its default) and for non-transactional producers.
/// </summary>
public sealed record ProduceRequestData(
    short Acks,
    int TimeoutMs,
    IReadOnlyList<ProduceRequestData.TopicProduceData> Topics,
    string? TransactionalId = null) : IKafkaRequest
{
    public sealed record TopicProduceData(string Name, IReadOnlyList<PartitionProduceData> Partitions);

    /// <summary>Records null is legal on the wire (Kafka's schema makes it nullable); the broker treats it as no batch.</summary>
    public sealed record PartitionProduceData(int PartitionIndex, ReadOnlyMemory<byte>? Records);

    public ApiKey ApiKey => ApiKey.Produce;

    public static ProduceRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.Produce, version);
        var transactionalId = version >= 3 ? r.NullableString(flexible) : null;
        var acks = r.Int16();
        var timeout = r.Int32();
        var topics = r.Array((ref KafkaReader t) =>
        {
            var name = t.String(flexible);
            var partitions = t.Array((ref KafkaReader p) =>
            {
                var partition = new PartitionProduceData(p.Int32(), p.NullableBytes(flexible));
                p.TaggedFields(flexible);
                return partition;
            }, flexible);
            t.TaggedFields(flexible);
            return new TopicProduceData(name, partitions);
        }, flexible);
        r.TaggedFields(flexible);
        return new ProduceRequestData(acks, timeout, topics, transactionalId);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.Produce, version);
        if (version >= 3) w.NullableString(TransactionalId, flexible);
        w.Int16(Acks).Int32(TimeoutMs);
        w.Array(Topics, (t, topic) => t
            .String(topic.Name, flexible)
            .Array(topic.Partitions, (p, partition) => p
                .Int32(partition.PartitionIndex)
                .NullableBytes(partition.Records, flexible)
                .TaggedFields(flexible), flexible)
            .TaggedFields(flexible), flexible);
        w.TaggedFields(flexible);
    }
}

/// <summary>
/// One result per partition produced to; the throttle time comes after the responses array (v1+, default 0).
/// Defaults of fields a version lacks: LogAppendTimeMs -1 (v0–1; also "CreateTime topic"), LogStartOffset -1 (v0–4),
/// RecordErrors empty and ErrorMessage null (v0–7: the reason a partition was refused reaches only v8+ clients).
/// </summary>
public sealed record ProduceResponseData(IReadOnlyList<ProduceResponseData.TopicProduceResponse> Responses, int ThrottleTimeMs = 0) : IKafkaResponse
{
    public sealed record TopicProduceResponse(string Name, IReadOnlyList<PartitionProduceResponse> Partitions);

    public sealed record PartitionProduceResponse(
        int PartitionIndex,
        ErrorCode ErrorCode,
        long BaseOffset,
        long LogAppendTimeMs = -1,
        long LogStartOffset = -1,
        IReadOnlyList<BatchIndexAndErrorMessage>? RecordErrors = null,
        string? ErrorMessage = null);

    /// <summary>A record of the batch that made the broker refuse it (Kafka's InvalidRecordException), by index.</summary>
    public sealed record BatchIndexAndErrorMessage(int BatchIndex, string? BatchIndexErrorMessage);

    public static ProduceResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.Produce, version);
        var responses = r.Array((ref KafkaReader t) =>
        {
            var name = t.String(flexible);
            var partitions = t.Array((ref KafkaReader p) =>
            {
                var index = p.Int32();
                var error = (ErrorCode)p.Int16();
                var baseOffset = p.Int64();
                var appendTime = version >= 2 ? p.Int64() : -1;
                var logStart = version >= 5 ? p.Int64() : -1;
                IReadOnlyList<BatchIndexAndErrorMessage>? recordErrors = null;
                string? message = null;
                if (version >= 8)
                {
                    var read = p.Array((ref KafkaReader e) =>
                    {
                        var recordError = new BatchIndexAndErrorMessage(e.Int32(), e.NullableString(flexible));
                        e.TaggedFields(flexible);
                        return recordError;
                    }, flexible);
                    recordErrors = read.Count == 0 ? null : read; // none, as before v8
                    message = p.NullableString(flexible);
                }
                p.TaggedFields(flexible);
                return new PartitionProduceResponse(index, error, baseOffset, appendTime, logStart, recordErrors, message);
            }, flexible);
            t.TaggedFields(flexible);
            return new TopicProduceResponse(name, partitions);
        }, flexible);
        var throttle = version >= 1 ? r.Int32() : 0;
        r.TaggedFields(flexible);
        return new ProduceResponseData(responses, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.Produce, version);
        w.Array(Responses, (t, topic) => t
            .String(topic.Name, flexible)
            .Array(topic.Partitions, (p, partition) =>
            {
                p.Int32(partition.PartitionIndex).Int16((short)partition.ErrorCode).Int64(partition.BaseOffset);
                if (version >= 2) p.Int64(partition.LogAppendTimeMs);
                if (version >= 5) p.Int64(partition.LogStartOffset);
                if (version >= 8)
                    p.Array(partition.RecordErrors ?? [], (e, recordError) => e
                            .Int32(recordError.BatchIndex)
                            .NullableString(recordError.BatchIndexErrorMessage, flexible)
                            .TaggedFields(flexible), flexible)
                        .NullableString(partition.ErrorMessage, flexible);
                p.TaggedFields(flexible);
            }, flexible)
            .TaggedFields(flexible), flexible);
        if (version >= 1) w.Int32(ThrottleTimeMs);
        w.TaggedFields(flexible);
    }
}
