using AkkaKafka.Broker.Hosting;
using AkkaKafka.Broker.Node;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// What every Kafka handler needs to know about this broker: how to ask its actors, its settings, its remoting id
/// (to find its own Kafka node id in the metadata), and the cluster metadata in Kafka's terms.
/// </summary>
public sealed class KafkaNode(BrokerGateway broker, BrokerSettings settings, KafkaListenerSettings kafka, string selfId)
{
    /// <summary>Kafka metadata requests are frequent and cheap for clients; a slow controller must not stall them long.</summary>
    private static readonly TimeSpan ControllerMetadataTimeout = TimeSpan.FromSeconds(5);

    public BrokerGateway Broker => broker;
    public BrokerSettings Settings => settings;
    public KafkaListenerSettings Kafka => kafka;
    public string SelfId => selfId;

    /// <summary>
    /// The controller's newest metadata (creating the named topics when <paramref name="autoCreate"/> and the brokers
    /// allow it); when the controller does not answer in time (it is failing over), this node's cached copy.
    /// </summary>
    public async Task<ClusterMetadata> MetadataAsync(IReadOnlyList<string>? topics = null, bool autoCreate = false)
    {
        try
        {
            var response = await broker.Ask<MetadataResponse>(new GetMetadata(topics, autoCreate), ControllerMetadataTimeout);
            return response.Metadata;
        }
        catch (Exception e) when (e is TimeoutException or Akka.Actor.AskTimeoutException or TaskCanceledException)
        {
            return await CachedMetadataAsync();
        }
    }

    public Task<ClusterMetadata> CachedMetadataAsync() => broker.Ask<ClusterMetadata>(BrokerActor.GetCachedMetadata.Instance);

    /// <summary>This broker's Kafka node id in <paramref name="metadata"/>: the controller's assignment, or the explicit --broker-id.</summary>
    public int SelfNodeId(ClusterMetadata metadata) =>
        metadata.Broker(selfId)?.NodeId is { } id and not BrokerInfo.NoNodeId ? id : kafka.BrokerId ?? BrokerInfo.NoNodeId;

    /// <summary>The Kafka endpoint of a broker (by remoting id), when it has a listener and a node id.</summary>
    public static (int NodeId, HostPort Endpoint)? KafkaEndpointOf(ClusterMetadata metadata, string? brokerId)
    {
        if (brokerId is null || metadata.Broker(brokerId) is not { KafkaEndpoint: { } endpoint, NodeId: var nodeId } || nodeId == BrokerInfo.NoNodeId)
            return null;
        return (nodeId, HostPort.Parse(endpoint));
    }
}
