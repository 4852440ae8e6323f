using AkkaKafka.Broker.Controller;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using static AkkaKafka.Protocol.Kafka.Apis.MetadataResponseData;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// Kafka Metadata from the controller's metadata: brokers are those with an endpoint on the listener the request
/// came by (node id, host and port: see <see cref="KafkaNode.EndpointOf"/>); each partition's leader is its owner, which is also its only replica and in-sync replica —
/// durability is the shared journal's, not copies on other brokers.
/// </summary>
internal static class MetadataHandler
{
    /// <summary>Kafka clients show the cluster id; brokers of one AkkaKafka cluster all give the same one.</summary>
    public const string ClusterId = "akkakafka";

    public static async Task<MetadataResponseData> HandleAsync(KafkaNode node, KafkaRequestContext context, MetadataRequestData request)
    {
        var names = request.Topics?.Select(t => t.Name).Distinct(StringComparer.Ordinal).ToList();
        var invalid = names?.Where(n => ControllerState.ValidateTopicName(n) is not null).ToHashSet(StringComparer.Ordinal) ?? [];
        var valid = names?.Where(n => !invalid.Contains(n)).ToList();
        var metadata = await node.MetadataAsync(valid, autoCreate: request.AllowAutoTopicCreation && valid is { Count: > 0 } && node.Settings.AutoCreateTopics);
        // A broker that has not heard from a controller yet (just started, not yet in the cluster) knows no broker and
        // no topic. Saying so tells a client that its topics are gone (librdkafka fails their queued records with
        // "Unknown topic") and that the other brokers left (librdkafka >= 2.10 then drops its connections to them and
        // fails what was in flight there as not persisted, though it may have been written). Kafka's brokers serve
        // nothing before they have caught up with the metadata; this one closes the connection, and the client asks
        // another broker.
        if (metadata.Version == ClusterMetadata.Empty.Version) throw new BrokerNotReadyException();
        // v8-10 carry the cluster's authorized operations when asked (librdkafka's describeCluster asks them here):
        // everything, unless authorization (RequestAuthorization) narrows it to the user's.
        return Build(node, context.Listener, metadata, names, invalid) with
        {
            ClusterAuthorizedOperations = request.IncludeClusterAuthorizedOperations ? DescribeClusterHandler.AllClusterOperations : int.MinValue,
        };
    }

    public static MetadataResponseData Build(KafkaNode node, string listener, ClusterMetadata metadata, IReadOnlyList<string>? names, IReadOnlySet<string> invalid)
    {
        var brokers = metadata.Brokers
            .Select(b => KafkaNode.EndpointOf(metadata, b.Id, listener))
            .OfType<(int NodeId, HostPort Endpoint)>()
            .Select(b => new MetadataResponseBroker(b.NodeId, b.Endpoint.Host, b.Endpoint.Port))
            .ToList();
        var topics = names is null
            ? metadata.Topics.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => Topic(metadata, t, listener)).ToList()
            : names.Select(n => invalid.Contains(n)
                ? new MetadataResponseTopic(ErrorCode.InvalidTopic, n, [])
                : metadata.Topic(n) is { } t ? Topic(metadata, t, listener) : new MetadataResponseTopic(ErrorCode.UnknownTopicOrPartition, n, [])).ToList();
        var controller = ControllerNodeId(node, listener, metadata);
        return new MetadataResponseData(brokers, topics, ClusterId, controller);
    }

    /// <summary>
    /// The controller's node id as Kafka clients should see it: Kafka clients send CreateTopics and DeleteTopics to the
    /// controller; any broker here hands them to the controller actor, so when the controller has no endpoint on this
    /// listener this broker stands in for it.
    /// </summary>
    public static int ControllerNodeId(KafkaNode node, string listener, ClusterMetadata metadata) =>
        KafkaNode.EndpointOf(metadata, metadata.Controller, listener)?.NodeId ?? node.SelfNodeId(metadata);

    private static MetadataResponseTopic Topic(ClusterMetadata metadata, TopicMetadata topic, string listener)
    {
        var partitions = topic.Partitions.Select(p =>
        {
            if (KafkaNode.EndpointOf(metadata, p.Owner, listener) is not { } leader)
                return new MetadataResponsePartition(ErrorCode.LeaderNotAvailable, p.Partition, -1, [], [], [], -1);
            var epoch = (int)Math.Min(p.Epoch, int.MaxValue);
            return new MetadataResponsePartition(ErrorCode.None, p.Partition, leader.NodeId, [leader.NodeId], [leader.NodeId], [], epoch);
        }).ToList();
        return new MetadataResponseTopic(ErrorCode.None, topic.Name, partitions, IsInternal: InternalTopics.IsInternal(topic.Name));
    }
}

/// <summary>The broker has no metadata yet to answer a Metadata request with: its Kafka connection closes, quietly.</summary>
internal sealed class BrokerNotReadyException() : Exception("this broker has not yet learned the cluster's metadata");
