using System.Text;
using Akka.Actor;
using Akka.Configuration;
using AkkaKafka.Broker.Http;
using AkkaKafka.Client;
using AkkaKafka.Client.Consumer;
using AkkaKafka.Client.Producer;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Tests.MultiNode;
using AkkaKafka.Tests.MultiNode.Support;
using AkkaKafka.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.Client;

/// <summary>The producer and consumer against brokers running in the test process: the one-hop data path.</summary>
[Collection(MultiNodeCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class ProducerSpecs(ITestOutputHelper output)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    private static readonly Config ClientConfig = QuietClient.Config;

    [Fact]
    public async Task Records_sent_with_callbacks_land_in_order_with_the_offsets_the_callbacks_were_told()
    {
        await using var cluster = await ClusterFixture.StartAsync(1, output);
        await using var connection = ClusterConnection.Create(cluster.Addresses, ClientConfig);
        await using var producer = new Producer(connection, Acks.All);
        const string topic = "callbacks";
        Assert.True((await new AdminClient(connection).CreateTopicAsync(topic, 2)).IsSuccess);

        var told = new RecordMetadata?[1000];
        var failures = 0;
        for (var i = 0; i < told.Length; i++)
            producer.Send(new ProducerRecord(topic, Encoding.UTF8.GetBytes($"r{i}"), Partition: i % 2), i, (index, md, error) =>
            {
                if (error is not null) Interlocked.Increment(ref failures);
                told[index] = md;
            });
        await producer.FlushAsync().WaitAsync(Within);

        Assert.Equal(0, failures);
        for (var p = 0; p < 2; p++)
        {
            // Each partition holds its records in the order they were sent, at the offsets their callbacks heard.
            var sentHere = Enumerable.Range(0, told.Length).Where(i => i % 2 == p).ToList();
            Assert.Equal(Enumerable.Range(0, sentHere.Count).Select(o => (long)o), sentHere.Select(i => told[i]!.Offset));
            var stored = await cluster.Node(1).ReadPartitionAsync(topic, p);
            Assert.Equal(sentHere.Select(i => $"r{i}"), stored.Select(r => r.Value));
        }
    }

    [Fact]
    public async Task The_first_record_for_an_unknown_topic_waits_for_the_brokers_to_create_it()
    {
        await using var cluster = await ClusterFixture.StartAsync(1, output);
        await using var connection = ClusterConnection.Create(cluster.Addresses, ClientConfig);
        await using var producer = new Producer(connection, Acks.Leader);

        var first = await producer.SendAsync(new ProducerRecord("created-on-first-send", "hello"u8.ToArray())).WaitAsync(Within);

        Assert.Equal(("created-on-first-send", 0L), (first.Topic, first.Offset));
    }

    [Fact]
    public async Task Produce_and_fetch_go_straight_to_the_owner_of_the_partition()
    {
        await using var cluster = await ClusterFixture.StartAsync(2, output);
        await using var connection = ClusterConnection.Create(cluster.Addresses, ClientConfig);
        await using var producer = new Producer(connection, Acks.All);
        const string topic = "one-hop";
        Assert.True((await new AdminClient(connection).CreateTopicAsync(topic, 4)).IsSuccess);
        var owners = await cluster.AwaitOwnersAsync(topic, via: 1, expect: o => Assert.Equal(2, o.Values.Distinct().Count()));
        await cluster.AwaitServedEverywhereAsync(topic, 4);

        for (var p = 0; p < 4; p++)
            await producer.SendAsync(new ProducerRecord(topic, Encoding.UTF8.GetBytes($"p{p}"), Partition: p)).WaitAsync(Within);
        await using var consumer = new Consumer(connection);
        await consumer.AssignAsync(topic, new StartPosition.Earliest());
        var read = new List<string>();
        using var deadline = new CancellationTokenSource(Within);
        await foreach (var record in consumer.ReadAllAsync(deadline.Token))
        {
            read.Add(Encoding.UTF8.GetString(record.Value!));
            if (read.Count == 4) break;
        }

        Assert.Equal(["p0", "p1", "p2", "p3"], read.Order());
        // Both owners were reached directly (their /user/broker resolved and cached), not through a contact broker.
        await Eventually.Async(Within, () =>
        {
            foreach (var owner in owners.Values.Distinct())
                Assert.True(connection.Routes.IsDirect(cluster.BrokerId(owner)), $"no direct route to node {owner}");
            return Task.CompletedTask;
        });
        for (var p = 0; p < 4; p++)
            Assert.Equal(1L, (await producer.SendAsync(new ProducerRecord(topic, "again"u8.ToArray(), Partition: p)).WaitAsync(Within)).Offset);
    }

    [Fact]
    public async Task The_ready_batches_of_every_partition_a_broker_owns_go_to_it_in_one_produce_request()
    {
        await using var cluster = await ClusterFixture.StartAsync(2, output);
        // The batches wait for the flush (a linger no spec waits out), so that all eight are ready at once.
        var lingering = ConfigurationFactory.ParseString("akkakafka.client.linger = 10m").WithFallback(ClientConfig);
        await using var connection = ClusterConnection.Create(cluster.Addresses, lingering);
        await using var producer = new Producer(connection, Acks.All);
        const string topic = "one-request-per-broker";
        Assert.True((await new AdminClient(connection).CreateTopicAsync(topic, 8)).IsSuccess);
        var owners = await cluster.AwaitOwnersAsync(topic, via: 1, expect: o => Assert.Equal(2, o.Values.Distinct().Count()));
        await cluster.AwaitServedEverywhereAsync(topic, 8);
        // A first round resolves the producer's id, its metadata and its direct routes to both owners (until then a
        // request takes the contact broker's way, which would count there as well).
        async Task SendToEveryPartitionAsync(string value)
        {
            var sent = Enumerable.Range(0, 8).Select(p => producer.SendAsync(new ProducerRecord(topic, Encoding.UTF8.GetBytes($"{value}{p}"), Partition: p))).ToList();
            await producer.FlushAsync().WaitAsync(Within);
            await Task.WhenAll(sent).WaitAsync(Within);
        }
        await SendToEveryPartitionAsync("first");
        await Eventually.Async(Within, () =>
        {
            foreach (var owner in owners.Values.Distinct())
                Assert.True(connection.Routes.IsDirect(cluster.BrokerId(owner)), $"no direct route to node {owner}");
            return Task.CompletedTask;
        });
        double ProducesReceived(int node) => BrokerMetrics.For(cluster.Node(node).System).RequestsReceived("produce", BrokerMetrics.AkkaListener);
        var before = (ProducesReceived(1), ProducesReceived(2));

        await SendToEveryPartitionAsync("second");

        // Before, each partition's batch was a request of its own: eight.
        Assert.Equal((1.0, 1.0), (ProducesReceived(1) - before.Item1, ProducesReceived(2) - before.Item2));
        for (var p = 0; p < 8; p++)
            Assert.Equal([$"first{p}", $"second{p}"], (await cluster.Node(1).ReadPartitionAsync(topic, p)).Select(r => r.Value));
    }

    [Fact]
    public async Task An_acks_0_producer_waits_for_no_answer_and_its_records_are_stored()
    {
        await using var cluster = await ClusterFixture.StartAsync(1, output);
        await using var connection = ClusterConnection.Create(cluster.Addresses, ClientConfig);
        await using var producer = new Producer(connection, Acks.None);
        const string topic = "acks-zero";
        Assert.True((await new AdminClient(connection).CreateTopicAsync(topic, 1)).IsSuccess);
        await cluster.AwaitServedEverywhereAsync(topic, 1);

        var told = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => producer.SendAsync(new ProducerRecord(topic, Encoding.UTF8.GetBytes($"r{i}"))))).WaitAsync(Within);
        await producer.FlushAsync().WaitAsync(Within);

        // Nobody knows the offsets of acks=0 records; the broker sends no answer to wait for, and it stores them all.
        Assert.All(told, md => Assert.Equal(-1L, md.Offset));
        await Eventually.Async(Within, async () =>
            Assert.Equal(Enumerable.Range(0, 100).Select(i => $"r{i}"), (await cluster.Node(1).ReadPartitionAsync(topic, 0)).Select(r => r.Value)));
    }

    /// <summary>
    /// Kafka answers an acks=0 produce with nothing, but its socket pushes back on a client writing faster than the
    /// broker reads; remoting buffers without bound. So the broker gives the frame a receipt once it has handed it on,
    /// and the producer counts the request against max-in-flight until then (before, an acks=0 producer told and
    /// forgot, and a fast one piled frames up in memory).
    /// </summary>
    [Fact]
    public async Task The_broker_gives_an_acks_0_produce_a_receipt_that_is_no_Kafka_answer()
    {
        await using var cluster = await ClusterFixture.StartAsync(1, output);
        await using var connection = ClusterConnection.Create(cluster.Addresses, ClientConfig);
        const string topic = "acks-zero-receipt";
        Assert.True((await new AdminClient(connection).CreateTopicAsync(topic, 1)).IsSuccess);
        await cluster.AwaitServedEverywhereAsync(topic, 1);

        var frame = KafkaEnvelope.Request(new ProduceRequestData(0, 30_000, [new(topic, [new(0, Batches.Of(0, "r0"))])]), 8, "receipts");
        Assert.Same(KafkaFrameAccepted.Instance, await cluster.Node(1).Broker.Ask<object>(frame, Within));
        await Eventually.Async(Within, async () =>
            Assert.Equal(["r0"], (await cluster.Node(1).ReadPartitionAsync(topic, 0)).Select(r => r.Value)));
    }

    [Fact]
    public async Task A_request_sent_straight_to_a_broker_that_does_not_own_the_partition_is_answered_not_leader()
    {
        await using var cluster = await ClusterFixture.StartAsync(2, output);
        await using var connection = ClusterConnection.Create(cluster.Addresses, ClientConfig);
        const string topic = "not-the-owner";
        Assert.True((await new AdminClient(connection).CreateTopicAsync(topic, 1)).IsSuccess);
        var owners = await cluster.AwaitOwnersAsync(topic, via: 1);
        var other = cluster.BrokerId(owners[0] == 1 ? 2 : 1);

        // The client's metadata is stale in the worst way: it names the wrong broker. That broker answers at once
        // (retriable), and the producer's retry after a metadata refresh would then find the owner.
        var answer = await Eventually.Async(Within, async () =>
        {
            var direct = connection.Routes.IsDirect(other);
            var response = await connection.Routes.KafkaAsync(other, new ProduceRequestData(-1, 5000, [new(topic, [new(0, Batches.Of(0, "x"))])]),
                "spec", ProduceResponseData.Read, TimeSpan.FromSeconds(5));
            Assert.True(direct, "not resolved yet: the ClusterClient took the request to the owner");
            return response;
        });

        Assert.Equal(ErrorCode.NotLeaderOrFollower, answer.Responses.Single().Partitions.Single().ErrorCode);
    }
}
