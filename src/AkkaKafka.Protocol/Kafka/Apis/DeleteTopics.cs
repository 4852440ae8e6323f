namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>DeleteTopics v0–5 (flexible from v4; v6 switches to topic ids, which we never advertise). The requests of v0–5 carry the same fields.</summary>
public sealed record DeleteTopicsRequestData(IReadOnlyList<string> TopicNames, int TimeoutMs) : IKafkaRequest
{
    public ApiKey ApiKey => ApiKey.DeleteTopics;

    public static DeleteTopicsRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DeleteTopics, version);
        var names = r.Array((ref KafkaReader n) => n.String(flexible), flexible);
        var timeout = r.Int32();
        r.TaggedFields(flexible);
        return new DeleteTopicsRequestData(names, timeout);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DeleteTopics, version);
        w.Array(TopicNames, (n, name) => n.String(name, flexible), flexible).Int32(TimeoutMs).TaggedFields(flexible);
    }
}

/// <summary>
/// One result per topic. Defaults of fields a version lacks: ThrottleTimeMs 0 (v0), ErrorMessage null (v0–4): the
/// brokers' reason for a refusal reaches clients from v5 on.
/// </summary>
public sealed record DeleteTopicsResponseData(IReadOnlyList<DeleteTopicsResponseData.DeletableTopicResult> Responses, int ThrottleTimeMs = 0)
    : IKafkaResponse
{
    public sealed record DeletableTopicResult(string Name, ErrorCode ErrorCode, string? ErrorMessage = null);

    public static DeleteTopicsResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DeleteTopics, version);
        var throttle = version >= 1 ? r.Int32() : 0;
        var responses = r.Array((ref KafkaReader t) =>
        {
            var result = new DeletableTopicResult(t.String(flexible), (ErrorCode)t.Int16(), version >= 5 ? t.NullableString(flexible) : null);
            t.TaggedFields(flexible);
            return result;
        }, flexible);
        r.TaggedFields(flexible);
        return new DeleteTopicsResponseData(responses, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DeleteTopics, version);
        if (version >= 1) w.Int32(ThrottleTimeMs);
        w.Array(Responses, (t, result) =>
        {
            t.String(result.Name, flexible).Int16((short)result.ErrorCode);
            if (version >= 5) t.NullableString(result.ErrorMessage, flexible);
            t.TaggedFields(flexible);
        }, flexible);
        w.TaggedFields(flexible);
    }
}
