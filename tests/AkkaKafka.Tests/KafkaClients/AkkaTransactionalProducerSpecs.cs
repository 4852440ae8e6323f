using System.Text;
using Akka.Configuration;
using AkkaKafka.Client;
using AkkaKafka.Client.Producer;
using AkkaKafka.Tests.FaultTolerance;
using Confluent.Kafka;
using Xunit;
using AkkaProducer = AkkaKafka.Client.Producer.Producer;
using KafkaException = AkkaKafka.Client.KafkaException;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// The Akka client's transactional producer against a real broker: it commits and aborts (InitProducerId with its
/// transactional id, AddPartitionsToTxn, transactional batches, EndTxn), Confluent.Kafka with isolation.level
/// read_committed reads exactly the committed records (read_uncommitted every one), and a second Akka producer with
/// the same transactional-id fences the first, whose every later call then fails with one line.
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class AkkaTransactionalProducerSpecs(KafkaBroker broker) : IClassFixture<KafkaBroker>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private ClusterConnection Connect(string transactionalId) => ClusterConnection.Create(
        broker.Cluster.Ports.Select(p => new Protocol.HostPort("127.0.0.1", p)).ToList(),
        ConfigurationFactory.ParseString($"akkakafka.client.transactional-id = \"{transactionalId}\"").WithFallback(Clients.Timings),
        "txn-" + transactionalId);

    private static ProducerRecord Record(string topic, string value) => new(topic, Encoding.UTF8.GetBytes(value), Encoding.UTF8.GetBytes(value));

    private static async Task SendAllAsync(AkkaProducer producer, string topic, IEnumerable<string> values) =>
        await Task.WhenAll(values.Select(v => producer.SendAsync(Record(topic, v))).ToList()).WaitAsync(Timeout);

    [Fact]
    public async Task Committed_records_are_read_committed_and_aborted_ones_never_are()
    {
        const string topic = "akka-txn-commit-abort";
        await broker.CreateTopic(topic, 3);
        var connection = Connect("commit-abort");
        try
        {
            await using var producer = new AkkaProducer(connection);
            var outside = await Assert.ThrowsAsync<InvalidOperationException>(() => producer.SendAsync(Record(topic, "outside")).WaitAsync(Timeout));
            Assert.Contains("call BeginTransaction first", outside.Message);
            await producer.InitTransactionsAsync().WaitAsync(Timeout);

            var first = Enumerable.Range(0, 20).Select(i => $"committed-{i}").ToList();
            producer.BeginTransaction();
            await SendAllAsync(producer, topic, first);
            await producer.CommitTransactionAsync().WaitAsync(Timeout);

            // Written to the log (acknowledged), then aborted: read_committed must skip them.
            var aborted = Enumerable.Range(0, 20).Select(i => $"aborted-{i}").ToList();
            producer.BeginTransaction();
            await SendAllAsync(producer, topic, aborted);
            await producer.AbortTransactionAsync().WaitAsync(Timeout);

            var second = Enumerable.Range(20, 20).Select(i => $"committed-{i}").ToList();
            producer.BeginTransaction();
            await SendAllAsync(producer, topic, second);
            await producer.CommitTransactionAsync().WaitAsync(Timeout);

            Assert.Equal(first.Concat(second).Order(), Read(topic, 3, IsolationLevel.ReadCommitted).Order());
            Assert.Equal(first.Concat(aborted).Concat(second).Order(), Read(topic, 3, IsolationLevel.ReadUncommitted).Order());
        }
        finally
        {
            await Clients.CloseAsync(connection);
        }
    }

    [Fact]
    public async Task A_second_producer_with_the_same_transactional_id_fences_the_first()
    {
        const string topic = "akka-txn-fenced";
        await broker.CreateTopic(topic, 2);
        var connection = Connect("zombie");
        try
        {
            await using var zombie = new AkkaProducer(connection);
            await zombie.InitTransactionsAsync().WaitAsync(Timeout);
            zombie.BeginTransaction();
            await SendAllAsync(zombie, topic, ["zombie-0", "zombie-1", "zombie-2"]);

            // The new producer's InitProducerId aborts the zombie's open transaction and bumps the epoch.
            await using var successor = new AkkaProducer(connection);
            await successor.InitTransactionsAsync().WaitAsync(Timeout);
            successor.BeginTransaction();
            await SendAllAsync(successor, topic, ["successor-0", "successor-1"]);
            await successor.CommitTransactionAsync().WaitAsync(Timeout);

            var fenced = await Assert.ThrowsAsync<KafkaException>(() => zombie.CommitTransactionAsync().WaitAsync(Timeout));
            Assert.StartsWith("producer fenced: another producer with transactional id 'zombie' has started", fenced.Message);
            Assert.Equal(fenced.Message, Assert.Throws<KafkaException>(zombie.BeginTransaction).Message);
            Assert.Equal(fenced.Message, (await Assert.ThrowsAsync<KafkaException>(() => zombie.SendAsync(Record(topic, "late")).WaitAsync(Timeout))).Message);

            Assert.Equal(["successor-0", "successor-1"], Read(topic, 2, IsolationLevel.ReadCommitted).Order());
        }
        finally
        {
            await Clients.CloseAsync(connection);
        }
    }

    [Fact]
    public async Task Bench_produce_transactional_commits_every_transaction_size_records_and_prints_the_commits()
    {
        const string topic = "akka-txn-bench";
        await broker.CreateTopic(topic, 2);
        var result = await broker.AkkaOk(null, "bench", "produce", "--transactional", "--transaction-size", "50", "--messages", "500", "--size", "10",
            "--topic", topic);

        Assert.Matches(@"^produce \(transactional, 50 records per transaction\): 500 records in [\d.]+ s, .*; 10 transactions, [\d,]+/s, commit p50 [\d.]+ ms, p99 [\d.]+ ms\s*$", result.Stdout);
        Assert.Equal(500, Read(topic, 2, IsolationLevel.ReadCommitted).Count);
    }

    /// <summary>Every value Confluent.Kafka hands over from the start of each partition until it reports every partition's end.</summary>
    private List<string> Read(string topic, int partitions, IsolationLevel isolation)
    {
        var config = GroupMember.Config(broker.KafkaBootstrap, "akka-txn-" + Guid.NewGuid().ToString("N"));
        config.IsolationLevel = isolation;
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var values = new List<string>();
        var ended = new HashSet<int>();
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is not { } result) continue;
            if (result.IsPartitionEOF)
            {
                if (ended.Add(result.Partition.Value) && ended.Count == partitions) return values;
                continue;
            }
            values.Add(result.Message.Value);
        }
        throw new TimeoutException($"{isolation}: not every partition's end within {Timeout.TotalSeconds}s, read [{string.Join(", ", values)}]\n{broker.Diagnostics()}");
    }
}
