namespace AkkaKafka.Protocol.Messages;

/// <summary>What the transaction coordinator (a cluster singleton) is asked, each about one transactional id; brokers forward it there.</summary>
public interface ITransactionCommand : IAkkaKafkaMessage
{
    string TransactionalId { get; }
}

/// <summary>A producer id with an epoch, as a KIP-360 InitProducerId names the one it had.</summary>
public readonly record struct ProducerIdAndEpoch(long ProducerId, short Epoch);

/// <summary>
/// Kafka's InitProducerId with a transactional id, for the transaction coordinator: answered with an
/// <see cref="InitProducerIdResult"/>. <see cref="Expected"/> is the producer id and epoch a KIP-360 producer
/// (InitProducerId v3+) had, null when it had none. Only the InitProducerId handler sends it: clients send Kafka's request.
/// </summary>
public sealed record InitTransactionalProducer(string TransactionalId, int TimeoutMs, ProducerIdAndEpoch? Expected = null)
    : ITransactionCommand, IBrokerInternal;
