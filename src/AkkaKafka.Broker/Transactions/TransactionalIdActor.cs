using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Broker.Transactions;

/// <summary>
/// One transactional id, a child of the <see cref="TransactionCoordinatorActor"/>: a thin persistent shell over
/// <see cref="TransactionState"/> (journal "transaction-&lt;id&gt;", a snapshot every <see cref="SnapshotEvery"/>
/// events). It answers after the decision is persisted, never before. A new producer id is asked of the controller's
/// ProducerIdAllocator (the same blocks idempotent producers get theirs from); meanwhile other requests wait (stashed),
/// so decisions are taken one at a time on the state they were asked about.
/// <para>Once an outcome is persisted (PrepareCommit or PrepareAbort: EndTxn, a timeout, a new producer's
/// InitProducerId) it writes the marker into every partition of the transaction (<see cref="WriteTxnMarker"/>, through
/// <c>brokers</c>, which routes it to each partition's owner) and tells every group (<see cref="CompleteTransactionalOffsets"/>),
/// retrying each until it is taken, then persists the completion. A recovered actor in those states does the same, so
/// markers survive the coordinator's failover. An open transaction past its transaction.timeout.ms is aborted by the
/// actor's own timer, its epoch bumped (the producer is fenced).</para>
/// </summary>
public sealed class TransactionalIdActor : UntypedPersistentActor, IWithUnboundedStash, IWithTimers
{
    private const int SnapshotEvery = 100;
    private const string TimeoutTimer = "transaction-timeout";

    /// <summary>
    /// The single coordinator writes every marker of every producer, so its markers need no epoch of their own to
    /// fence an older coordinator: Kafka's coordinator epoch is constant here.
    /// </summary>
    public const int CoordinatorEpoch = 0;

    private readonly string _transactionalId;
    private readonly IActorRef _producerIds;
    private readonly ICanTell _brokers;
    private readonly TransactionSettings _settings;
    private readonly TimeSpan _askTimeout;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private TransactionState _state;

    /// <summary>What the ending transaction still has to tell: partitions without their marker, groups not yet told.</summary>
    private readonly HashSet<TopicPartition> _markersToWrite = [];
    private readonly HashSet<string> _groupsToTell = new(StringComparer.Ordinal);

    /// <summary>Counts the endings this actor has driven, so that a late answer about an earlier one is not taken for the current one's.</summary>
    private long _ending;

    public TransactionalIdActor(string transactionalId, IActorRef producerIds, ICanTell brokers, TransactionSettings settings, TimeSpan askTimeout)
    {
        _transactionalId = transactionalId;
        _producerIds = producerIds;
        _brokers = brokers;
        _settings = settings;
        _askTimeout = askTimeout;
        _state = TransactionState.New(transactionalId);
    }

    public static Props Props(string transactionalId, IActorRef producerIds, ICanTell brokers, TransactionSettings settings, TimeSpan askTimeout) =>
        Akka.Actor.Props.Create(() => new TransactionalIdActor(transactionalId, producerIds, brokers, settings, askTimeout));

    public override string PersistenceId => $"transaction-{_transactionalId}";

