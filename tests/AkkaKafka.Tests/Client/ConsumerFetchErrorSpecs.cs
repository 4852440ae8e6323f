using System.Collections.Concurrent;
using System.Text;
using Akka.Configuration;
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

/// <summary>A reader whose fetches fail is told why (once per error, not once per fetch) and keeps reading the rest.</summary>
[Collection(MultiNodeCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class ConsumerFetchErrorSpecs(ITestOutputHelper output)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    private static readonly Config ClientConfig = QuietClient.Config;

    [Fact]
    public async Task A_partition_whose_fetches_fail_is_told_once_with_the_error_while_other_partitions_keep_coming()
    {
        await using var cluster = await ClusterFixture.StartAsync(1, output);
        await using var connection = ClusterConnection.Create(cluster.Addresses, ClientConfig);
        var admin = new AdminClient(connection);
        Assert.True((await admin.CreateTopicAsync("doomed", 1)).IsSuccess);
        Assert.True((await admin.CreateTopicAsync("healthy", 1)).IsSuccess);
        var told = new ConcurrentQueue<FetchError>();
        await using var consumer = new Consumer(connection) { OnFetchError = told.Enqueue };
        await Eventually.Async(Within, () => consumer.AssignAsync("doomed", new StartPosition.Earliest()));

        // The topic goes away under the reader: every fetch of it is refused from now on.
        Assert.True((await admin.DeleteTopicAsync("doomed")).IsSuccess);
        await Eventually.Async(Within, () =>
        {
            Assert.Contains(told, e => e is { Topic: "doomed", Partition: 0, Error: ErrorCode.UnknownTopicOrPartition });
            return Task.CompletedTask;
        });

        // Meanwhile the same consumer reads another topic (and the doomed partition's fetches go on being refused).
        await Eventually.Async(Within, () => consumer.AssignAsync("healthy", new StartPosition.Earliest()));
        await using (var producer = new Producer(connection, Acks.All))
            await producer.SendAsync(new ProducerRecord("healthy", Encoding.UTF8.GetBytes("still here"), Partition: 0)).WaitAsync(Within);
        using var deadline = new CancellationTokenSource(Within);
        await foreach (var record in consumer.ReadAllAsync(deadline.Token))
        {
            Assert.Equal(("healthy", "still here"), (record.Topic, Encoding.UTF8.GetString(record.Value!)));
            break;
        }

        // Told once, with Kafka's name of the error and the broker's reason, however many fetches were refused.
        var error = Assert.Single(told, e => e.Topic == "doomed");
        Assert.Equal("UNKNOWN_TOPIC_OR_PARTITION", error.KafkaName);
        Assert.Contains("does not exist", error.ToString());
    }
}
