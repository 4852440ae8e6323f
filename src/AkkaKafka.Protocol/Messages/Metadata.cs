namespace AkkaKafka.Protocol.Messages;

/// <summary>A broker node as the controller sees it. <see cref="Id"/> is "host:port" of its remoting endpoint.</summary>
public sealed record BrokerInfo(string Id, string Status, int AgeRank);

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
    IReadOnlyList<PartitionAssignment> Partitions)
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
}

/// <summary>Published by the ZookeeperActor on every change (and periodically) to every broker node.</summary>
public sealed record MetadataPublished(ClusterMetadata Metadata) : IAkkaKafkaMessage;
