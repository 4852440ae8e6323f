namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>
/// Metadata v0–8 (flexible from v9). <see cref="Topics"/> null means "all topics": v1+ writes a null array for it; v0 has
/// no null array and means "all" by an empty one, so an empty v0 array reads back as null (and null is written empty).
/// Defaults of fields a version lacks: AllowAutoTopicCreation true (v0–3 brokers always auto-created), the
/// authorized-operations flags false.
/// </summary>
public sealed record MetadataRequestData(
    IReadOnlyList<MetadataRequestData.MetadataRequestTopic>? Topics,
    bool AllowAutoTopicCreation = true,
    bool IncludeClusterAuthorizedOperations = false,
    bool IncludeTopicAuthorizedOperations = false) : IKafkaRequest
{
    public sealed record MetadataRequestTopic(string Name);

    public ApiKey ApiKey => ApiKey.Metadata;

    public static MetadataRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.Metadata, version);
        var topics = r.NullableArray((ref KafkaReader e) =>
        {
            var topic = new MetadataRequestTopic(e.String(flexible));
            e.TaggedFields(flexible);
            return topic;
        }, flexible);
        if (version == 0 && topics is { Count: 0 }) topics = null;
        var allowAutoCreate = version < 4 || r.Boolean();
        var clusterOps = version >= 8 && r.Boolean();
        var topicOps = version >= 8 && r.Boolean();
        r.TaggedFields(flexible);
        return new MetadataRequestData(topics, allowAutoCreate, clusterOps, topicOps);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.Metadata, version);
        var topics = version == 0 ? Topics ?? [] : Topics;
        w.NullableArray(topics, (e, t) => e.String(t.Name, flexible).TaggedFields(flexible), flexible);
        if (version >= 4) w.Boolean(AllowAutoTopicCreation);
        if (version >= 8) w.Boolean(IncludeClusterAuthorizedOperations).Boolean(IncludeTopicAuthorizedOperations);
        w.TaggedFields(flexible);
    }
}

/// <summary>
/// The cluster as a client sees it. Defaults of fields a version lacks: ThrottleTimeMs 0 (v0–2), Rack null (v0),
/// ClusterId null (v0–1), ControllerId -1 (v0), IsInternal false (v0), LeaderEpoch -1 (v0–6), OfflineReplicas empty
/// (v0–4), authorized operations int.MinValue (Kafka's "not requested", v0–7).
/// </summary>
public sealed record MetadataResponseData(
    IReadOnlyList<MetadataResponseData.MetadataResponseBroker> Brokers,
    IReadOnlyList<MetadataResponseData.MetadataResponseTopic> Topics,
    string? ClusterId = null,
    int ControllerId = -1,
    int ThrottleTimeMs = 0,
    int ClusterAuthorizedOperations = int.MinValue) : IKafkaResponse
{
    public sealed record MetadataResponseBroker(int NodeId, string Host, int Port, string? Rack = null);

    public sealed record MetadataResponseTopic(
        ErrorCode ErrorCode,
        string Name,
        IReadOnlyList<MetadataResponsePartition> Partitions,
        bool IsInternal = false,
        int TopicAuthorizedOperations = int.MinValue);

    public sealed record MetadataResponsePartition(
        ErrorCode ErrorCode,
        int PartitionIndex,
        int LeaderId,
        IReadOnlyList<int> ReplicaNodes,
        IReadOnlyList<int> IsrNodes,
        IReadOnlyList<int> OfflineReplicas,
        int LeaderEpoch = -1);

    public static MetadataResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.Metadata, version);
        var throttle = version >= 3 ? r.Int32() : 0;
        var brokers = r.Array((ref KafkaReader e) =>
        {
            var broker = new MetadataResponseBroker(e.Int32(), e.String(flexible), e.Int32(), version >= 1 ? e.NullableString(flexible) : null);
            e.TaggedFields(flexible);
            return broker;
        }, flexible);
        var clusterId = version >= 2 ? r.NullableString(flexible) : null;
        var controllerId = version >= 1 ? r.Int32() : -1;
        var topics = r.Array((ref KafkaReader t) => ReadTopic(ref t, version, flexible), flexible);
        var clusterOps = version >= 8 ? r.Int32() : int.MinValue;
        r.TaggedFields(flexible);
        return new MetadataResponseData(brokers, topics, clusterId, controllerId, throttle, clusterOps);
    }

    private static MetadataResponseTopic ReadTopic(ref KafkaReader r, short version, bool flexible)
    {
        var error = (ErrorCode)r.Int16();
        var name = r.String(flexible);
        var isInternal = version >= 1 && r.Boolean();
        var partitions = r.Array((ref KafkaReader p) =>
        {
            var partitionError = (ErrorCode)p.Int16();
            var index = p.Int32();
            var leader = p.Int32();
            var epoch = version >= 7 ? p.Int32() : -1;
            var replicas = p.Array(Int32, flexible);
            var isr = p.Array(Int32, flexible);
            var offline = version >= 5 ? p.Array(Int32, flexible) : [];
            p.TaggedFields(flexible);
            return new MetadataResponsePartition(partitionError, index, leader, replicas, isr, offline, epoch);
        }, flexible);
        var topicOps = version >= 8 ? r.Int32() : int.MinValue;
        r.TaggedFields(flexible);
        return new MetadataResponseTopic(error, name, partitions, isInternal, topicOps);
    }

    private static int Int32(ref KafkaReader r) => r.Int32();

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.Metadata, version);
        if (version >= 3) w.Int32(ThrottleTimeMs);
        w.Array(Brokers, (e, b) =>
        {
            e.Int32(b.NodeId).String(b.Host, flexible).Int32(b.Port);
            if (version >= 1) e.NullableString(b.Rack, flexible);
            e.TaggedFields(flexible);
        }, flexible);
        if (version >= 2) w.NullableString(ClusterId, flexible);
        if (version >= 1) w.Int32(ControllerId);
        w.Array(Topics, (e, t) =>
        {
            e.Int16((short)t.ErrorCode).String(t.Name, flexible);
            if (version >= 1) e.Boolean(t.IsInternal);
            e.Array(t.Partitions, (pw, p) =>
            {
                pw.Int16((short)p.ErrorCode).Int32(p.PartitionIndex).Int32(p.LeaderId);
                if (version >= 7) pw.Int32(p.LeaderEpoch);
                pw.Array(p.ReplicaNodes, (x, n) => x.Int32(n), flexible).Array(p.IsrNodes, (x, n) => x.Int32(n), flexible);
                if (version >= 5) pw.Array(p.OfflineReplicas, (x, n) => x.Int32(n), flexible);
                pw.TaggedFields(flexible);
            }, flexible);
            if (version >= 8) e.Int32(t.TopicAuthorizedOperations);
            e.TaggedFields(flexible);
        }, flexible);
        if (version >= 8) w.Int32(ClusterAuthorizedOperations);
        w.TaggedFields(flexible);
    }
}
