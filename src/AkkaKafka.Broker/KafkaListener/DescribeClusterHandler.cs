using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using static AkkaKafka.Protocol.Kafka.Apis.DescribeClusterResponseData;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// Kafka DescribeCluster, from the same metadata as Metadata and in its terms: the cluster id, the controller's node id
/// and every broker with an endpoint on the listener the request came by (see <see cref="KafkaNode.EndpointOf"/>).
/// There are no controller endpoints apart from the brokers (no KRaft quorum): asking for them is Kafka's
/// MISMATCHED_ENDPOINT_TYPE, as a Kafka broker answers.
/// </summary>
internal static class DescribeClusterHandler
{
    /// <summary>Kafka's cluster operations (bits of the ACL operation codes): everything, for a cluster that does not authorize.</summary>
    public const int AllClusterOperations = 1 << 5 | 1 << 7 | 1 << 8 | 1 << 9 | 1 << 10 | 1 << 11 | 1 << 12;

    public static async Task<DescribeClusterResponseData> HandleAsync(KafkaNode node, KafkaRequestContext context, DescribeClusterRequestData request)
    {
        if (request.EndpointType != DescribeClusterRequestData.Brokers)
            return new DescribeClusterResponseData(ErrorCode.MismatchedEndpointType, "this cluster has no controller endpoints apart from its brokers: ask for the brokers (endpoint type 1)",
                MetadataHandler.ClusterId, -1, [], EndpointType: request.EndpointType);
        var metadata = await node.MetadataAsync();
        // As Metadata: a broker that has not heard from a controller yet knows no broker; it does not answer "none".
        if (metadata.Version == Protocol.Messages.ClusterMetadata.Empty.Version) throw new BrokerNotReadyException();
        var brokers = metadata.Brokers
            .Select(b => KafkaNode.EndpointOf(metadata, b.Id, context.Listener))
            .OfType<(int NodeId, HostPort Endpoint)>()
            .OrderBy(b => b.NodeId)
            .Select(b => new DescribeClusterBroker(b.NodeId, b.Endpoint.Host, b.Endpoint.Port))
            .ToList();
        return new DescribeClusterResponseData(ErrorCode.None, null, MetadataHandler.ClusterId, MetadataHandler.ControllerNodeId(node, context.Listener, metadata), brokers,
            request.IncludeClusterAuthorizedOperations ? AllClusterOperations : OperationsNotAsked, request.EndpointType);
    }
}
