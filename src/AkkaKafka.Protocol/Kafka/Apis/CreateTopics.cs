namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>
/// CreateTopics v0–4 (flexible from v5). NumPartitions and ReplicationFactor are -1 when the client gives a manual
/// assignment or (v4+, KIP-464) wants the broker's defaults. ValidateOnly is false before v1 (its default).
/// </summary>
public sealed record CreateTopicsRequestData(
    IReadOnlyList<CreateTopicsRequestData.CreatableTopic> Topics,
    int TimeoutMs = 60_000,
    bool ValidateOnly = false) : IKafkaRequest
{
    public sealed record CreatableTopic(
        string Name,
        int NumPartitions,
        short ReplicationFactor,
        IReadOnlyList<CreatableReplicaAssignment> Assignments,
        IReadOnlyList<CreatableTopicConfig> Configs);

    public sealed record CreatableReplicaAssignment(int PartitionIndex, IReadOnlyList<int> BrokerIds);

    /// <summary>Kafka's schema calls this element CreateableTopicConfig (sic); a null value means the broker default.</summary>
    public sealed record CreatableTopicConfig(string Name, string? Value);

    public ApiKey ApiKey => ApiKey.CreateTopics;

    public static CreateTopicsRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.CreateTopics, version);
        var topics = r.Array((ref KafkaReader t) =>
        {
            var name = t.String(flexible);
            var partitions = t.Int32();
            var replication = t.Int16();
            var assignments = t.Array((ref KafkaReader a) =>
            {
                var assignment = new CreatableReplicaAssignment(a.Int32(), a.Array((ref KafkaReader b) => b.Int32(), flexible));
                a.TaggedFields(flexible);
                return assignment;
            }, flexible);
            var configs = t.Array((ref KafkaReader c) =>
            {
                var config = new CreatableTopicConfig(c.String(flexible), c.NullableString(flexible));
                c.TaggedFields(flexible);
                return config;
            }, flexible);
            t.TaggedFields(flexible);
            return new CreatableTopic(name, partitions, replication, assignments, configs);
        }, flexible);
        var timeout = r.Int32();
        var validateOnly = version >= 1 && r.Boolean();
        r.TaggedFields(flexible);
        return new CreateTopicsRequestData(topics, timeout, validateOnly);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.CreateTopics, version);
        w.Array(Topics, (t, topic) => t
            .String(topic.Name, flexible)
            .Int32(topic.NumPartitions)
            .Int16(topic.ReplicationFactor)
            .Array(topic.Assignments, (a, assignment) => a
                .Int32(assignment.PartitionIndex)
                .Array(assignment.BrokerIds, (b, id) => b.Int32(id), flexible)
                .TaggedFields(flexible), flexible)
            .Array(topic.Configs, (c, config) => c
                .String(config.Name, flexible)
                .NullableString(config.Value, flexible)
                .TaggedFields(flexible), flexible)
            .TaggedFields(flexible), flexible);
        w.Int32(TimeoutMs);
        if (version >= 1) w.Boolean(ValidateOnly);
        w.TaggedFields(flexible);
    }
}

/// <summary>
/// One result per topic. Defaults of fields a version lacks: ThrottleTimeMs 0 (v0–1), ErrorMessage null (v0).
/// v5+ also echoes partitions, replication and configs; we stop at v4.
/// </summary>
public sealed record CreateTopicsResponseData(IReadOnlyList<CreateTopicsResponseData.CreatableTopicResult> Topics, int ThrottleTimeMs = 0)
    : IKafkaResponse
{
    public sealed record CreatableTopicResult(string Name, ErrorCode ErrorCode, string? ErrorMessage = null);

    public static CreateTopicsResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.CreateTopics, version);
        var throttle = version >= 2 ? r.Int32() : 0;
        var topics = r.Array((ref KafkaReader t) =>
        {
            var name = t.String(flexible);
            var error = (ErrorCode)t.Int16();
            var message = version >= 1 ? t.NullableString(flexible) : null;
            t.TaggedFields(flexible);
            return new CreatableTopicResult(name, error, message);
        }, flexible);
        r.TaggedFields(flexible);
        return new CreateTopicsResponseData(topics, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.CreateTopics, version);
        if (version >= 2) w.Int32(ThrottleTimeMs);
        w.Array(Topics, (t, topic) =>
        {
            t.String(topic.Name, flexible).Int16((short)topic.ErrorCode);
            if (version >= 1) t.NullableString(topic.ErrorMessage, flexible);
            t.TaggedFields(flexible);
        }, flexible);
        w.TaggedFields(flexible);
    }
}
