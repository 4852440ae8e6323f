namespace AkkaKafka.Protocol.Messages;

/// <summary>
/// A broker node as the controller sees it. <see cref="Id"/> is "host:port" of its remoting endpoint.
/// <see cref="NodeId"/> is its Kafka node id (int32, stable across restarts, <see cref="NoNodeId"/> until the controller
/// has given it one) and <see cref="KafkaEndpoint"/> the advertised "host:port" of its Kafka listener (null: none).
/// </summary>
public sealed record BrokerInfo(string Id, string Status, int AgeRank, int NodeId = BrokerInfo.NoNodeId, string? KafkaEndpoint = null)
{
    /// <summary>Kafka's "no node" (as in Metadata's controllerId when there is none).</summary>
    public const int NoNodeId = -1;
}

/// <summary>
/// Where a partition lives. <see cref="Epoch"/> grows with every change of owner, across controller changes,
/// so a broker that still acts on an older assignment can be told apart (fenced).
/// </summary>
public sealed record PartitionAssignment(int Partition, string? Owner, long Epoch);

/// <summary>
/// A topic and where its partitions live. <see cref="TopicId"/> tells incarnations of one name apart, so a topic
/// deleted and created again never sees the old topic's records (it is part of each partition's persistence id).
/// </summary>
public sealed record TopicMetadata(
    string Name,
    long TopicId,
    int PartitionCount,
    long RetentionMs,
    long RetentionBytes,
    IReadOnlyList<PartitionAssignment> Partitions,
    Records.TimestampType TimestampType = Records.TimestampType.CreateTime)
{
    public PartitionAssignment? Partition(int partition) =>
        partition >= 0 && partition < Partitions.Count ? Partitions[partition] : null;
}

/// <summary>
/// Everything a node or client needs to route a request: topics, their partitions' owners, live brokers and the
/// controller (the oldest broker, where the ZookeeperActor singleton runs). <see cref="Version"/> only grows.
/// </summary>
public sealed record ClusterMetadata(
    long Version,
    string? Controller,
    IReadOnlyList<BrokerInfo> Brokers,
    IReadOnlyList<TopicMetadata> Topics) : IAkkaKafkaMessage
{
    public static readonly ClusterMetadata Empty = new(0, null, [], []);

    public TopicMetadata? Topic(string name)
    {
        foreach (var t in Topics)
            if (t.Name == name) return t;
        return null;
    }

    /// <summary>The broker with this remoting id ("host:port"), or null.</summary>
    public BrokerInfo? Broker(string id)
    {
        foreach (var b in Brokers)
            if (b.Id == id) return b;
        return null;
    }

    /// <summary>The broker with this Kafka node id, or null.</summary>
    public BrokerInfo? BrokerByNodeId(int nodeId)
    {
        if (nodeId == BrokerInfo.NoNodeId) return null;
        foreach (var b in Brokers)
            if (b.NodeId == nodeId) return b;
        return null;
    }

    /// <summary>The controller's Kafka node id (Kafka Metadata's controllerId), or <see cref="BrokerInfo.NoNodeId"/>.</summary>
    public int ControllerNodeId => Controller is null ? BrokerInfo.NoNodeId : Broker(Controller)?.NodeId ?? BrokerInfo.NoNodeId;
}

/// <summary>Published by the ZookeeperActor on every change (and periodically) to every broker node.</summary>
public sealed record MetadataPublished(ClusterMetadata Metadata) : IAkkaKafkaMessage;
