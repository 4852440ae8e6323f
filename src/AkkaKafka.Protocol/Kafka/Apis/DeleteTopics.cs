namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>DeleteTopics v0–3 (flexible from v4; v6 switches to topic ids, which we never advertise). v0–3 are identical.</summary>
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

/// <summary>One result per topic; ThrottleTimeMs is 0 in v0, which lacks it.</summary>
public sealed record DeleteTopicsResponseData(IReadOnlyList<DeleteTopicsResponseData.DeletableTopicResult> Responses, int ThrottleTimeMs = 0)
    : IKafkaResponse
{
    public sealed record DeletableTopicResult(string Name, ErrorCode ErrorCode);

    public static DeleteTopicsResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DeleteTopics, version);
        var throttle = version >= 1 ? r.Int32() : 0;
        var responses = r.Array((ref KafkaReader t) =>
        {
            var result = new DeletableTopicResult(t.String(flexible), (ErrorCode)t.Int16());
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
        w.Array(Responses, (t, result) => t.String(result.Name, flexible).Int16((short)result.ErrorCode).TaggedFields(flexible), flexible);
        w.TaggedFields(flexible);
    }
}
