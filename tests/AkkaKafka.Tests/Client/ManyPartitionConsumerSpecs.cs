using System.Diagnostics;
using System.Text;
using Akka.Configuration;
using AkkaKafka.Broker.Http;
using AkkaKafka.Client;
using AkkaKafka.Client.Consumer;
using AkkaKafka.Client.Producer;
using AkkaKafka.Protocol;
using AkkaKafka.Tests.MultiNode;
using AkkaKafka.Tests.MultiNode.Support;
using AkkaKafka.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.Client;

/// <summary>
/// A consumer of a topic with many partitions fetches them as Kafka's consumer does: one Fetch per broker for all the
/// partitions it owns (and one ListOffsets per broker to find where they start), never a request per partition, which
/// flooded remoting until the broker's heartbeats were late and the client was quarantined. CI reads 2,000 partitions;
/// AKKAKAFKA_MANY_PARTITIONS=10000 is the case (10,000 partitions, 30,000 records), whose time goes in the README.
/// </summary>
[Collection(MultiNodeCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class ManyPartitionConsumerSpecs(ITestOutputHelper output)
{
    private const int RecordsPerPartition = 3;
    private static readonly TimeSpan Within = TimeSpan.FromMinutes(3);

    private static readonly Config ClientConfig = QuietClient.Config;

    private static int Partitions => int.TryParse(Environment.GetEnvironmentVariable("AKKAKAFKA_MANY_PARTITIONS"), out var n) && n > 0 ? n : 2000;

    [Fact]
    public async Task A_consumer_reads_every_record_of_thousands_of_partitions_with_a_handful_of_fetches()
    {
        await using var cluster = await ClusterFixture.StartAsync(1, output);
        await using var connection = ClusterConnection.Create(cluster.Addresses, ClientConfig);
        var admin = new AdminClient(connection);
        Assert.True((await admin.CreateTopicAsync("wide", Partitions)).IsSuccess);
        await using (var producer = new Producer(connection, Acks.All))
        {
            var sends = new List<Task<RecordMetadata>>();
            for (var r = 0; r < RecordsPerPartition; r++)
                for (var p = 0; p < Partitions; p++)
                    sends.Add(producer.SendAsync(new ProducerRecord("wide", Encoding.UTF8.GetBytes($"{p}/{r}"), Partition: p)));
            await Task.WhenAll(sends).WaitAsync(Within);
        }
        var metrics = BrokerMetrics.For(cluster.Node(1).System);
        var fetchesBefore = metrics.RequestsReceived("fetch", BrokerMetrics.AkkaListener);

        var clock = Stopwatch.StartNew();
        await using var consumer = new Consumer(connection);
        await consumer.AssignAsync("wide", new StartPosition.Earliest()).WaitAsync(Within);
        var read = new HashSet<(int Partition, long Offset)>();
        using var deadline = new CancellationTokenSource(Within);
        await foreach (var record in consumer.ReadAllAsync(deadline.Token))
        {
            Assert.True(read.Add((record.Partition, record.Offset)), $"read twice: {record.Partition}@{record.Offset}");
            Assert.Equal($"{record.Partition}/{record.Offset}", Encoding.UTF8.GetString(record.Value!));
            if (read.Count == Partitions * RecordsPerPartition) break;
        }
        var fetches = metrics.RequestsReceived("fetch", BrokerMetrics.AkkaListener) - fetchesBefore;
        output.WriteLine($"{Partitions} partitions: read {read.Count} records in {clock.Elapsed.TotalSeconds:0.0} s with {fetches} fetch requests");

        Assert.Equal(Partitions * RecordsPerPartition, read.Count);
        // A request per partition was the old way; per broker, a few rounds of one or two requests each.
        Assert.InRange(fetches, 1, Partitions / 20);
    }
}