    public ITimerScheduler Timers { get; set; } = null!;

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
            case RecoveryCompleted:
                // Markers of an outcome persisted before a crash or failover, and the timer of an open transaction.
                CarryOn();
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
            case AddPartitionsToTransaction { VerifyOnly: false } add:
            {
                var replyTo = Sender;
                Decide(_state.AddPartitions(add.ProducerId, add.ProducerEpoch, add.Partitions, DateTime.UtcNow),
                    error => replyTo.Tell(new AddPartitionsToTransactionResult(_transactionalId, add.Partitions.Select(p => new PartitionErrorCode(p, error)).ToList())));
                break;
            }
            case AddOffsetsToTransaction add:
            {
                var replyTo = Sender;
                Decide(_state.AddGroup(add.ProducerId, add.ProducerEpoch, add.Group, DateTime.UtcNow),
                    (error, reason) => replyTo.Tell(new TransactionRequestResult(_transactionalId, error, reason)));
                break;
            }
            case EndTransaction end:
            {
                var replyTo = Sender;
                // Answered once PrepareCommit or PrepareAbort is persisted; the markers follow (Kafka answers EndTxn the same way).
                Decide(_state.EndTransaction(end.ProducerId, end.ProducerEpoch, end.Commit, DateTime.UtcNow),
                    (error, reason) => replyTo.Tell(new TransactionRequestResult(_transactionalId, error, reason)));
                break;
            }
            case MarkerAnswered answered:
                OnMarkerAnswered(answered);
                break;
            case GroupAnswered answered:
                OnGroupAnswered(answered);
                break;
            case WriteMarkerAgain again when again.Ending == _ending && _markersToWrite.Contains(again.Partition):
                WriteMarker(again.Partition);
                break;
            case TellGroupAgain again when again.Ending == _ending && _groupsToTell.Contains(again.Group):
                TellGroup(again.Group);
                break;
            case WriteMarkerAgain or TellGroupAgain:
                break;
            case TransactionTimeoutDue:
                if (_state.TimedOut(DateTime.UtcNow) is { } abort)
                {
                    _log.Info("Transactional id {0}: transaction of producer {1} epoch {2} exceeded transaction.timeout.ms {3}; aborting it and fencing the producer",
                        _transactionalId, _state.ProducerId, _state.ProducerEpoch, _state.TimeoutMs);
                    PersistThen([abort], () => { });
                }
                else
                {
                    CarryOn();
                }
                break;
            case SaveSnapshotSuccess or SaveSnapshotFailure:
                // A failed snapshot only lengthens the next recovery: the journal holds every event.
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>Answers a decision of <see cref="TransactionState"/>: at once when nothing changes, else after the events are persisted.</summary>
    private void Decide(TransactionDecision decision, Action<ErrorCode, string?> answer)
    {
        switch (decision)
        {
            case TransactionAnswered answered:
                answer(answered.Error, answered.Reason);
                break;
            case TransactionChanged changed:
                PersistThen(changed.Events, () => answer(changed.Answer, null));
                break;
            default:
                throw new InvalidOperationException($"unexpected decision {decision.GetType().Name} for transactional id '{_transactionalId}'");
        }
    }

    private void Decide(TransactionDecision decision, Action<ErrorCode> answer) => Decide(decision, (error, _) => answer(error));

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

    /// <summary>Persists the events in one atomic write, applies each, runs <paramref name="then"/> once, then carries on from the new state.</summary>
    private void PersistThen(IReadOnlyList<ITransactionEvent> events, Action then)
    {
        var left = events.Count;
        PersistAll(events, e =>
        {
            _state = _state.Apply(e);
            if (LastSequenceNr % SnapshotEvery == 0) SaveSnapshot(_state);
            if (--left > 0) return;
            then();
            CarryOn();
        });
    }

    // ---------------- What the state asks of the coordinator itself ----------------

    /// <summary>
    /// After every change and after recovery: an ending transaction's markers are written (once per ending), an open
    /// one's timeout is armed at its deadline.
    /// </summary>
    private void CarryOn()
    {
        if (_state.IsEnding && _markersToWrite.Count == 0 && _groupsToTell.Count == 0) BeginMarkers();

        if (_state.Deadline is { } deadline)
        {
            var due = deadline - DateTime.UtcNow;
            Timers.StartSingleTimer(TimeoutTimer, TransactionTimeoutDue.Instance, due > TimeSpan.Zero ? due : TimeSpan.Zero);
        }
        else
        {
            Timers.Cancel(TimeoutTimer);
        }
    }

    private void BeginMarkers()
    {
        _ending++;
        _markersToWrite.UnionWith(_state.Partitions);
        _groupsToTell.UnionWith(_state.Groups);
        if (_markersToWrite.Count == 0 && _groupsToTell.Count == 0)
        {
            Complete();
            return;
        }
        foreach (var partition in _markersToWrite) WriteMarker(partition);
        foreach (var group in _groupsToTell) TellGroup(group);
    }

