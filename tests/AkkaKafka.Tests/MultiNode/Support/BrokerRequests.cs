using System.Text;
using Akka.Actor;
using AkkaKafka.Broker.Hosting;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Tests.MultiNode.Support;

/// <summary>A record as a spec sees it: where it is and what it says.</summary>
public readonly record struct StoredRecord(long Offset, string Value);

/// <summary>
/// The broker protocol spoken directly to one node's BrokerActor (/user/broker), as a ClusterClient would,
/// so a spec can choose which node a request enters the cluster through.
/// </summary>
public static class BrokerRequests
{
    /// <summary>
    /// Longer than any answer a healthy cluster needs; short enough that a request sent to a node that just died
    /// (while others still route to it) fails quickly and can be tried again.
    /// </summary>
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);

    private const string ClientId = "multinode-spec";

    public static Task<TopicCommandResult> CreateTopicAsync(this BrokerNode node, string topic, int partitions) =>
        node.Broker.Ask<TopicCommandResult>(new CreateTopic(topic, partitions), AskTimeout);

    /// <summary>The controller's metadata, asked through this node.</summary>
    public static async Task<ClusterMetadata> MetadataAsync(this BrokerNode node) =>
        (await node.Broker.Ask<MetadataResponse>(new GetMetadata(), AskTimeout)).Metadata;

    public static Task<ClusterStatus> ClusterStatusAsync(this BrokerNode node) =>
        node.Broker.Ask<ClusterStatus>(GetClusterStatus.Instance, AskTimeout);

    /// <summary>Appends one batch holding <paramref name="values"/> (UTF-8) with acks=all.</summary>
    public static Task<ProduceResponse> ProduceAsync(this BrokerNode node, string topic, int partition, params string[] values)
    {
        var builder = new RecordBatchBuilder();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var value in values) builder.Add(now, null, Encoding.UTF8.GetBytes(value));
        return node.Broker.Ask<ProduceResponse>(new ProduceRequest(topic, partition, builder.Build(), Acks.All, ClientId), AskTimeout);
    }

    public static Task<FetchResponse> FetchAsync(this BrokerNode node, string topic, int partition, long offset) =>
        node.Broker.Ask<FetchResponse>(new FetchRequest(topic, partition, offset, MaxBytes: 1024 * 1024, MaxWaitMs: 0, ClientId), AskTimeout);

    public static Task<ListOffsetsResponse> LogEndOffsetAsync(this BrokerNode node, string topic, int partition) =>
        node.Broker.Ask<ListOffsetsResponse>(new ListOffsetsRequest(topic, partition, ListOffsetsRequest.Latest), AskTimeout);

    /// <summary>Every record of the partition from offset 0 to its high watermark, fetched through this node.</summary>
    public static async Task<IReadOnlyList<StoredRecord>> ReadPartitionAsync(this BrokerNode node, string topic, int partition)
    {
        var records = new List<StoredRecord>();
        long next = 0;
        while (true)
        {
            var response = await node.FetchAsync(topic, partition, next);
            if (response.Error != ErrorCode.None)
                throw new InvalidOperationException($"fetch {topic}-{partition} at {next}: {response.Error} {response.ErrorMessage}");
            if (next >= response.HighWatermark) return records;
            var before = records.Count;
            foreach (var record in RecordBatches.ReadRecords(response.Records).Where(r => r.Offset >= next))
                records.Add(new StoredRecord(record.Offset, Encoding.UTF8.GetString(record.Value ?? [])));
            if (records.Count == before)
                throw new InvalidOperationException($"fetch {topic}-{partition} at {next} returned no records below the high watermark {response.HighWatermark}");
            next = records[^1].Offset + 1;
        }
    }

    /// <summary>Partition number → owning broker id (null while unassigned).</summary>
    public static IReadOnlyDictionary<int, string?> Owners(this ClusterMetadata metadata, string topic) =>
        (metadata.Topic(topic) ?? throw new InvalidOperationException($"metadata has no topic '{topic}'"))
        .Partitions.ToDictionary(p => p.Partition, p => p.Owner);
}
