namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>
/// CreatePartitions v0–1 (identical; flexible from v2). Count is the new total partition count; Assignments null
/// lets the broker place the new partitions, else one entry per new partition.
/// </summary>
public sealed record CreatePartitionsRequestData(
    IReadOnlyList<CreatePartitionsRequestData.CreatePartitionsTopic> Topics,
    int TimeoutMs,
    bool ValidateOnly = false) : IKafkaRequest
{
    public sealed record CreatePartitionsTopic(string Name, int Count, IReadOnlyList<CreatePartitionsAssignment>? Assignments = null);

    public sealed record CreatePartitionsAssignment(IReadOnlyList<int> BrokerIds);

    public ApiKey ApiKey => ApiKey.CreatePartitions;

    public static CreatePartitionsRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.CreatePartitions, version);
        var topics = r.Array((ref KafkaReader t) =>
        {
            var name = t.String(flexible);
            var count = t.Int32();
            var assignments = t.NullableArray((ref KafkaReader a) =>
            {
                var assignment = new CreatePartitionsAssignment(a.Array((ref KafkaReader b) => b.Int32(), flexible));
                a.TaggedFields(flexible);
                return assignment;
            }, flexible);
            t.TaggedFields(flexible);
            return new CreatePartitionsTopic(name, count, assignments);
        }, flexible);
        var timeout = r.Int32();
        var validateOnly = r.Boolean();
        r.TaggedFields(flexible);
        return new CreatePartitionsRequestData(topics, timeout, validateOnly);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.CreatePartitions, version);
        w.Array(Topics, (t, topic) => t
            .String(topic.Name, flexible)
            .Int32(topic.Count)
            .NullableArray(topic.Assignments, (a, assignment) => a
                .Array(assignment.BrokerIds, (b, id) => b.Int32(id), flexible)
                .TaggedFields(flexible), flexible)
            .TaggedFields(flexible), flexible);
        w.Int32(TimeoutMs).Boolean(ValidateOnly).TaggedFields(flexible);
    }
}

/// <summary>One result per topic; ErrorMessage is null when there is no error.</summary>
public sealed record CreatePartitionsResponseData(IReadOnlyList<CreatePartitionsResponseData.CreatePartitionsTopicResult> Results, int ThrottleTimeMs = 0)
    : IKafkaResponse
{
    public sealed record CreatePartitionsTopicResult(string Name, ErrorCode ErrorCode, string? ErrorMessage = null);

    public static CreatePartitionsResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.CreatePartitions, version);
        var throttle = r.Int32();
        var results = r.Array((ref KafkaReader t) =>
        {
            var result = new CreatePartitionsTopicResult(t.String(flexible), (ErrorCode)t.Int16(), t.NullableString(flexible));
            t.TaggedFields(flexible);
            return result;
        }, flexible);
        r.TaggedFields(flexible);
        return new CreatePartitionsResponseData(results, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.CreatePartitions, version);
        w.Int32(ThrottleTimeMs);
        w.Array(Results, (t, result) => t
            .String(result.Name, flexible)
            .Int16((short)result.ErrorCode)
            .NullableString(result.ErrorMessage, flexible)
            .TaggedFields(flexible), flexible);
        w.TaggedFields(flexible);
    }
}
