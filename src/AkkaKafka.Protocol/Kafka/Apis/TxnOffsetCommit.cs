namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>One partition's offset, committed inside a transaction. CommittedLeaderEpoch exists from v2 (else reads -1).</summary>
public sealed record TxnOffsetCommitRequestPartition(int PartitionIndex, long CommittedOffset, string? CommittedMetadata, int CommittedLeaderEpoch = -1);

public sealed record TxnOffsetCommitRequestTopic(string Name, IReadOnlyList<TxnOffsetCommitRequestPartition> Partitions);

/// <summary>
/// TxnOffsetCommit v0–4 (flexible from v3): a transactional producer commits a group's offsets in its transaction
/// (KIP-98), visible only once the transaction commits. v3 adds the consumer's group metadata (KIP-447: member id,
/// generation, group instance id), so a zombie of an old generation is fenced as its OffsetCommit would be; absent
/// before v3, they read as Kafka's defaults (generation -1, member "", no instance id). v4 only allows
/// TRANSACTION_ABORTABLE in the answer (KIP-890).
/// </summary>
public sealed record TxnOffsetCommitRequestData(
    string TransactionalId,
    string GroupId,
    long ProducerId,
    short ProducerEpoch,
    IReadOnlyList<TxnOffsetCommitRequestTopic> Topics,
    int GenerationId = -1,
    string MemberId = "",
    string? GroupInstanceId = null) : IKafkaRequest
{
    public ApiKey ApiKey => ApiKey.TxnOffsetCommit;

    public static TxnOffsetCommitRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.TxnOffsetCommit, version);
        var transactionalId = r.String(flexible);
        var groupId = r.String(flexible);
        var producerId = r.Int64();
        var producerEpoch = r.Int16();
        var generation = -1;
        var memberId = "";
        string? instanceId = null;
        if (version >= 3)
        {
            generation = r.Int32();
            memberId = r.String(flexible);
            instanceId = r.NullableString(flexible);
        }
        var topics = r.Array((ref KafkaReader t) =>
        {
            var name = t.String(flexible);
            var partitions = t.Array((ref KafkaReader p) =>
            {
                var index = p.Int32();
                var offset = p.Int64();
                var leaderEpoch = version >= 2 ? p.Int32() : -1;
                var metadata = p.NullableString(flexible);
                p.TaggedFields(flexible);
                return new TxnOffsetCommitRequestPartition(index, offset, metadata, leaderEpoch);
            }, flexible);
            t.TaggedFields(flexible);
            return new TxnOffsetCommitRequestTopic(name, partitions);
        }, flexible);
        r.TaggedFields(flexible);
        return new TxnOffsetCommitRequestData(transactionalId, groupId, producerId, producerEpoch, topics, generation, memberId, instanceId);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.TxnOffsetCommit, version);
        w.String(TransactionalId, flexible).String(GroupId, flexible).Int64(ProducerId).Int16(ProducerEpoch);
        if (version >= 3) w.Int32(GenerationId).String(MemberId, flexible).NullableString(GroupInstanceId, flexible);
        w.Array(Topics, (t, topic) =>
        {
            t.String(topic.Name, flexible);
            t.Array(topic.Partitions, (p, partition) =>
            {
                p.Int32(partition.PartitionIndex).Int64(partition.CommittedOffset);
                if (version >= 2) p.Int32(partition.CommittedLeaderEpoch);
                p.NullableString(partition.CommittedMetadata, flexible).TaggedFields(flexible);
            }, flexible);
            t.TaggedFields(flexible);
        }, flexible);
        w.TaggedFields(flexible);
    }
}

public sealed record TxnOffsetCommitResponsePartition(int PartitionIndex, ErrorCode ErrorCode);

public sealed record TxnOffsetCommitResponseTopic(string Name, IReadOnlyList<TxnOffsetCommitResponsePartition> Partitions);

/// <summary>One error per partition (group-level errors are repeated per partition, as Kafka answers). The same layout in every version.</summary>
public sealed record TxnOffsetCommitResponseData(IReadOnlyList<TxnOffsetCommitResponseTopic> Topics, int ThrottleTimeMs = 0) : IKafkaResponse
{
    public static TxnOffsetCommitResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.TxnOffsetCommit, version);
        var throttle = r.Int32();
        var topics = r.Array((ref KafkaReader t) =>
        {
            var name = t.String(flexible);
            var partitions = t.Array((ref KafkaReader p) =>
            {
                var partition = new TxnOffsetCommitResponsePartition(p.Int32(), (ErrorCode)p.Int16());
                p.TaggedFields(flexible);
                return partition;
            }, flexible);
            t.TaggedFields(flexible);
            return new TxnOffsetCommitResponseTopic(name, partitions);
        }, flexible);
        r.TaggedFields(flexible);
        return new TxnOffsetCommitResponseData(topics, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.TxnOffsetCommit, version);
        w.Int32(ThrottleTimeMs);
        w.Array(Topics, (t, topic) => t.String(topic.Name, flexible)
            .Array(topic.Partitions, (p, partition) => p.Int32(partition.PartitionIndex).Int16((short)partition.ErrorCode).TaggedFields(flexible), flexible)
            .TaggedFields(flexible), flexible);
        w.TaggedFields(flexible);
    }

    /// <summary>The same error for every partition of <paramref name="topics"/>.</summary>
    public static TxnOffsetCommitResponseData AllFailed(IEnumerable<TxnOffsetCommitRequestTopic> topics, ErrorCode error) =>
        new(topics.Select(t => new TxnOffsetCommitResponseTopic(t.Name, t.Partitions.Select(p => new TxnOffsetCommitResponsePartition(p.PartitionIndex, error)).ToList())).ToList());
}
