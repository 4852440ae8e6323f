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

/// <summary>
/// Kafka's AddPartitionsToTxn for one transactional id, as the handler hands it to the transaction coordinator. With
/// <see cref="VerifyOnly"/> (KIP-890 part 1: a partition leader checking a transactional produce, or AddPartitionsToTxn
/// v4+ from a broker) nothing is added: each partition is answered None only if it is already in the producer's ongoing
/// transaction (else INVALID_TXN_STATE, or the fencing error for a stale producer). Answered with
/// <see cref="AddPartitionsToTransactionResult"/>.
/// </summary>
public sealed record AddPartitionsToTransaction(string TransactionalId, long ProducerId, short ProducerEpoch,
    IReadOnlyList<TopicPartition> Partitions, bool VerifyOnly = false) : ITransactionCommand, IBrokerInternal;

/// <summary>One partition's outcome in a transaction request.</summary>
public readonly record struct PartitionErrorCode(TopicPartition Partition, ErrorCode Error);

/// <summary>The answer to <see cref="AddPartitionsToTransaction"/>: one error code per partition asked about.</summary>
public sealed record AddPartitionsToTransactionResult(string TransactionalId, IReadOnlyList<PartitionErrorCode> Partitions) : IAkkaKafkaMessage;

/// <summary>
/// Kafka's AddOffsetsToTxn for the transaction coordinator: the producer's TxnOffsetCommit offsets for
/// <see cref="Group"/> become part of its open transaction (committed or dropped with it). Answered with a
/// <see cref="TransactionRequestResult"/>.
/// </summary>
public sealed record AddOffsetsToTransaction(string TransactionalId, long ProducerId, short ProducerEpoch, string Group)
    : ITransactionCommand, IBrokerInternal;

/// <summary>
/// Kafka's EndTxn for the transaction coordinator: commit or abort the producer's open transaction. Answered with a
/// <see cref="TransactionRequestResult"/> once the outcome (PrepareCommit or PrepareAbort) is persisted; the markers
/// are written after, as Kafka's coordinator writes them.
/// </summary>
public sealed record EndTransaction(string TransactionalId, long ProducerId, short ProducerEpoch, bool Commit)
    : ITransactionCommand, IBrokerInternal;

/// <summary>The transaction coordinator's answer to <see cref="AddOffsetsToTransaction"/> and <see cref="EndTransaction"/>.</summary>
public sealed record TransactionRequestResult(string TransactionalId, ErrorCode Error, string? ErrorMessage = null) : IAkkaKafkaMessage;
