using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Tests.MultiNode.Support;
using Confluent.Kafka;
using Xunit;
using KafkaError = AkkaKafka.Protocol.ErrorCode;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// Confluent.Kafka's transactional producer against the transaction coordinator, with one real broker process:
/// InitTransactions (FindCoordinator key type 1, InitProducerId), then whole transactions — AddPartitionsToTxn,
/// the produce, EndTxn, the markers the coordinator writes — read back by read_committed and read_uncommitted
/// consumers; a second producer of the same transactional.id fences the first; a producer silent past its
/// transaction.timeout.ms has its transaction aborted by the coordinator and is fenced.
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class TransactionalProducerSpecs(KafkaBroker broker) : IClassFixture<KafkaBroker>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private IProducer<string, string> TransactionalProducer(string transactionalId, int transactionTimeoutMs = 60_000) =>
        TransactionalReads.Producer(broker.KafkaBootstrap, transactionalId, transactionTimeoutMs);

    [Fact]
    public void InitTransactions_succeeds_for_each_new_producer_of_a_transactional_id()
    {
        using var first = TransactionalProducer("init-twice");
        first.InitTransactions(Timeout);

        using var second = TransactionalProducer("init-twice");
        second.InitTransactions(Timeout);
    }

    [Fact]
    public async Task A_read_committed_consumer_sees_exactly_the_committed_transactions_records_and_read_uncommitted_the_aborted_ones_too()
    {
        const string topic = "txn-commit-abort";
        await broker.CreateTopic(topic, 1);
        using var producer = TransactionalProducer("commit-abort");
        producer.InitTransactions(Timeout);

        producer.BeginTransaction();
        producer.Produce(topic, new Message<string, string> { Key = "k", Value = "committed-0" });
        producer.Produce(topic, new Message<string, string> { Key = "k", Value = "committed-1" });
        producer.CommitTransaction(Timeout);
        producer.BeginTransaction();
        producer.Produce(topic, new Message<string, string> { Key = "k", Value = "aborted-0" });
        // Written before the abort (librdkafka drops what it has not sent yet when a transaction aborts).
        producer.Flush(Timeout);
        producer.AbortTransaction(Timeout);
        producer.BeginTransaction();
        producer.Produce(topic, new Message<string, string> { Key = "k", Value = "committed-2" });
        producer.CommitTransaction(Timeout);

        // EndTxn is answered once the outcome is persisted; the markers follow, so the reads wait for them.
        await Eventually.Async(Timeout, () =>
        {
            Assert.Equal(["committed-0", "committed-1", "committed-2"], TransactionalReads.Read(broker.KafkaBootstrap, topic, IsolationLevel.ReadCommitted));
            return Task.CompletedTask;
        }, broker.Diagnostics);
        Assert.Equal(["committed-0", "committed-1", "aborted-0", "committed-2"], TransactionalReads.Read(broker.KafkaBootstrap, topic, IsolationLevel.ReadUncommitted));
    }

    [Fact]
    public async Task A_second_producer_with_the_same_transactional_id_aborts_the_firsts_open_transaction_and_fences_it()
    {
        const string topic = "txn-fencing";
        await broker.CreateTopic(topic, 1);
        using var first = TransactionalProducer("fenced");
        first.InitTransactions(Timeout);
        first.BeginTransaction();
        await first.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "of-the-fenced" });

        using var second = TransactionalProducer("fenced");
        second.InitTransactions(Timeout);

        var fenced = Assert.ThrowsAny<KafkaException>(() => first.CommitTransaction(Timeout));
        Assert.True(fenced.Error.IsFatal && fenced.Error.Code is ErrorCode.Local_Fenced or ErrorCode.ProducerFenced or ErrorCode.InvalidProducerEpoch,
            $"not Kafka's fencing error: {fenced.Error.Code} {fenced.Error.Reason} (fatal: {fenced.Error.IsFatal})");
        second.BeginTransaction();
        await second.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "of-the-new" });
        second.CommitTransaction(Timeout);
        await Eventually.Async(Timeout, () =>
        {
            Assert.Equal(["of-the-new"], TransactionalReads.Read(broker.KafkaBootstrap, topic, IsolationLevel.ReadCommitted));
            return Task.CompletedTask;
        }, broker.Diagnostics);
    }

    [Fact]
    public async Task A_transaction_left_open_past_transaction_timeout_ms_is_aborted_by_the_coordinator_the_LSO_moves_past_it_and_its_producer_is_fenced()
    {
        const string topic = "txn-timeout";
        await broker.CreateTopic(topic, 1);
        using var producer = TransactionalProducer("times-out", transactionTimeoutMs: 2_000);
        producer.InitTransactions(Timeout);
        producer.BeginTransaction();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "left-open" });

        // No EndTxn: the coordinator aborts it, its marker ends the transaction at the partition, and read_committed
        // reads past it (its high watermark, the LSO, is the end of the log: the record and the abort marker).
        await Eventually.Async(Timeout, () =>
        {
            Assert.Equal(2, TransactionalReads.LastStableOffset(broker.KafkaBootstrap, topic));
            return Task.CompletedTask;
        }, broker.Diagnostics);
        Assert.Empty(TransactionalReads.Read(broker.KafkaBootstrap, topic, IsolationLevel.ReadCommitted));
        Assert.Equal(["left-open"], TransactionalReads.Read(broker.KafkaBootstrap, topic, IsolationLevel.ReadUncommitted));

        var fenced = Assert.ThrowsAny<KafkaException>(() => producer.CommitTransaction(Timeout));
        Assert.True(fenced.Error.Code is ErrorCode.Local_Fenced or ErrorCode.ProducerFenced or ErrorCode.InvalidProducerEpoch,
            $"not Kafka's fencing error: {fenced.Error.Code} {fenced.Error.Reason}");
    }

    [Fact]
    public async Task AddPartitionsToTxn_for_a_topic_that_does_not_exist_adds_nothing_and_a_fenced_producer_is_told_in_words_its_version_knows()
    {
        const string topic = "txn-wire";
        await broker.CreateTopic(topic, 1);
        using var wire = await KafkaWireConnection.OpenAsync(broker.Cluster.KafkaPorts[0]);
        var init = await wire.AskAsync(ApiKey.InitProducerId, 4, 1, new InitProducerIdRequestData("wire-tx", 60_000),
            (ref KafkaReader r) => InitProducerIdResponseData.Read(ref r, 4));
        Assert.Equal(KafkaError.None, init.ErrorCode);

        var absent = await wire.AskAsync(ApiKey.AddPartitionsToTxn, 3, 2,
            AddPartitionsToTxnRequestData.ForClient("wire-tx", init.ProducerId, init.ProducerEpoch, [new(topic, [0]), new("txn-absent", [0])]),
            (ref KafkaReader r) => AddPartitionsToTxnResponseData.Read(ref r, 3));
        Assert.Equal([(topic, KafkaError.OperationNotAttempted), ("txn-absent", KafkaError.UnknownTopicOrPartition)],
            absent.ResultsByTopicV3AndBelow.Select(t => (t.Name, t.ResultsByPartition.Single().PartitionErrorCode)));
        // Nothing was added, so there is no transaction to end.
        var end = await wire.AskAsync(ApiKey.EndTxn, 3, 3, new EndTxnRequestData("wire-tx", init.ProducerId, init.ProducerEpoch, Committed: true),
            (ref KafkaReader r) => EndTxnResponseData.Read(ref r, 3));
        Assert.Equal(KafkaError.InvalidTxnState, end.ErrorCode);

        // A second producer of the id: the first one's epoch is stale.
        await wire.AskAsync(ApiKey.InitProducerId, 4, 4, new InitProducerIdRequestData("wire-tx", 60_000), (ref KafkaReader r) => InitProducerIdResponseData.Read(ref r, 4));
        var stale = init.ProducerEpoch;
        // PRODUCER_FENCED came with v2 (KIP-588): older clients hear INVALID_PRODUCER_EPOCH.
        foreach (var (version, expected) in new[] { ((short)1, KafkaError.InvalidProducerEpoch), ((short)3, KafkaError.ProducerFenced) })
        {
            var fenced = await wire.AskAsync(ApiKey.AddPartitionsToTxn, version, 5 + version,
                AddPartitionsToTxnRequestData.ForClient("wire-tx", init.ProducerId, stale, [new(topic, [0])]),
                (ref KafkaReader r) => AddPartitionsToTxnResponseData.Read(ref r, version));
            Assert.Equal(expected, fenced.ResultsByTopicV3AndBelow.Single().ResultsByPartition.Single().PartitionErrorCode);
        }
    }
}

