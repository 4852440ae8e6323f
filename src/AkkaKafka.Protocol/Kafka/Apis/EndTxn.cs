namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>
/// EndTxn v0–3 (flexible from v3): commit or abort the producer's transaction. Not advertised: v4 (it only allows
/// TRANSACTION_ABORTABLE, which this coordinator never gives) and v5 (KIP-890 part 2: the epoch bumped at every
/// transaction's end and handed back in the answer, which this coordinator does not do).
/// </summary>
public sealed record EndTxnRequestData(string TransactionalId, long ProducerId, short ProducerEpoch, bool Committed) : IKafkaRequest
{
    public ApiKey ApiKey => ApiKey.EndTxn;

    public static EndTxnRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.EndTxn, version);
        var request = new EndTxnRequestData(r.String(flexible), r.Int64(), r.Int16(), r.Boolean());
        r.TaggedFields(flexible);
        return request;
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.EndTxn, version);
        w.String(TransactionalId, flexible).Int64(ProducerId).Int16(ProducerEpoch).Boolean(Committed).TaggedFields(flexible);
    }
}

/// <summary>The error code; the same layout in every advertised version.</summary>
public sealed record EndTxnResponseData(ErrorCode ErrorCode, int ThrottleTimeMs = 0) : IKafkaResponse
{
    public static EndTxnResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.EndTxn, version);
        var response = new EndTxnResponseData(ThrottleTimeMs: r.Int32(), ErrorCode: (ErrorCode)r.Int16());
        r.TaggedFields(flexible);
        return response;
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.EndTxn, version);
        w.Int32(ThrottleTimeMs).Int16((short)ErrorCode).TaggedFields(flexible);
    }
}
