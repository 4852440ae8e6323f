namespace AkkaKafka.Protocol.Kafka.Apis;

public sealed record OffsetFetchRequestTopic(string Name, IReadOnlyList<int> PartitionIndexes);

/// <summary>
/// OffsetFetch v0–7 (flexible from v6): a group's committed offsets. <see cref="Topics"/> null means every topic the
/// group committed for — Kafka allows that from v2 only, so writing null at v0–1 is refused. <see cref="RequireStable"/>
/// (v7+, KIP-447; librdkafka sends it with isolation.level=read_committed): a partition whose offset a transaction
/// still open has committed is answered UNSTABLE_OFFSET_COMMIT, so the consumer waits for the transaction to end
/// instead of starting from the offset before it.
/// </summary>
public sealed record OffsetFetchRequestData(string GroupId, IReadOnlyList<OffsetFetchRequestTopic>? Topics, bool RequireStable = false) : IKafkaRequest
{
    public const short FirstRequireStableVersion = 7;

    public ApiKey ApiKey => ApiKey.OffsetFetch;

    public static OffsetFetchRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.OffsetFetch, version);
        var groupId = r.String(flexible);
        KafkaReader.ElementReader<OffsetFetchRequestTopic> topic = (ref KafkaReader t) =>
        {
            var name = t.String(flexible);
            var partitions = t.Array((ref KafkaReader p) => p.Int32(), flexible);
            t.TaggedFields(flexible);
            return new OffsetFetchRequestTopic(name, partitions);
        };
        var topics = version >= 2 ? r.NullableArray(topic, flexible) : r.Array(topic, flexible);
        var requireStable = version >= FirstRequireStableVersion && r.Boolean();
        r.TaggedFields(flexible);
        return new OffsetFetchRequestData(groupId, topics, requireStable);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.OffsetFetch, version);
        if (Topics is null && version < 2)
            throw new InvalidOperationException($"OffsetFetch v{version} cannot ask for all topics (null topics need v2+)");
        w.String(GroupId, flexible);
        w.NullableArray(Topics, (t, topic) => t.String(topic.Name, flexible)
            .Array(topic.PartitionIndexes, (p, index) => p.Int32(index), flexible)
            .TaggedFields(flexible), flexible);
        if (version >= FirstRequireStableVersion) w.Boolean(RequireStable);
        w.TaggedFields(flexible);
    }
}

/// <summary>
/// One partition's committed offset: -1 with null metadata when none is committed.
/// CommittedLeaderEpoch exists from v5 (else reads -1).
/// </summary>
public sealed record OffsetFetchResponsePartition(
    int PartitionIndex, long CommittedOffset, string? Metadata, ErrorCode ErrorCode, int CommittedLeaderEpoch = -1);

public sealed record OffsetFetchResponseTopic(string Name, IReadOnlyList<OffsetFetchResponsePartition> Partitions);

/// <summary>
/// The committed offsets. Absent fields read as Kafka's defaults: ThrottleTimeMs 0 before v3, the group-level
/// ErrorCode None before v2 (v0–1 clients see group errors per partition).
/// </summary>
public sealed record OffsetFetchResponseData(
    IReadOnlyList<OffsetFetchResponseTopic> Topics, ErrorCode ErrorCode = ErrorCode.None, int ThrottleTimeMs = 0) : IKafkaResponse
{
    public static OffsetFetchResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.OffsetFetch, version);
        var throttle = version >= 3 ? r.Int32() : 0;
        var topics = r.Array((ref KafkaReader t) =>
        {
            var name = t.String(flexible);
            var partitions = t.Array((ref KafkaReader p) =>
            {
                var index = p.Int32();
                var offset = p.Int64();
                var leaderEpoch = version >= 5 ? p.Int32() : -1;
                var metadata = p.NullableString(flexible);
                var error = (ErrorCode)p.Int16();
                p.TaggedFields(flexible);
                return new OffsetFetchResponsePartition(index, offset, metadata, error, leaderEpoch);
            }, flexible);
            t.TaggedFields(flexible);
            return new OffsetFetchResponseTopic(name, partitions);
        }, flexible);
        var groupError = version >= 2 ? (ErrorCode)r.Int16() : ErrorCode.None;
        r.TaggedFields(flexible);
        return new OffsetFetchResponseData(topics, groupError, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.OffsetFetch, version);
        if (version >= 3) w.Int32(ThrottleTimeMs);
        w.Array(Topics, (t, topic) =>
        {
            t.String(topic.Name, flexible);
            t.Array(topic.Partitions, (p, partition) =>
            {
                p.Int32(partition.PartitionIndex).Int64(partition.CommittedOffset);
                if (version >= 5) p.Int32(partition.CommittedLeaderEpoch);
                p.NullableString(partition.Metadata, flexible).Int16((short)partition.ErrorCode).TaggedFields(flexible);
            }, flexible);
            t.TaggedFields(flexible);
        }, flexible);
        if (version >= 2) w.Int16((short)ErrorCode);
        w.TaggedFields(flexible);
    }
}
