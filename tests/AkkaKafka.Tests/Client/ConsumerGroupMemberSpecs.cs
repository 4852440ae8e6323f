using System.Text;
using Akka.Configuration;
using AkkaKafka.Client;
using AkkaKafka.Client.Consumer;
using AkkaKafka.Client.Producer;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Tests.MultiNode;
using AkkaKafka.Tests.MultiNode.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.Client;

/// <summary>
/// Group members against a broker running in the test process: what a member commits around a rebalance.
/// Heartbeats and auto-commits are set far apart (a minute) so that a member learns of a rebalance only through
/// what the spec makes it do: the order of events is fixed by the spec, not by timers.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class ConsumerGroupMemberSpecs(ITestOutputHelper output)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    private static readonly Config ClientConfig = ConfigurationFactory.ParseString("""
        akka.loggers = []
        akka.loglevel = INFO
        akka.stdout-loglevel = OFF
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        akkakafka.client.session-timeout = 120s
        akkakafka.client.heartbeat-interval = 60s
        akkakafka.client.auto-commit-interval = 60s
        """);

    [Fact]
    public async Task A_member_that_lost_a_partition_in_a_rebalance_still_commits_the_partitions_it_kept()
    {
        await using var cluster = await ClusterFixture.StartAsync(1, output);
        await using var connectionA = ClusterConnection.Create(cluster.Addresses, ClientConfig, "member-a");
        await using var connectionB = ClusterConnection.Create(cluster.Addresses, ClientConfig, "member-b");
        const string topic = "rebalanced";
        Assert.True((await new AdminClient(connectionA).CreateTopicAsync(topic, 2)).IsSuccess);
        await using (var producer = new Producer(connectionA, Acks.All))
            for (var i = 0; i < 20; i++)
                await producer.SendAsync(new ProducerRecord(topic, Encoding.UTF8.GetBytes($"first-{i}"), Partition: i % 2)).WaitAsync(Within);

        // A alone: both partitions; it reads everything and commits it.
        await using var a = new Consumer(connectionA, "member-a");
        await a.SubscribeAsync("keepers", topic, new StartPosition.Earliest()).WaitAsync(Within);
        Assert.Equal(20, (await ReadAsync(a, 20)).Count);
        await a.CommitAsync().WaitAsync(Within);
        Assert.Equal([10L, 10L], await CommittedAsync(connectionA, topic, 2));
        // Two more records per partition, handed to A and not committed yet.
        await using (var producer = new Producer(connectionA, Acks.All))
            for (var i = 0; i < 4; i++)
                await producer.SendAsync(new ProducerRecord(topic, Encoding.UTF8.GetBytes($"second-{i}"), Partition: i % 2)).WaitAsync(Within);
        Assert.Equal(4, (await ReadAsync(a, 4)).Count);

        // B joins: the coordinator gives it one of A's partitions at once; A has not heard of it yet.
        await using var b = new Consumer(connectionB, "member-b");
        await b.SubscribeAsync("keepers", topic, new StartPosition.Earliest()).WaitAsync(Within);
        var taken = Assert.Single(b.Assignment);
        var kept = new TopicPartition(topic, 1 - taken.Partition);

        // More records for the partition A kept: A reads them and commits. The commit must move A's partition,
        // whatever A still remembers of the partition it lost.
        await using (var producer = new Producer(connectionA, Acks.All))
            for (var i = 0; i < 5; i++)
                await producer.SendAsync(new ProducerRecord(topic, Encoding.UTF8.GetBytes($"kept-{i}"), Partition: kept.Partition)).WaitAsync(Within);
        var readByA = await ReadAsync(a, 5);
        Assert.All(readByA, r => Assert.Equal(kept.Partition, r.Partition));
        await a.CommitAsync().WaitAsync(Within);

        await Eventually.Async(Within, async () =>
            Assert.Equal(17L, (await CommittedAsync(connectionA, topic, 2))[kept.Partition]));
        Assert.Equal([kept], a.Assignment);
        // The lost partition keeps what A committed while it owned it: its new owner starts there, and reads again
        // the two records A read but had not committed (at least once).
        Assert.Equal(10L, (await CommittedAsync(connectionA, topic, 2))[taken.Partition]);
        var readByB = await ReadAsync(b, 2);
        Assert.Equal([(taken.Partition, 10L), (taken.Partition, 11L)], readByB.Select(r => (r.Partition, r.Offset)));
    }

    private static async Task<List<ConsumerRecord>> ReadAsync(Consumer consumer, int count)
    {
        var read = new List<ConsumerRecord>();
        using var deadline = new CancellationTokenSource(Within);
        await foreach (var record in consumer.ReadAllAsync(deadline.Token))
        {
            read.Add(record);
            if (read.Count == count) break;
        }
        return read;
    }

    private static async Task<List<long>> CommittedAsync(ClusterConnection connection, string topic, int partitions)
    {
        var response = await connection.AskAsync<OffsetFetchResponse>(new OffsetFetch("keepers",
            Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)).ToList()));
        return response.Offsets.OrderBy(o => o.Partition).Select(o => o.Offset).ToList();
    }
}
