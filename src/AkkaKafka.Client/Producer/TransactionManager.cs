using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Client.Producer;

/// <summary>The transactional producer's states, Kafka's TransactionManager.State.</summary>
internal enum TransactionPhase
{
    /// <summary>InitTransactionsAsync not yet called.</summary>
    Uninitialized,
    /// <summary>InitProducerId with the transactional id asked, not yet answered.</summary>
    Initializing,
    /// <summary>Has its producer id and epoch; no transaction open.</summary>
    Ready,
    InTransaction,
    /// <summary>Flushing every batch, then EndTxn(commit).</summary>
    Committing,
    /// <summary>Batches never sent are failed, those in flight complete, then EndTxn(abort).</summary>
    Aborting,
    /// <summary>A batch or a partition of the transaction failed: it can only be aborted.</summary>
    AbortableError,
    /// <summary>Fenced (or refused for good): every later call fails.</summary>
    Fatal,
}

/// <summary>What the producer does with a transaction coordinator's answer.</summary>
internal enum CoordinatorAnswer
{
    Done,
    /// <summary>Ask again after a back-off (the coordinator is moving, or still completing the previous transaction).</summary>
    Retry,
    /// <summary>The transaction can only be aborted (<see cref="TransactionManager.AbortableError"/> says why).</summary>
    Abortable,
    /// <summary>The producer can do nothing more (<see cref="TransactionManager.FatalError"/> says why).</summary>
    Fatal,
}

/// <summary>
/// A transactional producer's state as pure data, after Kafka's TransactionManager: which calls are allowed in which
/// state, which partitions the coordinator has been told of (AddPartitionsToTxn before a partition's first batch of a
/// transaction, batched: partitions that need adding while a request is out go in the next one), and what each of the
/// coordinator's answers means (retry, abortable, fatal on fencing). The <see cref="ProducerActor"/> only sends the
/// requests it decides; nothing here waits or does I/O.
/// </summary>
internal sealed class TransactionManager(string transactionalId)
{
    private readonly HashSet<TopicPartition> _added = [];
    private HashSet<TopicPartition> _pending = [];
    private HashSet<TopicPartition>? _adding;

    public string TransactionalId { get; } = transactionalId;
    public TransactionPhase Phase { get; private set; } = TransactionPhase.Uninitialized;
    public long ProducerId { get; private set; } = -1;
    public short ProducerEpoch { get; private set; } = -1;
    /// <summary>Why the open transaction can only be aborted (the first failure), in <see cref="TransactionPhase.AbortableError"/>.</summary>
    public KafkaException? AbortableError { get; private set; }
    /// <summary>Why the producer can do nothing more, in <see cref="TransactionPhase.Fatal"/>.</summary>
    public KafkaException? FatalError { get; private set; }
    /// <summary>Whether the coordinator was told of a partition of this transaction (then EndTxn must be sent).</summary>
    public bool TransactionStarted => _added.Count > 0 || _adding is not null;
    /// <summary>An AddPartitionsToTxn is out: EndTxn waits for its answer (the coordinator handles them in order).</summary>
    public bool AddingPartitions => _adding is not null;
    /// <summary>Whether the transaction is ending (commit or abort asked, EndTxn not yet answered).</summary>
    public bool IsEnding => Phase is TransactionPhase.Committing or TransactionPhase.Aborting;
    /// <summary>Whether the commit or abort under way is a commit.</summary>
    public bool IsCommitting => Phase == TransactionPhase.Committing;

    /// <summary>InitTransactionsAsync: only once, as Kafka's (a second call after success is a mistake, not a re-init).</summary>
    public void StartInit()
    {
        if (Phase != TransactionPhase.Uninitialized) throw Illegal("InitTransactionsAsync", "it was called already");
        Phase = TransactionPhase.Initializing;
    }

    /// <summary>InitProducerId's answer: the producer id and epoch, a retry, or fatal (fenced, not authorized).</summary>
    public CoordinatorAnswer OnInitProducerId(ErrorCode error, long producerId, short producerEpoch)
    {
        if (Phase != TransactionPhase.Initializing) return CoordinatorAnswer.Done;  // late answer to an attempt given up
        if (error == ErrorCode.None)
        {
            ProducerId = producerId;
            ProducerEpoch = producerEpoch;
            Phase = TransactionPhase.Ready;
            return CoordinatorAnswer.Done;
        }
        if (IsCoordinatorRetry(error)) return CoordinatorAnswer.Retry;
        return Fail(error, "InitProducerId");
    }

