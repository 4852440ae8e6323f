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

    /// <summary>
    /// A broker's endpoint (by remoting id) on <paramref name="listener"/>, when it has one there and a node id. As
    /// Kafka's brokers answer with the endpoints of the listener a request came in on: on the Kafka listener its
    /// advertised Kafka host and port (none for a broker started without one), on the Akka transport its remoting
    /// host and port, which is where an Akka client sends it requests. The node ids are the same on both.
    /// </summary>
    public static (int NodeId, HostPort Endpoint)? EndpointOf(ClusterMetadata metadata, string? brokerId, string listener)
    {
        if (brokerId is null || metadata.Broker(brokerId) is not { NodeId: var nodeId } broker || nodeId == BrokerInfo.NoNodeId) return null;
        var endpoint = listener == Http.BrokerMetrics.AkkaListener ? broker.Id : broker.KafkaEndpoint;
        return endpoint is null ? null : (nodeId, HostPort.Parse(endpoint));
    }
}
