namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>
/// Fetch v0–11 (flexible from v12; topic ids from v13, which we never advertise). The listener answers v0–3
/// UNSUPPORTED_VERSION but they parse here. Names follow Kafka's current schema. Defaults of fields a version lacks:
/// MaxBytes int.MaxValue (v0–2), IsolationLevel 0 = read uncommitted (v0–3), SessionId 0 and SessionEpoch -1 = no fetch
/// session (v0–6), ForgottenTopicsData empty (v0–6), RackId "" (v0–10); per partition CurrentLeaderEpoch -1 (v0–8),
/// LogStartOffset -1 (v0–4).
/// </summary>
public sealed record FetchRequestData(
    int ReplicaId,
    int MaxWaitMs,
    int MinBytes,
    IReadOnlyList<FetchRequestData.FetchTopic> Topics,
    int MaxBytes = int.MaxValue,
    sbyte IsolationLevel = 0,
    int SessionId = 0,
    int SessionEpoch = -1,
    IReadOnlyList<FetchRequestData.ForgottenTopic>? ForgottenTopicsData = null,
    string RackId = "") : IKafkaRequest
{
    public sealed record FetchTopic(string Topic, IReadOnlyList<FetchPartition> Partitions);

    public sealed record FetchPartition(int Partition, long FetchOffset, int PartitionMaxBytes, int CurrentLeaderEpoch = -1, long LogStartOffset = -1);

    /// <summary>In an incremental fetch (v7+), partitions the client drops from its session.</summary>
    public sealed record ForgottenTopic(string Topic, IReadOnlyList<int> Partitions);

    /// <summary>Never null: a fetch that forgets nothing (and every version before 7) has an empty list.</summary>
    public IReadOnlyList<ForgottenTopic> ForgottenTopicsData { get; init; } = ForgottenTopicsData ?? [];

    public ApiKey ApiKey => ApiKey.Fetch;

    public static FetchRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.Fetch, version);
        var replicaId = r.Int32();
        var maxWait = r.Int32();
        var minBytes = r.Int32();
        var maxBytes = version >= 3 ? r.Int32() : int.MaxValue;
        var isolation = version >= 4 ? r.Int8() : (sbyte)0;
        var sessionId = version >= 7 ? r.Int32() : 0;
        var sessionEpoch = version >= 7 ? r.Int32() : -1;
        var topics = r.Array((ref KafkaReader t) =>
        {
            var name = t.String(flexible);
            var partitions = t.Array((ref KafkaReader p) =>
            {
                var index = p.Int32();
                var leaderEpoch = version >= 9 ? p.Int32() : -1;
                var fetchOffset = p.Int64();
                var logStart = version >= 5 ? p.Int64() : -1;
                var partitionMaxBytes = p.Int32();
                p.TaggedFields(flexible);
                return new FetchPartition(index, fetchOffset, partitionMaxBytes, leaderEpoch, logStart);
            }, flexible);
            t.TaggedFields(flexible);
            return new FetchTopic(name, partitions);
        }, flexible);
        IReadOnlyList<ForgottenTopic> forgotten = version >= 7
            ? r.Array((ref KafkaReader f) =>
            {
                var topic = new ForgottenTopic(f.String(flexible), f.Array((ref KafkaReader i) => i.Int32(), flexible));
                f.TaggedFields(flexible);
                return topic;
            }, flexible)
            : [];
        var rackId = version >= 11 ? r.String(flexible) : "";
        r.TaggedFields(flexible);
        return new FetchRequestData(replicaId, maxWait, minBytes, topics, maxBytes, isolation, sessionId, sessionEpoch, forgotten, rackId);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.Fetch, version);
        w.Int32(ReplicaId).Int32(MaxWaitMs).Int32(MinBytes);
        if (version >= 3) w.Int32(MaxBytes);
        if (version >= 4) w.Int8(IsolationLevel);
        if (version >= 7) w.Int32(SessionId).Int32(SessionEpoch);
        w.Array(Topics, (t, topic) => t
            .String(topic.Topic, flexible)
            .Array(topic.Partitions, (p, partition) =>
            {
                p.Int32(partition.Partition);
                if (version >= 9) p.Int32(partition.CurrentLeaderEpoch);
                p.Int64(partition.FetchOffset);
                if (version >= 5) p.Int64(partition.LogStartOffset);
                p.Int32(partition.PartitionMaxBytes).TaggedFields(flexible);
            }, flexible)
            .TaggedFields(flexible), flexible);
        if (version >= 7)
            w.Array(ForgottenTopicsData, (f, topic) => f
                .String(topic.Topic, flexible)
                .Array(topic.Partitions, (i, index) => i.Int32(index), flexible)
                .TaggedFields(flexible), flexible);
        if (version >= 11) w.String(RackId, flexible);
        w.TaggedFields(flexible);
    }
}

