namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>
/// InitProducerId v0–4 (flexible from v2; v3 adds the producer's current id and epoch, for KIP-360's epoch bump).
/// An idempotent producer (null transactional id) asks once for its producer id and epoch; a producer that asks again
/// (after UNKNOWN_PRODUCER_ID, say) gets a new id, as Kafka answers a non-transactional producer whatever it sends.
/// </summary>
public sealed record InitProducerIdRequestData(string? TransactionalId, int TransactionTimeoutMs, long ProducerId = -1, short ProducerEpoch = -1)
    : IKafkaRequest
{
    public ApiKey ApiKey => ApiKey.InitProducerId;

    public static InitProducerIdRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.InitProducerId, version);
        var transactionalId = r.NullableString(flexible);
        var timeout = r.Int32();
        long producerId = -1;
        short epoch = -1;
        if (version >= 3)
        {
            producerId = r.Int64();
            epoch = r.Int16();
        }
        r.TaggedFields(flexible);
        return new InitProducerIdRequestData(transactionalId, timeout, producerId, epoch);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.InitProducerId, version);
        w.NullableString(TransactionalId, flexible).Int32(TransactionTimeoutMs);
        if (version >= 3) w.Int64(ProducerId).Int16(ProducerEpoch);
        w.TaggedFields(flexible);
    }
}

/// <summary>The producer id and epoch, or an error with both -1. The same layout in every version.</summary>
public sealed record InitProducerIdResponseData(ErrorCode ErrorCode, long ProducerId, short ProducerEpoch, int ThrottleTimeMs = 0) : IKafkaResponse
{
    public static InitProducerIdResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.InitProducerId, version);
        var response = new InitProducerIdResponseData(ThrottleTimeMs: r.Int32(), ErrorCode: (ErrorCode)r.Int16(), ProducerId: r.Int64(), ProducerEpoch: r.Int16());
        r.TaggedFields(flexible);
        return response;
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.InitProducerId, version);
        w.Int32(ThrottleTimeMs).Int16((short)ErrorCode).Int64(ProducerId).Int16(ProducerEpoch).TaggedFields(flexible);
    }
}
