using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Transactions;

/// <summary>
/// One transactional id, a child of the <see cref="TransactionCoordinatorActor"/>: a thin persistent shell over
/// <see cref="TransactionState"/> (journal "transaction-&lt;id&gt;", a snapshot every <see cref="SnapshotEvery"/>
/// events). It answers after the decision is persisted, never before. A new producer id is asked of the controller's
/// ProducerIdAllocator (the same blocks idempotent producers get theirs from); meanwhile other requests wait (stashed),
/// so decisions are taken one at a time on the state they were asked about.
/// </summary>
public sealed class TransactionalIdActor : UntypedPersistentActor, IWithUnboundedStash
{
    private const int SnapshotEvery = 100;

    private readonly string _transactionalId;
    private readonly IActorRef _producerIds;
    private readonly TransactionSettings _settings;
    private readonly TimeSpan _askTimeout;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private TransactionState _state;

    public TransactionalIdActor(string transactionalId, IActorRef producerIds, TransactionSettings settings, TimeSpan askTimeout)
    {
        _transactionalId = transactionalId;
        _producerIds = producerIds;
        _settings = settings;
        _askTimeout = askTimeout;
        _state = TransactionState.New(transactionalId);
    }

    public static Props Props(string transactionalId, IActorRef producerIds, TransactionSettings settings, TimeSpan askTimeout) =>
        Akka.Actor.Props.Create(() => new TransactionalIdActor(transactionalId, producerIds, settings, askTimeout));

    public override string PersistenceId => $"transaction-{_transactionalId}";

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: TransactionState snapshot }:
                _state = snapshot;
                break;
            case ITransactionEvent e:
                _state = _state.Apply(e);
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case InitTransactionalProducer init:
                Init(init, Sender, freshProducerId: null);
                break;
            // KIP-890 part 1: a partition checking a transactional produce. Nothing changes, so nothing is persisted.
            case AddPartitionsToTransaction { VerifyOnly: true } verify:
                Sender.Tell(new AddPartitionsToTransactionResult(_transactionalId,
                    _state.VerifyPartitions(verify.ProducerId, verify.ProducerEpoch, verify.Partitions)
                        .Select(p => new PartitionErrorCode(p.Key, p.Value)).ToList()));
                break;
            case DescribeTransaction:
                Sender.Tell(TransactionListings.Describe(_state));
                break;
            case SaveSnapshotSuccess or SaveSnapshotFailure:
                // A failed snapshot only lengthens the next recovery: the journal holds every event.
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Init(InitTransactionalProducer init, IActorRef replyTo, long? freshProducerId)
    {
        switch (_state.InitProducerId(init.TimeoutMs, init.Expected, _settings.MaxTimeout, DateTime.UtcNow, freshProducerId))
        {
            case TransactionAnswered { Error: ErrorCode.None }:
                replyTo.Tell(new InitProducerIdResult(ErrorCode.None, _state.ProducerId, _state.ProducerEpoch));
                break;
            case TransactionAnswered refused:
                replyTo.Tell(new InitProducerIdResult(refused.Error, -1, -1, refused.Reason));
                break;
            case TransactionChanged changed:
                PersistThen(changed.Events, () => replyTo.Tell(changed.Answer == ErrorCode.None
                    ? new InitProducerIdResult(ErrorCode.None, _state.ProducerId, _state.ProducerEpoch)
                    : new InitProducerIdResult(changed.Answer, -1, -1, changed.Answer.Describe())));
                break;
            case TransactionNeedsProducerId:
                _producerIds.Ask<InitProducerIdResult>(new InitProducerId(), _askTimeout).PipeTo(Self,
                    success: result => new ProducerIdTaken(init, replyTo, result),
                    failure: _ => new ProducerIdTaken(init, replyTo,
                        new InitProducerIdResult(ErrorCode.CoordinatorNotAvailable, -1, -1, "the controller did not hand out a producer id in time")));
                BecomeStacked(TakingProducerId);
                break;
        }
    }

    private void TakingProducerId(object message)
    {
        if (message is not ProducerIdTaken taken)
        {
            Stash.Stash();
            return;
        }
        UnbecomeStacked();
        Stash.UnstashAll();
        if (taken.Result.Error != ErrorCode.None)
        {
            // The controller is failing over or cannot write a block: the producer retries InitProducerId.
            _log.Warning("Transactional id {0}: no producer id from the controller ({1})", _transactionalId, taken.Result.ErrorMessage ?? taken.Result.Error.Describe());
            taken.ReplyTo.Tell(new InitProducerIdResult(ErrorCode.CoordinatorNotAvailable, -1, -1, taken.Result.ErrorMessage));
            return;
        }
        Init(taken.Init, taken.ReplyTo, taken.Result.ProducerId);
    }

    /// <summary>Persists the events in one atomic write, applies each, then runs <paramref name="then"/> once.</summary>
    private void PersistThen(IReadOnlyList<ITransactionEvent> events, Action then)
    {
        var left = events.Count;
        PersistAll(events, e =>
        {
            _state = _state.Apply(e);
            if (LastSequenceNr % SnapshotEvery == 0) SaveSnapshot(_state);
            if (--left == 0) then();
        });
    }

    private sealed record ProducerIdTaken(InitTransactionalProducer Init, IActorRef ReplyTo, InitProducerIdResult Result);
}