    private void WriteMarker(TopicPartition partition)
    {
        var ending = _ending;
        var marker = new WriteTxnMarker(partition.Topic, partition.Partition, _state.ProducerId, _state.ProducerEpoch,
            _state.Status == TransactionStatus.PrepareCommit ? TransactionResult.Commit : TransactionResult.Abort, CoordinatorEpoch);
        _brokers.Ask<WriteTxnMarkerResponse>(marker, _askTimeout).PipeTo(Self,
            success: response => new MarkerAnswered(ending, partition, response.Error, response.ErrorMessage),
            failure: _ => new MarkerAnswered(ending, partition, ErrorCode.RequestTimedOut, "no answer from the partition's owner in time"));
    }

    private void TellGroup(string group)
    {
        var ending = _ending;
        _brokers.Ask<TransactionalOffsetsCompleted>(new CompleteTransactionalOffsets(group, _state.ProducerId, _state.ProducerEpoch,
                _state.Status == TransactionStatus.PrepareCommit), _askTimeout).PipeTo(Self,
            success: response => new GroupAnswered(ending, group, response.Error),
            failure: _ => new GroupAnswered(ending, group, ErrorCode.RequestTimedOut));
    }

    private void OnMarkerAnswered(MarkerAnswered answered)
    {
        if (answered.Ending != _ending || !_markersToWrite.Contains(answered.Partition)) return;
        switch (answered.Error)
        {
            case ErrorCode.None:
                break;
            // Kafka's coordinator gives up on these too: the topic was deleted (no marker can be written, and no
            // reader is left), or the partition already holds a newer epoch of the producer or a newer coordinator's
            // marker, so this transaction is already closed there.
            case ErrorCode.UnknownTopicOrPartition or ErrorCode.InvalidProducerEpoch or ErrorCode.TransactionCoordinatorFenced:
                _log.Warning("Transactional id {0}: no {1} marker written to {2} ({3}: {4})", _transactionalId,
                    _state.Status == TransactionStatus.PrepareCommit ? "commit" : "abort", answered.Partition, answered.Error, answered.Message ?? answered.Error.Describe());
                break;
            default:
                // The owner moved, is down or not yet known, the journal failed: the marker must still be written.
                _log.Debug("Transactional id {0}: marker for {1} not written yet ({2}); retrying", _transactionalId, answered.Partition, answered.Error);
                Timers.StartSingleTimer("marker-" + answered.Partition, new WriteMarkerAgain(_ending, answered.Partition), _settings.MarkerRetryBackoff);
                return;
        }
        _markersToWrite.Remove(answered.Partition);
        CompleteWhenAllTold();
    }

    private void OnGroupAnswered(GroupAnswered answered)
    {
        if (answered.Ending != _ending || !_groupsToTell.Contains(answered.Group)) return;
        if (answered.Error != ErrorCode.None)
        {
            // The group coordinator is failing over, or has not answered: its pending offsets must still be completed.
            Timers.StartSingleTimer("group-" + answered.Group, new TellGroupAgain(_ending, answered.Group), _settings.MarkerRetryBackoff);
            return;
        }
        _groupsToTell.Remove(answered.Group);
        CompleteWhenAllTold();
    }

    private void CompleteWhenAllTold()
    {
        if (_markersToWrite.Count == 0 && _groupsToTell.Count == 0) Complete();
    }

    private void Complete()
    {
        if (_state.MarkersWritten(DateTime.UtcNow) is { } completed) PersistThen([completed], () => { });
    }

    private sealed record ProducerIdTaken(InitTransactionalProducer Init, IActorRef ReplyTo, InitProducerIdResult Result);

    private sealed record MarkerAnswered(long Ending, TopicPartition Partition, ErrorCode Error, string? Message);

    private sealed record GroupAnswered(long Ending, string Group, ErrorCode Error);

    private sealed record WriteMarkerAgain(long Ending, TopicPartition Partition);

    private sealed record TellGroupAgain(long Ending, string Group);

    private sealed class TransactionTimeoutDue
    {
        public static readonly TransactionTimeoutDue Instance = new();
    }
}
