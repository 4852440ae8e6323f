namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>
/// One partition's commit. Absent fields read as Kafka's defaults: CommittedLeaderEpoch -1 before v6,
/// CommitTimestamp -1 outside v1 (the only version that carries it).
/// </summary>
public sealed record OffsetCommitRequestPartition(
    int PartitionIndex, long CommittedOffset, string? CommittedMetadata, int CommittedLeaderEpoch = -1, long CommitTimestamp = -1);

public sealed record OffsetCommitRequestTopic(string Name, IReadOnlyList<OffsetCommitRequestPartition> Partitions);

/// <summary>
/// OffsetCommit v0–7. Absent fields read as Kafka's defaults: GenerationIdOrMemberEpoch -1 and MemberId "" in v0
/// (a commit outside any generation), RetentionTimeMs -1 outside v2–4 (the broker's retention), GroupInstanceId
/// null before v7.
/// </summary>
public sealed record OffsetCommitRequestData(
    string GroupId,
    IReadOnlyList<OffsetCommitRequestTopic> Topics,
    int GenerationIdOrMemberEpoch = -1,
    string MemberId = "",
    string? GroupInstanceId = null,
    long RetentionTimeMs = -1) : IKafkaRequest
{
    public ApiKey ApiKey => ApiKey.OffsetCommit;

    public static OffsetCommitRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.OffsetCommit, version);
        var groupId = r.String(flexible);
        var generation = version >= 1 ? r.Int32() : -1;
        var memberId = version >= 1 ? r.String(flexible) : "";
        var instanceId = version >= 7 ? r.NullableString(flexible) : null;
        var retention = version is >= 2 and <= 4 ? r.Int64() : -1L;
        var topics = r.Array((ref KafkaReader t) =>
        {
            var name = t.String(flexible);
            var partitions = t.Array((ref KafkaReader p) =>
            {
                var index = p.Int32();
                var offset = p.Int64();
                var leaderEpoch = version >= 6 ? p.Int32() : -1;
                var timestamp = version == 1 ? p.Int64() : -1L;
                var metadata = p.NullableString(flexible);
                p.TaggedFields(flexible);
                return new OffsetCommitRequestPartition(index, offset, metadata, leaderEpoch, timestamp);
            }, flexible);
            t.TaggedFields(flexible);
            return new OffsetCommitRequestTopic(name, partitions);
        }, flexible);
        r.TaggedFields(flexible);
        return new OffsetCommitRequestData(groupId, topics, generation, memberId, instanceId, retention);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.OffsetCommit, version);
        w.String(GroupId, flexible);
        if (version >= 1) w.Int32(GenerationIdOrMemberEpoch).String(MemberId, flexible);
        if (version >= 7) w.NullableString(GroupInstanceId, flexible);
        if (version is >= 2 and <= 4) w.Int64(RetentionTimeMs);
        w.Array(Topics, (t, topic) =>
        {
            t.String(topic.Name, flexible);
            t.Array(topic.Partitions, (p, partition) =>
            {
                p.Int32(partition.PartitionIndex).Int64(partition.CommittedOffset);
                if (version >= 6) p.Int32(partition.CommittedLeaderEpoch);
                if (version == 1) p.Int64(partition.CommitTimestamp);
                p.NullableString(partition.CommittedMetadata, flexible).TaggedFields(flexible);
            }, flexible);
            t.TaggedFields(flexible);
        }, flexible);
        w.TaggedFields(flexible);
    }
}

public sealed record OffsetCommitResponsePartition(int PartitionIndex, ErrorCode ErrorCode);

public sealed record OffsetCommitResponseTopic(string Name, IReadOnlyList<OffsetCommitResponsePartition> Partitions);

/// <summary>One error per committed partition (group-level errors are repeated per partition). ThrottleTimeMs v3+, else 0.</summary>
public sealed record OffsetCommitResponseData(IReadOnlyList<OffsetCommitResponseTopic> Topics, int ThrottleTimeMs = 0) : IKafkaResponse
{
    public static OffsetCommitResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.OffsetCommit, version);
        var throttle = version >= 3 ? r.Int32() : 0;
        var topics = r.Array((ref KafkaReader t) =>
        {
            var name = t.String(flexible);
            var partitions = t.Array((ref KafkaReader p) =>
            {
                var partition = new OffsetCommitResponsePartition(p.Int32(), (ErrorCode)p.Int16());
                p.TaggedFields(flexible);
                return partition;
            }, flexible);
            t.TaggedFields(flexible);
            return new OffsetCommitResponseTopic(name, partitions);
        }, flexible);
        r.TaggedFields(flexible);
        return new OffsetCommitResponseData(topics, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.OffsetCommit, version);
        if (version >= 3) w.Int32(ThrottleTimeMs);
        w.Array(Topics, (t, topic) => t.String(topic.Name, flexible)
            .Array(topic.Partitions, (p, partition) => p.Int32(partition.PartitionIndex).Int16((short)partition.ErrorCode).TaggedFields(flexible), flexible)
            .TaggedFields(flexible), flexible);
        w.TaggedFields(flexible);
    }
}
