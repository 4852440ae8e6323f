using AkkaKafka.Protocol;

namespace AkkaKafka.Broker.Transactions;

/// <summary>
/// Marker for what a transactional id's coordinator persists, Kafka's transaction log records (__transaction_state)
/// split by what changed. <see cref="TransactionState.Apply"/> is the only place they take effect, on a live
/// coordinator and on recovery alike.
/// </summary>
public interface ITransactionEvent;

/// <summary>
/// InitProducerId took effect: the producer id and epoch handed out (the epoch bumped, or a fresh producer id at epoch 0
/// once the old one's epochs ran out), the previous ones kept so that a retried InitProducerId (KIP-360) is answered
/// the same, and the producer's transaction.timeout.ms. A finished transaction is forgotten.
/// </summary>
public sealed record TransactionProducerInitialized(long ProducerId, short ProducerEpoch, long LastProducerId, short LastProducerEpoch,
    int TimeoutMs, DateTime At) : ITransactionEvent;

/// <summary>AddPartitionsToTxn: these partitions are in the transaction (which starts now if none was open).</summary>
public sealed record TransactionPartitionsAdded(IReadOnlyList<TopicPartition> Partitions, DateTime At) : ITransactionEvent;

/// <summary>AddOffsetsToTxn: the group's offsets committed with TxnOffsetCommit are part of the transaction.</summary>
public sealed record TransactionGroupAdded(string Group, DateTime At) : ITransactionEvent;

/// <summary>
/// EndTxn (or the coordinator itself, fencing the producer) decided the outcome: PrepareCommit or PrepareAbort, after
/// which the markers are written. <see cref="ProducerEpoch"/> is the epoch the markers carry: the producer's own, or one
/// higher when the coordinator aborts to fence it (a timed-out transaction, a new producer's InitProducerId).
/// </summary>
public sealed record TransactionEndPrepared(bool Commit, short ProducerEpoch, DateTime At) : ITransactionEvent;

/// <summary>Every marker is written and every group told: CompleteCommit or CompleteAbort.</summary>
public sealed record TransactionEndCompleted(DateTime At) : ITransactionEvent;

/// <summary>
/// transactional.id.expiration.ms passed with no transaction open: the id is Dead, and a later InitProducerId starts it
/// afresh with a new producer id, as Kafka's coordinator does after removing an expired id.
/// </summary>
public sealed record TransactionalIdExpired(DateTime At) : ITransactionEvent;

/// <summary>
/// What the <see cref="TransactionCoordinatorActor"/> itself persists (journal "transactional-ids"): which
/// transactional ids exist, so that after a failover it restarts each id's actor, whose open transaction must still
/// time out and whose ending transaction must still get its markers, whether or not its producer comes back.
/// </summary>
public interface ITransactionCoordinatorEvent;

/// <summary>The first InitProducerId of a transactional id: from now on the coordinator restarts its actor wherever it runs.</summary>
public sealed record TransactionalIdRegistered(string TransactionalId) : ITransactionCoordinatorEvent;

/// <summary>The coordinator's snapshot: every registered transactional id.</summary>
public sealed record TransactionalIdsSnapshot(IReadOnlyList<string> TransactionalIds);
