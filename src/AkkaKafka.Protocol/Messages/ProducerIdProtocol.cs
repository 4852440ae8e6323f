namespace AkkaKafka.Protocol.Messages;

/// <summary>
/// Kafka's InitProducerId, answered by the controller: a new producer id (epoch 0) for an idempotent producer. Ids
/// never repeat across controllers and restarts. <see cref="TransactionalId"/> must be null: transactions are not
/// offered, and a transactional id is refused. Only the InitProducerId handler sends it: clients send Kafka's request.
/// </summary>
public sealed record InitProducerId(string? TransactionalId = null) : IControllerCommand, IBrokerInternal;

/// <summary>The answer to <see cref="InitProducerId"/>: the producer id and epoch, or an error (id -1, epoch -1).</summary>
public sealed record InitProducerIdResult(ErrorCode Error, long ProducerId, short ProducerEpoch, string? ErrorMessage = null) : IAkkaKafkaMessage;
