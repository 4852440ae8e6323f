using System.Text;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Records;
using Confluent.Kafka;
using Xunit;
using ErrorCode = AkkaKafka.Protocol.ErrorCode;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// A broker that writes transactional batches without asking their coordinator (Kafka's
/// transaction.partition.verification.enable=false), so that the partition's half can be driven by hand.
/// </summary>
public sealed class UnverifiedTransactionsBroker() : KafkaBroker("""
    akkakafka.broker.transactions.partition-verification = off
    """);

/// <summary>
/// The partition's half of Kafka transactions, seen by a real Kafka client, driven by hand without the coordinator
/// (partition verification off, see <see cref="UnverifiedTransactionsBroker"/>): transactional batches are produced on the wire, WriteTxnMarkers (what the coordinator will send) commits one
/// producer's transaction and aborts another's, and Confluent.Kafka reads the partition with isolation.level
/// read_committed (committed and plain records only, up to the last stable offset) and read_uncommitted (everything),
/// before and after the broker is SIGKILLed and restarted (the index is rebuilt on recovery); and `akkakafka consume
/// --isolation-level` reads the same.
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class TransactionMarkerSpecs(UnverifiedTransactionsBroker broker) : IClassFixture<UnverifiedTransactionsBroker>
{
    private const string Topic = "txn-markers";
    private const short ProduceVersion = 7;
    private const short InitProducerIdVersion = 4;
    private int _correlationId;

    [Fact]
    public async Task A_read_committed_consumer_sees_committed_and_plain_records_below_the_LSO_and_never_an_aborted_one_across_a_restart()
    {
        await broker.CreateTopic(Topic, 1);
        using (var wire = await KafkaWireConnection.OpenAsync(broker.Cluster.KafkaPorts[0]))
        {
            var committer = await ProducerIdAsync(wire);
            var aborter = await ProducerIdAsync(wire);
            await ProduceAsync(wire, Batch(null, "plain-0"));                          // 0
            await ProduceAsync(wire, Batch((committer, 0), "committed-0", "committed-1")); // 1-2
            await ProduceAsync(wire, Batch((aborter, 0), "aborted-0"));              // 3
            await ProduceAsync(wire, Batch(null, "plain-1"));                          // 4
            Assert.Equal(ErrorCode.None, await WriteMarkerAsync(wire, committer, commit: true));  // 5
            Assert.Equal(ErrorCode.None, await WriteMarkerAsync(wire, aborter, commit: false));   // 6
            await ProduceAsync(wire, Batch((committer, 2), "open-0"));               // 7: a new transaction, never ended
            await ProduceAsync(wire, Batch(null, "plain-2"));                          // 8

            var producers = await wire.AskAsync(ApiKey.DescribeProducers, 0, ++_correlationId,
                new DescribeProducersRequestData([new(Topic, [0])]), (ref KafkaReader r) => DescribeProducersResponseData.Read(ref r, 0));
            var partition = producers.Topics.Single().Partitions.Single();
            Assert.Equal(ErrorCode.None, partition.ErrorCode);
            Assert.Equal([(committer, 7L), (aborter, -1L)],
                partition.ActiveProducers.OrderBy(p => p.ProducerId == committer ? 0 : 1).Select(p => (p.ProducerId, p.CurrentTxnStartOffset)));
        }

        string[] committed = ["plain-0", "committed-0", "committed-1", "plain-1"];
        string[] everything = ["plain-0", "committed-0", "committed-1", "aborted-0", "plain-1", "open-0", "plain-2"];
        AssertRead(IsolationLevel.ReadCommitted, 7, committed);
        AssertRead(IsolationLevel.ReadUncommitted, 9, everything);

        await broker.KillAndRestartAsync();

        AssertRead(IsolationLevel.ReadCommitted, 7, committed);
        AssertRead(IsolationLevel.ReadUncommitted, 9, everything);
        // The Akka consumer reads the same, and never hands over a marker. --max-messages: one record too many would
        // show as a wrong value at its place; --timeout-ms only bounds the wait.
        Assert.Equal(committed, await AkkaConsumeAsync("read_committed", committed.Length));
        Assert.Equal(everything, await AkkaConsumeAsync("read_uncommitted", everything.Length));
    }

    private async Task<string[]> AkkaConsumeAsync(string isolationLevel, int count)
    {
        var result = await broker.AkkaOk(null, "consume", "--topic", Topic, "--from-beginning", "--isolation-level", isolationLevel,
            "--max-messages", count.ToString(), "--timeout-ms", "30000");
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private void AssertRead(IsolationLevel isolation, long high, string[] values)
    {
        var read = Read(isolation);
        Assert.Equal(values, read.Values);
        Assert.Equal(high, read.High);
    }

    private async Task<long> ProducerIdAsync(KafkaWireConnection wire)
    {
        var init = await wire.AskAsync(ApiKey.InitProducerId, InitProducerIdVersion, ++_correlationId, new InitProducerIdRequestData(null, 60_000),
            (ref KafkaReader r) => InitProducerIdResponseData.Read(ref r, InitProducerIdVersion));
        Assert.Equal(ErrorCode.None, init.ErrorCode);
        return init.ProducerId;
    }

    /// <summary>A plain batch, or one of a producer's transaction (producer id, base sequence; epoch 0).</summary>
    private static byte[] Batch((long Id, int Sequence)? producer, params string[] values)
    {
        var builder = new RecordBatchBuilder();
        foreach (var value in values) builder.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, Encoding.UTF8.GetBytes(value));
        return producer is { } p ? ControlRecords.Transactional(builder.Build(producer: new ProducerFields(p.Id, 0, p.Sequence))) : builder.Build();
    }

    private async Task ProduceAsync(KafkaWireConnection wire, byte[] batch)
    {
        var response = await wire.AskAsync(ApiKey.Produce, ProduceVersion, ++_correlationId, new ProduceRequestData(-1, 30_000, [new(Topic, [new(0, batch)])]),
            (ref KafkaReader r) => ProduceResponseData.Read(ref r, ProduceVersion));
        Assert.Equal(ErrorCode.None, response.Responses.Single().Partitions.Single().ErrorCode);
    }

    private async Task<ErrorCode> WriteMarkerAsync(KafkaWireConnection wire, long producerId, bool commit)
    {
        var response = await wire.AskAsync(ApiKey.WriteTxnMarkers, 1, ++_correlationId,
            new WriteTxnMarkersRequestData([new(producerId, 0, commit, [new(Topic, [0])], 0)]),
            (ref KafkaReader r) => WriteTxnMarkersResponseData.Read(ref r, 1));
        return response.Markers.Single().Topics.Single().Partitions.Single().ErrorCode;
    }

    /// <summary>
    /// The high watermark librdkafka's ListOffsets answers at this isolation level (the LSO for read_committed), and
    /// every value the consumer hands over from offset 0 until it reports the partition's end (librdkafka's EOF is
    /// at the LSO for read_committed).
    /// </summary>
    private (long High, string[] Values) Read(IsolationLevel isolation)
    {
        var config = GroupMember.Config(broker.KafkaBootstrap, "txn-" + Guid.NewGuid().ToString("N"));
        config.IsolationLevel = isolation;
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        var high = consumer.QueryWatermarkOffsets(new TopicPartition(Topic, 0), TimeSpan.FromSeconds(30)).High.Value;
        consumer.Assign(new TopicPartitionOffset(Topic, 0, Offset.Beginning));
        var values = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is not { } result) continue;
            if (result.IsPartitionEOF) return (high, values.ToArray());
            values.Add(result.Message.Value);
        }
        throw new TimeoutException($"{isolation}: no end of partition within 30 s, read [{string.Join(", ", values)}]\n{broker.Diagnostics()}");
    }
}
