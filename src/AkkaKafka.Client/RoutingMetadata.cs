using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Client;

/// <summary>
/// Where the Akka clients send their requests, learned with Kafka's Metadata request as any Kafka client learns it.
/// Sent over the Akka transport, the answer gives each broker's remoting host and port (Kafka's rule: a broker
/// answers with the endpoints of the listener the request came in on), so a partition's leader, by node id, is the
/// "host:port" of the BrokerActor that owns it, whether or not that broker has a Kafka listener.
/// </summary>
public static class RoutingMetadata
{
    /// <summary>The topics of the answer the user may not describe (TOPIC_AUTHORIZATION_FAILED), beside the metadata of the rest.</summary>
    public sealed record Answer(ClusterMetadata Metadata, IReadOnlyList<string> UnauthorizedTopics);

    /// <summary>
    /// Kafka's Metadata of <paramref name="topics"/> (null: every topic); <paramref name="autoCreate"/> is Kafka's
    /// allow_auto_topic_creation (the brokers create unknown topics if they auto-create and the user may create them).
    /// A broker that does not know the cluster yet refuses it (LEADER_NOT_AVAILABLE, retriable): it is asked again,
    /// through a live contact, until the timeout.
    /// </summary>
    public static async Task<Answer> AskAsync(ClusterConnection connection, IReadOnlyList<string>? topics, bool autoCreate, string clientId,
        TimeSpan? timeout = null, CancellationToken ct = default)
    {
        var request = new MetadataRequestData(topics?.Select(t => new MetadataRequestData.MetadataRequestTopic(t)).ToList(), autoCreate);
        return Of(await connection.ResendableKafkaAsync(request, clientId, MetadataResponseData.Read, timeout, ct));
    }

    /// <summary>
    /// The answer as the clients route by it: brokers by "host:port", each partition's owner (null while it has no
    /// leader). Kafka's Metadata has no topic id, retention or timestamp type (DescribeConfigs has the configs): they
    /// are left at their defaults here, and no client reads them from this.
    /// </summary>
    public static Answer Of(MetadataResponseData response)
    {
        var brokers = response.Brokers.Select(b => new BrokerInfo($"{b.Host}:{b.Port}", "Up", AgeRank: -1, b.NodeId)).ToList();
        var byNodeId = brokers.ToDictionary(b => b.NodeId, b => b.Id);
        var topics = response.Topics.Where(t => t.ErrorCode == ErrorCode.None)
            .Select(t => new TopicMetadata(t.Name, TopicId: 0, t.Partitions.Count, RetentionMs: -1, RetentionBytes: -1,
                t.Partitions.OrderBy(p => p.PartitionIndex)
                    .Select(p => new PartitionAssignment(p.PartitionIndex, p.ErrorCode == ErrorCode.None ? byNodeId.GetValueOrDefault(p.LeaderId) : null, p.LeaderEpoch))
                    .ToList()))
            .ToList();
        var unauthorized = response.Topics.Where(t => t.ErrorCode == ErrorCode.TopicAuthorizationFailed).Select(t => t.Name).ToList();
        // Version 1: an answer of a broker that knows the cluster (one that does not answers LEADER_NOT_AVAILABLE instead).
        return new Answer(new ClusterMetadata(1, byNodeId.GetValueOrDefault(response.ControllerId), brokers, topics), unauthorized);
    }
}