/// <summary>
/// Records per partition, as stored bytes (whole batches; a slice of the response buffer when read, never copied).
/// Defaults of fields a version lacks: ThrottleTimeMs 0 (v0), ErrorCode none and SessionId 0 (v0–6); per partition
/// LastStableOffset -1 (v0–3), LogStartOffset -1 (v0–4), AbortedTransactions null (v0–3; in v4+ null and empty both
/// exist on the wire), PreferredReadReplica -1 = fetch from the leader (v0–10).
/// </summary>
public sealed record FetchResponseData(
    IReadOnlyList<FetchResponseData.FetchableTopicResponse> Responses,
    int ThrottleTimeMs = 0,
    ErrorCode ErrorCode = ErrorCode.None,
    int SessionId = 0) : IKafkaResponse
{
    public sealed record FetchableTopicResponse(string Topic, IReadOnlyList<PartitionData> Partitions);

    public sealed record PartitionData(
        int PartitionIndex,
        ErrorCode ErrorCode,
        long HighWatermark,
        ReadOnlyMemory<byte>? Records,
        long LastStableOffset = -1,
        long LogStartOffset = -1,
        IReadOnlyList<AbortedTransaction>? AbortedTransactions = null,
        int PreferredReadReplica = -1);

    public sealed record AbortedTransaction(long ProducerId, long FirstOffset);

    public static FetchResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.Fetch, version);
        var throttle = version >= 1 ? r.Int32() : 0;
        var error = version >= 7 ? (ErrorCode)r.Int16() : ErrorCode.None;
        var sessionId = version >= 7 ? r.Int32() : 0;
        var responses = r.Array((ref KafkaReader t) =>
        {
            var topic = t.String(flexible);
            var partitions = t.Array((ref KafkaReader p) => ReadPartition(ref p, version, flexible), flexible);
            t.TaggedFields(flexible);
            return new FetchableTopicResponse(topic, partitions);
        }, flexible);
        r.TaggedFields(flexible);
        return new FetchResponseData(responses, throttle, error, sessionId);
    }

    private static PartitionData ReadPartition(ref KafkaReader p, short version, bool flexible)
    {
        var index = p.Int32();
        var error = (ErrorCode)p.Int16();
        var highWatermark = p.Int64();
        var lastStable = version >= 4 ? p.Int64() : -1;
        var logStart = version >= 5 ? p.Int64() : -1;
        var aborted = version >= 4
            ? p.NullableArray((ref KafkaReader a) =>
            {
                var transaction = new AbortedTransaction(a.Int64(), a.Int64());
                a.TaggedFields(flexible);
                return transaction;
            }, flexible)
            : null;
        var preferred = version >= 11 ? p.Int32() : -1;
        var records = p.NullableBytes(flexible);
        p.TaggedFields(flexible);
        return new PartitionData(index, error, highWatermark, records, lastStable, logStart, aborted, preferred);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.Fetch, version);
        if (version >= 1) w.Int32(ThrottleTimeMs);
        if (version >= 7) w.Int16((short)ErrorCode).Int32(SessionId);
        w.Array(Responses, (t, topic) => t
            .String(topic.Topic, flexible)
            .Array(topic.Partitions, (p, partition) =>
            {
                p.Int32(partition.PartitionIndex).Int16((short)partition.ErrorCode).Int64(partition.HighWatermark);
                if (version >= 4) p.Int64(partition.LastStableOffset);
                if (version >= 5) p.Int64(partition.LogStartOffset);
                if (version >= 4)
                    p.NullableArray(partition.AbortedTransactions,
                        (a, tx) => a.Int64(tx.ProducerId).Int64(tx.FirstOffset).TaggedFields(flexible), flexible);
                if (version >= 11) p.Int32(partition.PreferredReadReplica);
                p.NullableBytes(partition.Records, flexible).TaggedFields(flexible);
            }, flexible)
            .TaggedFields(flexible), flexible);
        w.TaggedFields(flexible);
    }
}