    /// <summary>BeginTransaction: only when ready (Kafka's IllegalStateException otherwise), never after a fatal error.</summary>
    public void Begin()
    {
        ThrowIfFatal();
        if (Phase != TransactionPhase.Ready)
            throw Illegal("BeginTransaction", Phase switch
            {
                TransactionPhase.Uninitialized or TransactionPhase.Initializing => "InitTransactionsAsync has not completed",
                TransactionPhase.InTransaction or TransactionPhase.AbortableError => "a transaction is already open",
                _ => "the previous transaction is still being committed or aborted",
            });
        Phase = TransactionPhase.InTransaction;
    }

    /// <summary>Whether a record may be sent now; else why not.</summary>
    public Exception? RefuseSend() => Phase switch
    {
        TransactionPhase.InTransaction => null,
        TransactionPhase.AbortableError => AbortableError,
        TransactionPhase.Fatal => FatalError,
        _ => Illegal("Send", "no transaction is open (call BeginTransaction first)"),
    };

    /// <summary>
    /// Whether a batch of <paramref name="partition"/> may go out: only once the coordinator knows the partition is in
    /// the transaction. A partition not yet known is queued for the next AddPartitionsToTxn.
    /// </summary>
    public bool MaySend(TopicPartition partition)
    {
        if (_added.Contains(partition)) return true;
        if (Phase is TransactionPhase.InTransaction or TransactionPhase.Committing && _adding?.Contains(partition) != true)
            _pending.Add(partition);
        return false;
    }

    /// <summary>The partitions for the next AddPartitionsToTxn, if one may go now (none out, some waiting).</summary>
    public IReadOnlyCollection<TopicPartition>? NextPartitionsToAdd()
    {
        if (_adding is not null || _pending.Count == 0 || Phase is not (TransactionPhase.InTransaction or TransactionPhase.Committing)) return null;
        _adding = _pending;
        _pending = [];
        return _adding;
    }

    /// <summary>
    /// AddPartitionsToTxn's answer by partition (null: no answer, the request is sent again). Retriable errors send
    /// the partitions again; fencing is fatal; any other refusal (the topic not writable, the state wrong) leaves only
    /// an abort (Kafka's abortable error).
    /// </summary>
    /// <param name="wholeRequest">Every partition's error when there is no answer by partition.</param>
    public CoordinatorAnswer OnPartitionsAdded(IReadOnlyDictionary<TopicPartition, ErrorCode>? answers, ErrorCode wholeRequest = ErrorCode.RequestTimedOut)
    {
        if (_adding is not { } adding) return CoordinatorAnswer.Done;
        _adding = null;
        if (Phase == TransactionPhase.Fatal) return CoordinatorAnswer.Fatal;
        var retry = false;
        foreach (var tp in adding)
        {
            var error = answers is null ? wholeRequest : answers.GetValueOrDefault(tp, ErrorCode.UnknownServerError);
            if (error == ErrorCode.None)
                _added.Add(tp);
            else if (IsCoordinatorRetry(error) || error is ErrorCode.OperationNotAttempted or ErrorCode.RequestTimedOut)
            {
                // Aborting meanwhile: the partition is dropped, nothing of it will be sent.
                if (Phase is TransactionPhase.InTransaction or TransactionPhase.Committing) _pending.Add(tp);
                retry = true;
            }
            else if (IsFenced(error) || error is ErrorCode.TransactionalIdAuthorizationFailed or ErrorCode.InvalidProducerIdMapping)
                return Fail(error, "AddPartitionsToTxn");
            else
                OnTransactionFailed(new KafkaException(error, $"AddPartitionsToTxn for {tp}: {KafkaName(error)}: {error.Describe()}"));
        }
        if (Phase == TransactionPhase.AbortableError) return CoordinatorAnswer.Abortable;
        return retry ? CoordinatorAnswer.Retry : CoordinatorAnswer.Done;
    }

