namespace AkkaKafka.Broker.Transactions;

/// <summary>What the transaction coordinator is asked, each about one transactional id.</summary>
public interface ITransactionCommand
{
    string TransactionalId { get; }
}

/// <summary>
/// Kafka's InitProducerId with a transactional id: answered with an <see cref="AkkaKafka.Protocol.Messages.InitProducerIdResult"/>.
/// <see cref="Expected"/> is the producer id and epoch a KIP-360 producer (InitProducerId v3+) had, null when it had none.
/// </summary>
public sealed record InitTransactionalProducer(string TransactionalId, int TimeoutMs, ProducerIdAndEpoch? Expected = null) : ITransactionCommand;
