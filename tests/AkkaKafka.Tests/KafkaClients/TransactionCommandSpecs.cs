using Confluent.Kafka;
using Xunit;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// `akkakafka transactions list|describe|describe-producers` against a real broker, after kafka-transactions.sh: a
/// transactional id Confluent.Kafka's producer initialized is listed with its coordinator and producer id and described
/// (Empty: no transaction open), an id nobody initialized is TRANSACTIONAL_ID_NOT_FOUND with exit code 1, and an
/// idempotent producer's state on a partition is shown with no open transaction ("None"), in Kafka's columns.
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class TransactionCommandSpecs(KafkaBroker broker) : IClassFixture<KafkaBroker>
{
    private const string Topic = "txn-cli";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Transactions_are_listed_and_described_and_a_partitions_producers_shown_as_kafka_transactions_sh_prints_them()
    {
        await broker.CreateTopic(Topic, 1);
        using var transactional = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = broker.KafkaBootstrap, TransactionalId = "cli-txn", TransactionTimeoutMs = 60_000,
        }).Build();
        transactional.InitTransactions(Timeout);
        using var idempotent = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = broker.KafkaBootstrap, EnableIdempotence = true }).Build();
        await idempotent.ProduceAsync(new TopicPartition(Topic, 0), new Message<string, string> { Value = "plain" });

        var list = Rows((await broker.AkkaOk(null, "transactions", "list")).Stdout);
        var describe = Rows((await broker.AkkaOk(null, "transactions", "describe", "--transactional-id", "cli-txn")).Stdout);
        var unknown = await broker.Akka(null, "transactions", "describe", "--transactional-id", "nobody-initialized-this");
        var producers = Rows((await broker.AkkaOk(null, "transactions", "describe-producers", "--topic", Topic, "--partition", "0")).Stdout);

        Assert.Equal(["TransactionalId", "Coordinator", "ProducerId", "TransactionState"], list[0]);
        var listed = Assert.Single(list.Skip(1), r => r[0] == "cli-txn");
        Assert.Equal("Empty", listed[3]);
        Assert.True(int.Parse(listed[1]) >= 0 && long.Parse(listed[2]) >= 0, string.Join(" | ", listed));

        Assert.Equal(["CoordinatorId", "TransactionalId", "ProducerId", "ProducerEpoch", "TransactionState", "TransactionTimeoutMs",
            "CurrentTransactionStartTimeMs", "TransactionDurationMs", "TopicPartitions"], describe[0]);
        Assert.Equal([listed[1], "cli-txn", listed[2], "0", "Empty", "60000", "None", "None", ""], describe[1]);

        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("TRANSACTIONAL_ID_NOT_FOUND", unknown.Stderr);

        Assert.Equal(["ProducerId", "ProducerEpoch", "LatestCoordinatorEpoch", "LastSequence", "LastTimestamp", "CurrentTransactionStartOffset"], producers[0]);
        var producer = Assert.Single(producers.Skip(1));
        Assert.Equal(("0", "-1", "0", "None"), (producer[1], producer[2], producer[3], producer[5]));
    }

    /// <summary>kafka-transactions.sh's table: every value padded and followed by a tab; the cells, trimmed.</summary>
    private static List<string[]> Rows(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.TrimEnd('\t').Split('\t').Select(cell => cell.Trim()).ToArray())
            .ToList();
}
