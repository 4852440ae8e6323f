namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>
/// ListOffsets v0–5 (flexible from v6). Timestamp -1 asks for the latest offset, -2 the earliest, -3 (v7+) the
/// largest timestamp. Defaults of fields a version lacks: IsolationLevel 0 (v0–1), CurrentLeaderEpoch -1 (v0–3),
/// MaxNumOffsets 1 (only v0 has it).
/// </summary>
public sealed record ListOffsetsRequestData(int ReplicaId, IReadOnlyList<ListOffsetsRequestData.ListOffsetsTopic> Topics, sbyte IsolationLevel = 0)
    : IKafkaRequest
{
    public sealed record ListOffsetsTopic(string Name, IReadOnlyList<ListOffsetsPartition> Partitions);

    public sealed record ListOffsetsPartition(int PartitionIndex, long Timestamp, int CurrentLeaderEpoch = -1, int MaxNumOffsets = 1);

    public ApiKey ApiKey => ApiKey.ListOffsets;

    public static ListOffsetsRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.ListOffsets, version);
        var replicaId = r.Int32();
        var isolation = version >= 2 ? r.Int8() : (sbyte)0;
        var topics = r.Array((ref KafkaReader t) =>
        {
            var name = t.String(flexible);
            var partitions = t.Array((ref KafkaReader p) =>
            {
                var index = p.Int32();
                var leaderEpoch = version >= 4 ? p.Int32() : -1;
                var timestamp = p.Int64();
                var maxNumOffsets = version == 0 ? p.Int32() : 1;
                p.TaggedFields(flexible);
                return new ListOffsetsPartition(index, timestamp, leaderEpoch, maxNumOffsets);
            }, flexible);
            t.TaggedFields(flexible);
            return new ListOffsetsTopic(name, partitions);
        }, flexible);
        r.TaggedFields(flexible);
        return new ListOffsetsRequestData(replicaId, topics, isolation);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.ListOffsets, version);
        w.Int32(ReplicaId);
        if (version >= 2) w.Int8(IsolationLevel);
        w.Array(Topics, (t, topic) => t
            .String(topic.Name, flexible)
            .Array(topic.Partitions, (p, partition) =>
            {
                p.Int32(partition.PartitionIndex);
                if (version >= 4) p.Int32(partition.CurrentLeaderEpoch);
                p.Int64(partition.Timestamp);
                if (version == 0) p.Int32(partition.MaxNumOffsets);
                p.TaggedFields(flexible);
            }, flexible)
            .TaggedFields(flexible), flexible);
        w.TaggedFields(flexible);
    }
}

/// <summary>
/// v0 answers with an array of offsets (OldStyleOffsets, newest first, at most MaxNumOffsets); v1+ with one Timestamp
/// and Offset. Defaults of fields a version lacks: ThrottleTimeMs 0 (v0–1), OldStyleOffsets empty (v1+), Timestamp and
/// Offset -1 (v0), LeaderEpoch -1 (v0–3).
/// </summary>
public sealed record ListOffsetsResponseData(IReadOnlyList<ListOffsetsResponseData.ListOffsetsTopicResponse> Topics, int ThrottleTimeMs = 0)
    : IKafkaResponse
{
    public sealed record ListOffsetsTopicResponse(string Name, IReadOnlyList<ListOffsetsPartitionResponse> Partitions);

    public sealed record ListOffsetsPartitionResponse(
        int PartitionIndex,
        ErrorCode ErrorCode,
        long Timestamp = -1,
        long Offset = -1,
        int LeaderEpoch = -1,
        IReadOnlyList<long>? OldStyleOffsets = null)
    {
        /// <summary>Never null: only v0 carries offsets here, every later version leaves it empty.</summary>
        public IReadOnlyList<long> OldStyleOffsets { get; init; } = OldStyleOffsets ?? [];
    }

    public static ListOffsetsResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.ListOffsets, version);
        var throttle = version >= 2 ? r.Int32() : 0;
        var topics = r.Array((ref KafkaReader t) =>
        {
            var name = t.String(flexible);
            var partitions = t.Array((ref KafkaReader p) =>
            {
                var index = p.Int32();
                var error = (ErrorCode)p.Int16();
                IReadOnlyList<long> oldStyle = version == 0 ? p.Array((ref KafkaReader o) => o.Int64(), flexible) : [];
                var timestamp = version >= 1 ? p.Int64() : -1;
                var offset = version >= 1 ? p.Int64() : -1;
                var leaderEpoch = version >= 4 ? p.Int32() : -1;
                p.TaggedFields(flexible);
                return new ListOffsetsPartitionResponse(index, error, timestamp, offset, leaderEpoch, oldStyle);
            }, flexible);
            t.TaggedFields(flexible);
            return new ListOffsetsTopicResponse(name, partitions);
        }, flexible);
        r.TaggedFields(flexible);
        return new ListOffsetsResponseData(topics, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.ListOffsets, version);
        if (version >= 2) w.Int32(ThrottleTimeMs);
        w.Array(Topics, (t, topic) => t
            .String(topic.Name, flexible)
            .Array(topic.Partitions, (p, partition) =>
            {
                p.Int32(partition.PartitionIndex).Int16((short)partition.ErrorCode);
                if (version == 0) p.Array(partition.OldStyleOffsets, (o, offset) => o.Int64(offset), flexible);
                if (version >= 1) p.Int64(partition.Timestamp).Int64(partition.Offset);
                if (version >= 4) p.Int32(partition.LeaderEpoch);
                p.TaggedFields(flexible);
            }, flexible)
            .TaggedFields(flexible), flexible);
        w.TaggedFields(flexible);
    }
}
