namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>
/// DescribeCluster v0–1 (flexible from v0; v1 adds the endpoint type: 1 brokers, 2 controllers). What Kafka's admin
/// clients show as the cluster: its id, the controller's node id and the brokers.
/// </summary>
public sealed record DescribeClusterRequestData(bool IncludeClusterAuthorizedOperations, sbyte EndpointType = DescribeClusterRequestData.Brokers) : IKafkaRequest
{
    /// <summary>Kafka's endpoint types: the brokers (the only ones here), or KRaft's controller quorum.</summary>
    public const sbyte Brokers = 1, Controllers = 2;

    public ApiKey ApiKey => ApiKey.DescribeCluster;

    public static DescribeClusterRequestData Read(ref KafkaReader r, short version)
    {
        var include = r.Boolean();
        var endpointType = version >= 1 ? r.Int8() : Brokers;
        r.TaggedFields(true);
        return new DescribeClusterRequestData(include, endpointType);
    }

    public void Write(KafkaWriter w, short version)
    {
        w.Boolean(IncludeClusterAuthorizedOperations);
        if (version >= 1) w.Int8(EndpointType);
        w.TaggedFields(true);
    }
}

/// <summary>
/// The cluster as the broker asked sees it: each broker's endpoint on the listener the request came by, the
/// controller's node id (-1: none), and Kafka's "not asked" for the authorized operations unless they were asked for.
/// </summary>
public sealed record DescribeClusterResponseData(ErrorCode ErrorCode, string? ErrorMessage, string ClusterId, int ControllerId,
    IReadOnlyList<DescribeClusterResponseData.DescribeClusterBroker> Brokers, int ClusterAuthorizedOperations = DescribeClusterResponseData.OperationsNotAsked,
    sbyte EndpointType = DescribeClusterRequestData.Brokers, int ThrottleTimeMs = 0) : IKafkaResponse
{
    /// <summary>Kafka's int32 minimum: the authorized operations were not asked for.</summary>
    public const int OperationsNotAsked = int.MinValue;

    public sealed record DescribeClusterBroker(int BrokerId, string Host, int Port, string? Rack = null);

    public static DescribeClusterResponseData Read(ref KafkaReader r, short version)
    {
        var throttle = r.Int32();
        var error = (ErrorCode)r.Int16();
        var message = r.NullableString(true);
        var endpointType = version >= 1 ? r.Int8() : DescribeClusterRequestData.Brokers;
        var clusterId = r.String(true);
        var controller = r.Int32();
        var brokers = r.Array((ref KafkaReader b) =>
        {
            var broker = new DescribeClusterBroker(b.Int32(), b.String(true), b.Int32(), b.NullableString(true));
            b.TaggedFields(true);
            return broker;
        }, true);
        var operations = r.Int32();
        r.TaggedFields(true);
        return new DescribeClusterResponseData(error, message, clusterId, controller, brokers, operations, endpointType, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        w.Int32(ThrottleTimeMs).Int16((short)ErrorCode).NullableString(ErrorMessage, true);
        if (version >= 1) w.Int8(EndpointType);
        w.String(ClusterId, true).Int32(ControllerId);
        w.Array(Brokers, (b, broker) => b.Int32(broker.BrokerId).String(broker.Host, true).Int32(broker.Port).NullableString(broker.Rack, true).TaggedFields(true), true);
        w.Int32(ClusterAuthorizedOperations).TaggedFields(true);
    }
}