    /// <summary>
    /// A batch of the transaction failed for good (or a partition could not join it): the transaction can no longer
    /// commit. Fencing errors make the producer fatal.
    /// </summary>
    public void OnTransactionFailed(KafkaException error)
    {
        if (IsFenced(error.Error))
        {
            Fail(error.Error, "Produce");
            return;
        }
        if (Phase is not (TransactionPhase.InTransaction or TransactionPhase.Committing)) return;
        AbortableError = error;
        Phase = TransactionPhase.AbortableError;
    }

    /// <summary>CommitTransactionAsync: only an open transaction without failures (abort one with failures).</summary>
    public void BeginCommit()
    {
        ThrowIfFatal();
        if (Phase == TransactionPhase.AbortableError)
            throw new KafkaException(AbortableError!.Error, $"the transaction cannot commit, abort it: {AbortableError.Message}");
        if (Phase != TransactionPhase.InTransaction) throw Illegal("CommitTransactionAsync", "no transaction is open");
        Phase = TransactionPhase.Committing;
    }

    /// <summary>AbortTransactionAsync: an open transaction, with or without failures. Partitions not yet added are dropped.</summary>
    public void BeginAbort()
    {
        ThrowIfFatal();
        if (Phase is not (TransactionPhase.InTransaction or TransactionPhase.AbortableError or TransactionPhase.Committing))
            throw Illegal("AbortTransactionAsync", "no transaction is open");
        Phase = TransactionPhase.Aborting;
        _pending.Clear();
    }

    /// <summary>A commit whose flush saw a batch fail does not send EndTxn: it fails, and the transaction awaits an abort.</summary>
    public KafkaException? CommitRefusal() => Phase == TransactionPhase.AbortableError ? AbortableError : null;

    /// <summary>EndTxn's answer (or, with nothing added, no EndTxn at all: <see cref="Completed"/>).</summary>
    public CoordinatorAnswer OnEndTxn(ErrorCode error)
    {
        if (!IsEnding) return CoordinatorAnswer.Done;
        if (error == ErrorCode.None)
        {
            Completed();
            return CoordinatorAnswer.Done;
        }
        if (IsCoordinatorRetry(error) || error == ErrorCode.RequestTimedOut) return CoordinatorAnswer.Retry;
        return Fail(error, "EndTxn");
    }

    /// <summary>The transaction is over (committed, aborted, or nothing was ever sent in it): ready for the next.</summary>
    public void Completed()
    {
        _added.Clear();
        _pending.Clear();
        AbortableError = null;
        if (Phase != TransactionPhase.Fatal) Phase = TransactionPhase.Ready;
    }

    /// <summary>The producer gives up for good with this error (fenced, not authorized, the state wrong).</summary>
    public CoordinatorAnswer Fail(ErrorCode error, string request)
    {
        if (FatalError is null)
        {
            var why = IsFenced(error)
                ? $"producer fenced: another producer with transactional id '{TransactionalId}' has started, or its transaction timed out ({KafkaName(error)} on {request})"
                : $"transactional id '{TransactionalId}': {KafkaName(error)} on {request}: {error.Describe()}";
            FatalError = new KafkaException(error, why);
        }
        Phase = TransactionPhase.Fatal;
        _pending.Clear();
        return CoordinatorAnswer.Fatal;
    }

    private void ThrowIfFatal()
    {
        if (FatalError is { } fatal) throw fatal;
    }

    private InvalidOperationException Illegal(string call, string why) =>
        new($"{call} on transactional producer '{TransactionalId}': {why}");

    /// <summary>The coordinator moving or loading, or still completing the previous transaction: Kafka's producer retries.</summary>
    private static bool IsCoordinatorRetry(ErrorCode error) => error is ErrorCode.CoordinatorNotAvailable or ErrorCode.NotCoordinator
        or ErrorCode.CoordinatorLoadInProgress or ErrorCode.ConcurrentTransactions;

    public static bool IsFenced(ErrorCode error) => error is ErrorCode.ProducerFenced or ErrorCode.InvalidProducerEpoch
        or ErrorCode.TransactionCoordinatorFenced;

    private static string KafkaName(ErrorCode error) => Consumer.FetchError.KafkaNameOf(error);
}
