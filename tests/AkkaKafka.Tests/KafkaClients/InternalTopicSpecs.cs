using AkkaKafka.Client;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Tests.EndToEnd;
using AkkaKafka.Tests.FaultTolerance;
using AkkaKafka.Tests.Support;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// Internal topics ("__…", here the transaction log <c>__transactions</c>) are written only by the brokers: no client
/// deletes one or produces into one, whichever way it comes (Kafka protocol, Akka client, the CLI), and the broker's
/// own transaction log keeps writing. Kafka's answer for both is INVALID_TOPIC_EXCEPTION (17), as Kafka answers an
/// append to its own internal topics.
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class InternalTopicSpecs : IClassFixture<KafkaBroker>
{
    private const string Internal = "__transactions";
    private readonly KafkaBroker _broker;

    public InternalTopicSpecs(KafkaBroker broker) => _broker = broker;

    private Task<CliResult> Run(string? stdin, params string[] args) =>
        _broker.Cluster.RunAsync(KafkaBroker.CommandTimeout, stdin, [.. args, "--bootstrap", _broker.AkkaBootstrap]);

    [Fact]
    public async Task A_kafka_client_cannot_delete_an_internal_topic_nor_produce_into_it()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.KafkaBootstrap }).Build();
        var deletion = await Assert.ThrowsAsync<DeleteTopicsException>(() => admin.DeleteTopicsAsync([Internal],
            new DeleteTopicsOptions { RequestTimeout = ConfluentClients.RequestTimeout, OperationTimeout = ConfluentClients.RequestTimeout }));
        Assert.Equal(Confluent.Kafka.ErrorCode.TopicException, deletion.Results.Single().Error.Code);

        using var producer = ConfluentClients.Producer(_broker.KafkaBootstrap);
        var produce = await Assert.ThrowsAsync<ProduceException<string, string>>(() =>
            producer.ProduceAsync(Internal, new Message<string, string> { Key = "forged", Value = "forged" }));
        Assert.Equal(Confluent.Kafka.ErrorCode.TopicException, produce.Error.Code);

        Assert.Contains(Internal, admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics.Select(t => t.Topic));
    }

    [Fact]
    public async Task An_akka_client_cannot_delete_an_internal_topic_nor_produce_into_it()
    {
        // The client's default timings: the specs' short ones (FaultTolerance.Clients) are for failover, not a busy machine.
        var connection = ClusterConnection.Create(_broker.Cluster.Ports.Select(p => new Protocol.HostPort("127.0.0.1", p)).ToList(), null, "internal-topics");
        try
        {
            var deleted = await new AdminClient(connection).DeleteTopicAsync(Internal);
            Assert.Equal(Protocol.ErrorCode.InvalidTopic, deleted.Error);
            Assert.Contains("internal", deleted.Message);
            // Nor any topic with the controller's own command, which only the brokers' handlers send.
            var forged = await connection.AskAsync<TopicCommandResult>(new DeleteTopic(Internal), TimeSpan.FromSeconds(30));
            Assert.Equal(Protocol.ErrorCode.ClusterAuthorizationFailed, forged.Error);

            var produced = await connection.Routes.KafkaAsync(null, new ProduceRequestData(-1, 30_000, [new(Internal, [new(0, Batches.Of(0, "forged"))])]),
                "forger", ProduceResponseData.Read, TimeSpan.FromSeconds(30));
            Assert.Equal(Protocol.ErrorCode.InvalidTopic, produced.Responses.Single().Partitions.Single().ErrorCode);

            // Nor with the message the brokers pass each other: partition requests are not a client's to send.
            var forgedProduce = await connection.AskAsync<ProduceResponse>(
                new ProduceRequest(Internal, 0, Batches.Of(0, "forged"), Protocol.Acks.All, "forger"), TimeSpan.FromSeconds(30));
            Assert.Equal(Protocol.ErrorCode.ClusterAuthorizationFailed, forgedProduce.Error);
        }
        finally
        {
            await Clients.CloseAsync(connection);
        }
    }

    [Fact]
    public async Task The_cli_refuses_to_delete_or_produce_into_an_internal_topic_with_one_line_and_exit_code_1()
    {
        var delete = await Run(null, "topic", "delete", Internal);
        Assert.Equal(1, delete.ExitCode);
        Assert.Contains("internal", delete.Stderr);
        Assert.Single(delete.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var produce = await Run("forged\n", "produce", "--topic", Internal);
        Assert.Equal(1, produce.ExitCode);
        Assert.Contains("internal", produce.Stderr);
        Assert.DoesNotContain("   at ", produce.Stderr);
    }

    [Fact]
    public async Task The_brokers_own_transaction_log_still_writes_its_internal_topic()
    {
        await _broker.CreateTopic("audited-internal", 1);
        Assert.Equal(0, (await Run("a\n", "produce", "--topic", "audited-internal")).ExitCode);

        await _broker.AwaitAsync(async () =>
        {
            var log = (await Run(null, "consume", "--topic", Internal, "--from-beginning", "--timeout-ms", "2000")).Stdout;
            return log.Contains("topic=audited-internal", StringComparison.Ordinal) ? null : "no transaction-log line for the produce yet";
        }, TimeSpan.FromSeconds(30), "the transaction log recording the produce");
    }
}