/// <summary>What the transaction specs share: a transactional producer, and reads of a one-partition topic to its end at an isolation level.</summary>
public static class TransactionalReads
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static IProducer<string, string> Producer(string bootstrap, string transactionalId, int transactionTimeoutMs = 60_000) =>
        new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            TransactionalId = transactionalId,
            TransactionTimeoutMs = transactionTimeoutMs,
        }).Build();

    /// <summary>The last stable offset of partition 0: the high watermark a read_committed consumer is answered.</summary>
    public static long LastStableOffset(string bootstrap, string topic)
    {
        var config = GroupMember.Config(bootstrap, "txn-" + Guid.NewGuid().ToString("N"));
        config.IsolationLevel = IsolationLevel.ReadCommitted;
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        return consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), Timeout).High.Value;
    }

    /// <summary>Every value a consumer at <paramref name="isolation"/> hands over from offset 0 of partition 0 until it reports the end (the LSO for read_committed).</summary>
    public static string[] Read(string bootstrap, string topic, IsolationLevel isolation)
    {
        var config = GroupMember.Config(bootstrap, "txn-" + Guid.NewGuid().ToString("N"));
        config.IsolationLevel = isolation;
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var values = new List<string>();
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is not { } result) continue;
            if (result.IsPartitionEOF) return values.ToArray();
            values.Add(result.Message.Value);
        }
        throw new TimeoutException($"{isolation}: no end of partition {topic}-0 within {Timeout.TotalSeconds:0} s, read [{string.Join(", ", values)}]");
    }
}
