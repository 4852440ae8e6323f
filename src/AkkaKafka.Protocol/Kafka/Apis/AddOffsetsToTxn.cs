namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>
/// AddOffsetsToTxn v0–3 (flexible from v3): the producer's offsets for <see cref="GroupId"/> (TxnOffsetCommit) become
/// part of its transaction. v4 only allows TRANSACTION_ABORTABLE in the answer (KIP-890), which this coordinator never
/// gives; it is not advertised.
/// </summary>
public sealed record AddOffsetsToTxnRequestData(string TransactionalId, long ProducerId, short ProducerEpoch, string GroupId) : IKafkaRequest
{
    public ApiKey ApiKey => ApiKey.AddOffsetsToTxn;

    public static AddOffsetsToTxnRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.AddOffsetsToTxn, version);
        var request = new AddOffsetsToTxnRequestData(r.String(flexible), r.Int64(), r.Int16(), r.String(flexible));
        r.TaggedFields(flexible);
        return request;
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.AddOffsetsToTxn, version);
        w.String(TransactionalId, flexible).Int64(ProducerId).Int16(ProducerEpoch).String(GroupId, flexible).TaggedFields(flexible);
    }
}

/// <summary>The error code; the same layout in every version.</summary>
public sealed record AddOffsetsToTxnResponseData(ErrorCode ErrorCode, int ThrottleTimeMs = 0) : IKafkaResponse
{
    public static AddOffsetsToTxnResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.AddOffsetsToTxn, version);
        var response = new AddOffsetsToTxnResponseData(ThrottleTimeMs: r.Int32(), ErrorCode: (ErrorCode)r.Int16());
        r.TaggedFields(flexible);
        return response;
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.AddOffsetsToTxn, version);
        w.Int32(ThrottleTimeMs).Int16((short)ErrorCode).TaggedFields(flexible);
    }
}
