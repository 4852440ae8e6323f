using Confluent.Kafka;
using Xunit;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// Confluent.Kafka's transactional producer against the transaction coordinator. So far: InitTransactions finds the
/// coordinator (FindCoordinator key type 1) and gets the transactional id's producer id (InitProducerId).
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class TransactionalProducerSpecs(KafkaBroker broker) : IClassFixture<KafkaBroker>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private IProducer<string, string> TransactionalProducer(string transactionalId) =>
        new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = broker.KafkaBootstrap,
            TransactionalId = transactionalId,
            TransactionTimeoutMs = 60_000,
        }).Build();

    [Fact]
    public void InitTransactions_succeeds_for_each_new_producer_of_a_transactional_id()
    {
        using var first = TransactionalProducer("init-twice");
        first.InitTransactions(Timeout);

        using var second = TransactionalProducer("init-twice");
        second.InitTransactions(Timeout);
    }
}
