using Akka.Actor;
using Akka.Event;
using Akka.Remote;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Client.Producer;

/// <summary>
/// The sending half of Kafka's producer (its Sender thread) as an actor. Records do not pass through it: callers
/// append them to the <see cref="RecordAccumulator"/>, which nudges this actor when a partition opens a batch (the
/// linger starts) or fills one. As Kafka's Sender, the actor sends each broker one Kafka Produce holding a ready batch
/// (full, or linger over) of every partition that broker owns, up to max-request-size, with at most max-in-flight
/// Produce requests unanswered per broker (Kafka's max.in.flight.requests.per.connection), in one hop to the broker
/// as a Kafka frame (<see cref="PartitionRoutes.KafkaAsync{TResponse}"/>): the broker serves it with the handler its
/// Kafka listener uses. Each partition's answer is handled on its own: batches the brokers could not take yet (a
/// partition moving, a broker failing over: NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, a lost connection) are
/// retried after refreshing metadata, until the delivery timeout, and every record completes with its offset or error.
/// It also learns metadata (auto-creating topics) for callers whose first record goes to a topic they do not know yet.
/// <para>acks=0: the broker answers nothing, on either transport, so the request is sent and its records are done.</para>
/// <para>When the connection to a broker drops, the requests in flight to it may have died with it: they stop
/// counting against max-in-flight, so newer batches go out at once instead of queueing behind them. They still
/// complete, or fail and are retried, as before.</para>
/// <para>Idempotence (on by default with acks=all, see <see cref="ClientSettings.EnableIdempotence"/>): the actor gets
/// a producer id from the controller before its first send, numbers each partition's batches when they are first sent
/// (the numbers are kept on every retry), retries in sequence order, keeps at most five requests in flight per broker
/// and five batches per partition even when a connection drops (the brokers remember a producer's last five batches), and starts over with a new producer
/// id, renumbering only batches that were refused, when a broker no longer knows the producer; a partition sends nothing
/// under the new id while a batch of it under the old one is unanswered.</para>
/// <para>Transactions (a transactional-id set): the <see cref="TransactionManager"/> decides, this actor sends. The
/// producer id comes from the transaction coordinator when the application asks (InitTransactionsAsync), not at
/// start; a partition's first batch of a transaction waits until AddPartitionsToTxn has added it (the partitions
/// waiting while one request is out go in the next); batches carry the transactional bit and Produce the transactional
/// id; commit sends every batch and waits for their answers before EndTxn(commit); abort fails the batches never sent,
/// lets those in flight complete, then EndTxn(abort). Fencing makes the producer fail every later call; a refused
/// sequence never starts a new producer id (that would leave the transaction), it makes the transaction abortable.</para>
/// </summary>
internal sealed class ProducerActor : UntypedActor, IWithTimers
{
    private const string RetryTimer = "retry";
    private const string MetadataTimer = "metadata";
    private const string ProducerIdTimer = "producer-id";
    private const string TransactionTimer = "transaction";
    /// <summary>Back-off before asking the transaction coordinator again (Kafka's retry.backoff.ms).</summary>
    private static readonly TimeSpan CoordinatorBackoff = TimeSpan.FromMilliseconds(100);
    /// <summary>
    /// AddPartitionsToTxn asks again sooner: right after a commit the coordinator answers CONCURRENT_TRANSACTIONS until
    /// its markers are written (milliseconds), and the next transaction's first batches wait for it (Kafka's producer
    /// retries this one after 20 ms too). With 100 ms, a transaction of one record took 100 ms at p95.
    /// </summary>
    private static readonly TimeSpan AddPartitionsBackoff = TimeSpan.FromMilliseconds(20);
    /// <summary>Kafka's limit for an idempotent producer: brokers remember each producer's last five batches.</summary>
    private const int MaxInFlightIdempotent = 5;
    private readonly ClusterConnection _connection;
    private readonly Acks _acks;
    private readonly string _clientId;
    private readonly ProducerShared _shared;
    private readonly ClientSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, List<TaskCompletionSource<TopicMetadata>>> _awaitingMetadata = new(StringComparer.Ordinal);
    private readonly Dictionary<TopicPartition, PartitionState> _partitions = new();
    /// <summary>Per broker (its "host:port"; "" while a partition's owner is unknown: the contact broker routes it).</summary>
    private readonly Dictionary<string, BrokerState> _brokers = new(StringComparer.Ordinal);
    /// <summary>Produce requests awaiting their answer, by send id.</summary>
    private readonly Dictionary<long, InFlightRequest> _requests = new();
    private readonly List<TaskCompletionSource> _flushes = [];
    private ClusterMetadata _metadata = ClusterMetadata.Empty;
    private bool _metadataRequested;
    private long _sends;
    private readonly bool _idempotent;
    private readonly int _maxInFlight;
    /// <summary>The idempotent producer's id and epoch; -1 until the controller gave one (or while a new one is asked).</summary>
    private long _producerId = -1;
    private short _producerEpoch = -1;
    private bool _producerIdRequested;
    /// <summary>
    /// Why this producer can never have a producer id (the user may not get one: CLUSTER_AUTHORIZATION_FAILED, fatal for
    /// Kafka's idempotent producer too); every record then fails with it instead of waiting for an id forever.
    /// </summary>
    private KafkaException? _producerIdRefused;
    /// <summary>Which (partition, error) the application's <see cref="Producer.OnRetriableError"/> has heard of already.</summary>
    private readonly HashSet<(TopicPartition, ErrorCode)> _toldRetries = [];
    /// <summary>The transactional producer's state; null without a transactional-id.</summary>
    private readonly TransactionManager? _transaction;
    /// <summary>The application's InitTransactionsAsync / CommitTransactionAsync / AbortTransactionAsync under way, and when its coordinator retries give up.</summary>
    private TaskCompletionSource? _transactionCall;
    private DateTime _transactionCallDeadline;
    private bool _endTxnSent;
    /// <summary>Whether the batches waiting were failed with the fatal error already.</summary>
    private bool _fatalHandled;

    public ProducerActor(ClusterConnection connection, Acks acks, string clientId, ProducerShared shared, ClientSettings settings,
        TransactionManager? transaction)
    {
        _connection = connection;
        _acks = acks;
        _clientId = clientId;
        _shared = shared;
        _settings = settings;
        // As Kafka's producer: idempotence needs acks=all; with acks 0 or 1 it is off for this producer.
        _idempotent = _settings.EnableIdempotence && acks == Acks.All;
        _maxInFlight = _idempotent ? Math.Min(_settings.MaxInFlight, MaxInFlightIdempotent) : _settings.MaxInFlight;
        // Made by the facade (it refuses a transactional producer without acks=all), which published its first refusal
        // of sends before this actor existed: a send right after the producer was made must not slip in unrefused.
        _transaction = transaction;
    }

    /// <param name="settings">The connection's, or a copy with this producer's own transactional id.</param>
    /// <param name="transaction">The transactional producer's state, owned by the actor from now on; null without a transactional id.</param>
    public static Props Props(ClusterConnection connection, Acks acks, string clientId, ProducerShared shared, ClientSettings settings,
        TransactionManager? transaction) =>
        Akka.Actor.Props.Create(() => new ProducerActor(connection, acks, clientId, shared, settings, transaction));

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(DisassociatedEvent));
        if (_settings.EnableIdempotence && _acks != Acks.All)
            _log.Debug("Idempotence is off for producer {0}: it needs acks=all (acks={1})", _clientId, _acks);
        // A transactional producer's id comes from InitTransactionsAsync, as Kafka's.
        if (_idempotent && _transaction is null) RequestProducerId();
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case BatchFull full: Drain(full.Partition); break;
            case BatchOpened opened: OnBatchOpened(opened); break;
            case LingerExpired linger:
                State(linger.Partition).LingerOverUpTo = Math.Max(State(linger.Partition).LingerOverUpTo, linger.Sequence);
                Drain(linger.Partition);
                break;
            case Answered answered: OnAnswered(answered); break;
            case InitProducerIdResponseData result: OnProducerId(result); break;
            case ProducerIdFailed failed:
                _producerIdRequested = false;
                _log.Warning("No producer id from the cluster yet ({0}); asking again", failed.Reason);
                OnNoProducerId(failed);
                Timers.StartSingleTimer(ProducerIdTimer, RequestProducerIdNow.Instance, TimeSpan.FromSeconds(1));
                break;
            case RequestProducerIdNow: RequestProducerId(); break;
            case AwaitTopic waiting: OnAwaitTopic(waiting); break;
            case RoutingMetadata.Answer response:
                RefuseUnauthorized(response.UnauthorizedTopics);
                OnMetadata(response.Metadata);
                break;
            case MetadataFailed failed: OnMetadataFailed(failed); break;
            case RetryNow:
                if (_awaitingMetadata.Count > 0) RequestMetadata();
                RetryWaiting();
                break;
            case DisassociatedEvent lost when lost.RemoteAddress.System == Names.BrokerSystem: OnConnectionLost(lost.RemoteAddress); break;
            case InitTransactions init: OnInitTransactions(init); break;
            case BeginTransaction begin: OnBeginTransaction(begin); break;
            case EndTransaction end: OnEndTransaction(end); break;
            case TransactionalProducerId answer: OnTransactionalProducerId(answer); break;
            case PartitionsAdded added: OnPartitionsAdded(added); break;
            case EndTxnAnswered ended: OnEndTxnAnswered(ended); break;
            case RetryTransaction: RetryTransactionRequests(); break;
            case Flush flush:
                _flushes.Add(flush.Completion);
                foreach (var tp in _shared.Accumulator.CloseAll()) Ready(tp);
                DrainAll();
                CompleteFlushesIfIdle();
                break;
        }
    }

    private PartitionState State(TopicPartition tp)
    {
        if (!_partitions.TryGetValue(tp, out var state)) _partitions[tp] = state = new PartitionState();
        return state;
    }

    /// <summary>A caller waits for a topic's metadata: answer from what we know, or ask the brokers.</summary>
    private void OnAwaitTopic(AwaitTopic request)
    {
        if (_metadata.Topic(request.Topic) is { } topic)
        {
            request.Known.TrySetResult(topic);
            return;
        }
        if (!_awaitingMetadata.TryGetValue(request.Topic, out var list)) _awaitingMetadata[request.Topic] = list = [];
        list.Add(request.Known);
        RequestMetadata();
    }

    private void OnBatchOpened(BatchOpened opened)
    {
        if (_settings.Linger <= TimeSpan.Zero)
        {
            Drain(opened.Partition);
            return;
        }
        var state = State(opened.Partition);
        if (opened.Sequence <= state.LingerStartedFor) return; // nudges from different threads may arrive out of order
        state.LingerStartedFor = opened.Sequence;
        Timers.StartSingleTimer(opened.Partition, new LingerExpired(opened.Partition, opened.Sequence), _settings.Linger);
    }

    /// <summary>A partition may have a batch to send: its broker drains it with the others it owns.</summary>
    private void Drain(TopicPartition tp)
    {
        Ready(tp);
        DrainBroker(OwnerOf(tp));
    }

    /// <summary>Puts a partition in its broker's queue of partitions that may have something to send.</summary>
    private void Ready(TopicPartition tp)
    {
        var broker = Broker(OwnerOf(tp));
        if (broker.Queued.Add(tp)) broker.Queue.Enqueue(tp);
    }

    private void DrainAll()
    {
        foreach (var owner in _brokers.Keys.ToList()) DrainBroker(owner);
    }

    /// <summary>The partition's owner as the metadata names it; "" when unknown (the contact broker routes the request).</summary>
    private string OwnerOf(TopicPartition tp) => _metadata.Topic(tp.Topic)?.Partition(tp.Partition)?.Owner ?? "";

    private BrokerState Broker(string owner)
    {
        if (!_brokers.TryGetValue(owner, out var broker)) _brokers[owner] = broker = new BrokerState();
        return broker;
    }

    /// <summary>
    /// Sends the broker Produce requests while it has in-flight slots and its partitions have batches ready: each
    /// request takes at most one batch per partition (Kafka's rule for a Produce), the partitions in turn, up to
    /// max-request-size; a partition that gave a batch goes to the back of the queue, one that had nothing leaves it
    /// until it is nudged again (a batch opened or filled, its linger over, an answer, a retry due).
    /// </summary>
    private void DrainBroker(string owner)
    {
        // An idempotent producer sends nothing before it has its producer id: every batch must carry it.
        if (_idempotent && _producerId < 0)
        {
            if (_producerIdRefused is { } refused) FailEverything(refused);
            return;
        }
        var broker = Broker(owner);
        while (broker.Limited < _maxInFlight && broker.Queue.Count > 0)
        {
            var batches = new List<ProducerBatch>();
            var again = new List<TopicPartition>();
            long bytes = 0;
            var turns = broker.Queue.Count;
            while (turns-- > 0 && broker.Queue.TryDequeue(out var tp))
            {
                if (OwnerOf(tp) != owner)
                {
                    // Moved since it was queued (new metadata): it goes to its new owner.
                    broker.Queued.Remove(tp);
                    Ready(tp);
                    continue;
                }
                var state = State(tp);
                var full = false;
                if (TakeBatch(tp, state, next => !(full = bytes + next.EstimatedSize > _settings.MaxRequestSize && batches.Count > 0)) is not { } batch)
                {
                    // A batch that does not fit goes in the next request; a partition with nothing to send leaves the queue.
                    if (full) again.Add(tp);
                    else broker.Queued.Remove(tp);
                    continue;
                }
                batch.Attempts++;
                NumberIfNew(state, batch);
                batches.Add(batch);
                again.Add(tp);
                bytes += batch.Bytes.Length;
                if (bytes >= _settings.MaxRequestSize) break;
            }
            foreach (var tp in again) broker.Queue.Enqueue(tp);  // to the back: the others' turn first
            if (_transaction is not null) SendAddPartitions();
            if (batches.Count == 0) return;
            Send(owner, broker, batches);
        }
    }

    /// <summary>
    /// The partition's next batch to send, if it may send one now: batches to retry first (once their back-off is
    /// over; newer batches wait behind them, for order), then closed batches, then the open batch if its linger is over.
    /// <paramref name="fits"/> says whether a batch of that size still fits in the request being built.
    /// </summary>
    private ProducerBatch? TakeBatch(TopicPartition tp, PartitionState state, Func<ProducerBatch, bool> fits)
    {
        // An idempotent producer keeps at most five of a partition's batches unanswered (the brokers remember five).
        if (_idempotent && state.InFlight.Count >= _maxInFlight) return null;
        if (AwaitsOlderProducerId(state)) return null;
        // A partition's first batch of a transaction waits until the coordinator has added the partition (batches to
        // retry were sent in this transaction: their partition is in it).
        if (_transaction is not null && state.Retry.Count == 0 && _shared.Accumulator.HasRecords(tp) && !_transaction.MaySend(tp)) return null;
        if (state.Retry.Count > 0)
        {
            if (Timers.IsTimerActive(RetryTimer) || !fits(state.Retry[0])) return null;
            var retry = state.Retry[0];
            state.Retry.RemoveAt(0);
            return retry;
        }
        return _shared.Accumulator.TakeNext(tp, open => LingerOver(state, open) && fits(open), closed => fits(closed));
    }

    /// <summary>
    /// Whether a batch of the partition numbered under an earlier producer id is still unanswered: after a new producer
    /// id nothing more of the partition goes out until it is (Kafka's producer drains no batch while a partition's
    /// sequences are unresolved). Its answer may be a refusal that renumbers it, and it must then be numbered before the
    /// partition's newer batches, not after those that went out meanwhile: that was a reorder.
    /// </summary>
    private bool AwaitsOlderProducerId(PartitionState state)
    {
        if (!_idempotent) return false;
        foreach (var batch in state.InFlight.Values)
            if (batch.Idempotence is { } fields && fields.ProducerId != _producerId) return true;
        return false;
    }

    private bool LingerOver(PartitionState state, ProducerBatch open) =>
        _settings.Linger <= TimeSpan.Zero || open.Sequence <= state.LingerOverUpTo || DateTime.UtcNow - open.Created >= _settings.Linger;

    /// <summary>Numbers a batch of an idempotent producer when it is first sent; a retry keeps its numbers.</summary>
    private void NumberIfNew(PartitionState state, ProducerBatch batch)
    {
        if (!_idempotent || batch.Idempotence is not null) return;
        batch.Number(new ProducerFields(_producerId, _producerEpoch, state.NextSequence), transactional: _transaction is not null);
        // Sequences wrap from int.MaxValue to 0, as Kafka's.
        state.NextSequence = (int)((state.NextSequence + (long)batch.Count) % ((long)int.MaxValue + 1));
    }

    /// <summary>One Kafka Produce to <paramref name="owner"/> with the batches taken (numbered, one per partition).</summary>
    private void Send(string owner, BrokerState broker, List<ProducerBatch> batches)
    {
        var request = new ProduceRequestData((short)_acks, (int)_settings.RequestTimeout.TotalMilliseconds,
            batches.GroupBy(b => b.Partition.Topic, StringComparer.Ordinal)
                .Select(t => new ProduceRequestData.TopicProduceData(t.Key,
                    t.Select(b => new ProduceRequestData.PartitionProduceData(b.Partition.Partition, b.Bytes)).ToList()))
                .ToList(), _transaction?.TransactionalId);
        var to = owner.Length == 0 ? null : owner;
        var id = ++_sends;
        broker.Limited++;
        var self = Self;
        if (_acks == Acks.None)
        {
            // acks=0: no broker answers (Kafka's rule, on both transports): the records are done once sent, and
            // promised nothing more. The request still holds its max-in-flight slot until the broker's receipt (or
            // any other outcome): remoting would buffer a fast producer's frames without bound, where Kafka's socket
            // pushes back.
            foreach (var batch in batches) Finish(batch, -1, null);
            _requests[id] = new InFlightRequest(owner, []);
            _connection.Routes.KafkaAcceptedAsync(to, request, _clientId, _settings.RequestTimeout)
                .ContinueWith(_ => new Answered(id, null, null), TaskContinuationOptions.ExecuteSynchronously)
                .PipeTo(self);
            return;
        }
        _requests[id] = new InFlightRequest(owner, batches);
        foreach (var batch in batches) State(batch.Partition).InFlight[id] = batch;
        // The broker answers within timeout_ms, a partition it could not write in time with REQUEST_TIMED_OUT; the
        // client waits longer, so that one slow partition does not make the answers of all the others a lost request.
        _connection.Routes.KafkaAsync(to, request, _clientId, ProduceResponseData.Read, _settings.RequestTimeout * 2)
            .ContinueWith(t => t.IsCompletedSuccessfully
                    ? new Answered(id, t.Result, null)
                    : new Answered(id, null, t.Exception?.GetBaseException() ?? new TimeoutException("produce timed out")),
                TaskContinuationOptions.ExecuteSynchronously)
            .PipeTo(self);
    }

    /// <summary>Completes a batch's records and gives its buffer memory back.</summary>
    private void Finish(ProducerBatch batch, long baseOffset, Exception? error)
    {
        if (error is null) batch.Complete(baseOffset);
        else batch.Fail(error);
        _shared.Memory.Release(batch.ReservedBytes);
        // A record of the transaction lost: it can no longer commit (Kafka's abortable error), or, fenced, nothing more can.
        if (error is not null && _transaction is not null)
            _transaction.OnTransactionFailed(error as KafkaException ?? new KafkaException(ErrorCode.UnknownServerError, error.Message));
    }

    /// <summary>A Produce's answer (or its failure): each partition's batch is completed, retried or failed on its own.</summary>
    private void OnAnswered(Answered answered)
    {
        if (!_requests.Remove(answered.SendId, out var request)) return;
        if (request.Limited && _brokers.TryGetValue(request.Owner, out var broker)) broker.Limited--;
        var results = answered.Response?.Responses
            .SelectMany(t => t.Partitions.Select(p => (Partition: new TopicPartition(t.Name, p.PartitionIndex), Result: p)))
            .ToDictionary(r => r.Partition, r => r.Result);
        foreach (var batch in request.Batches)
        {
            var tp = batch.Partition;
            var state = State(tp);
            state.InFlight.Remove(answered.SendId);
            if (results is not null && results.TryGetValue(tp, out var result))
                OnPartitionAnswer(tp, state, batch, result.ErrorCode, result.ErrorMessage, result.BaseOffset);
            else if (answered.Failure is KafkaException refused)
                // The whole request refused (the session no longer valid): every partition hears why.
                OnPartitionAnswer(tp, state, batch, refused.Error, refused.Message, -1);
            else
                // No answer (the broker lost, the request timed out), or none for this partition: it may or may not be
                // written; retried (an idempotent producer's retry is recognised by its sequence).
                OnPartitionAnswer(tp, state, batch, null, answered.Failure?.Message, -1);
            Ready(tp);
        }
        DrainAll();
        CompleteFlushesIfIdle();
    }

    /// <summary>What one partition's answer means for its batch; <paramref name="error"/> null when there was none.</summary>
    private void OnPartitionAnswer(TopicPartition tp, PartitionState state, ProducerBatch batch, ErrorCode? error, string? message, long baseOffset)
    {
        if (error == ErrorCode.None)
        {
            Finish(batch, baseOffset, null);
            return;
        }
        if (_idempotent && error == ErrorCode.DuplicateSequenceNumber)
        {
            // Written before (its answer was lost), too long ago for the broker to know the offset: acknowledged,
            // offset -1, as Kafka's producer completes a batch answered DUPLICATE_SEQUENCE_NUMBER.
            Finish(batch, -1, null);
            return;
        }
        var code = error ?? ErrorCode.RequestTimedOut;
        var reason = message ?? (code == ErrorCode.TopicAuthorizationFailed && _connection.User is { } user
            ? $"TOPIC_AUTHORIZATION_FAILED: user '{user}' may not write topic '{tp.Topic}'"
            : code.Describe());
        var expired = DateTime.UtcNow - batch.Created > _settings.DeliveryTimeout;
        if (_idempotent && !expired && IdempotenceRetry(state, batch, code))
        {
            _log.Debug("Retrying idempotent batch for {0} in sequence order: {1}", tp, reason);
            AddRetry(state, batch);
            ScheduleRetry(batch);
        }
        else if ((code.IsRetriable() || error is null) && !expired)
        {
            // The partition is moving or its owner is failing over: look again and resend (before newer batches).
            _log.Debug("Retrying batch for {0}: {1}", tp, reason);
            if (error is not null) TellRetry(tp, code, reason);
            AddRetry(state, batch);
            RequestMetadata();
            ScheduleRetry(batch);
        }
        else
            Finish(batch, -1, new KafkaException(code, $"{tp}: {reason}"));
    }

    /// <summary>
    /// A broker's retriable answer that says something is wrong (the journal failing, the broker's own request
    /// timeout), told once per partition and error: a producer retrying silently until its delivery timeout left the
    /// user staring at a stalled command. A partition moving owners is routine and is not told.
    /// </summary>
    private void TellRetry(TopicPartition partition, ErrorCode error, string reason)
    {
        if (_shared.RetriableErrorHandler is not { } handler) return;
        if (error is ErrorCode.NotLeaderOrFollower or ErrorCode.LeaderNotAvailable or ErrorCode.UnknownTopicOrPartition) return;
        if (!_toldRetries.Add((partition, error))) return;
        try
        {
            handler(new RetriableError(partition, error, reason));
        }
        catch (Exception)
        {
            // The application's handler must not take the producer down; it hears of the next partition all the same.
        }
    }

    /// <summary>
    /// What an idempotent producer does with its own errors. OUT_OF_ORDER_SEQUENCE_NUMBER while an earlier batch of
    /// the partition is still outstanding: that batch was lost or overtaken, so this one goes again after it, with
    /// its numbers. Otherwise the broker does not know this producer's sequence (UNKNOWN_PRODUCER_ID, a gap left by a
    /// batch that failed for good, or a fenced epoch): the refused batch was not written, so it is renumbered under a
    /// new producer id. Returns false for every other error.
    /// </summary>
    private bool IdempotenceRetry(PartitionState state, ProducerBatch batch, ErrorCode error)
    {
        if (error is not (ErrorCode.OutOfOrderSequenceNumber or ErrorCode.UnknownProducerId or ErrorCode.InvalidProducerEpoch)) return false;
        if (error == ErrorCode.OutOfOrderSequenceNumber
            && state.InFlight.Values.Concat(state.Retry).Any(b => b.Sequence < batch.Sequence && b.Idempotence?.ProducerId == batch.Idempotence?.ProducerId))
            return true;
        // A transactional producer keeps its producer id and epoch for the whole transaction: the batch fails, and the
        // transaction can only be aborted (fenced: nothing more at all).
        if (_transaction is not null) return false;
        var stale = batch.Idempotence is { } fields && fields.ProducerId != _producerId;
        batch.Number(null);
        if (!stale) ResetProducerId($"{error.Describe()} on {batch.Partition}");
        return true;
    }

    /// <summary>
    /// Starts over with a new producer id: every partition numbers from 0 again, and batches waiting to be retried
    /// that were refused lose their numbers (batches in flight keep theirs until they are answered).
    /// </summary>
    private void ResetProducerId(string reason)
    {
        _log.Info("Producer {0}: asking for a new producer id after {1}", _clientId, reason);
        _producerId = -1;
        _producerEpoch = -1;
        foreach (var state in _partitions.Values)
        {
            state.NextSequence = 0;
            foreach (var waiting in state.Retry) waiting.Number(null);
        }
        RequestProducerId();
    }

    // ---------------- Transactions: the TransactionManager decides, these send ----------------

    private void OnInitTransactions(InitTransactions init)
    {
        if (RefuseCall(init.Completion, "InitTransactionsAsync") || !TryTransition(init.Completion, _transaction!.StartInit)) return;
        StartCall(init.Completion, _settings.MaxBlock);
        RequestTransactionalProducerId();
    }

    private void OnBeginTransaction(BeginTransaction begin)
    {
        if (RefuseCall(begin.Completion, "BeginTransaction") || !TryTransition(begin.Completion, _transaction!.Begin)) return;
        PublishTransactionState();
        begin.Completion.TrySetResult();
    }

    /// <summary>
    /// Commit: every open batch closes and goes, and EndTxn(commit) waits for all their answers. Abort: the batches
    /// never sent fail now, those sent complete, then EndTxn(abort). Either is bounded by the delivery timeout.
    /// </summary>
    private void OnEndTransaction(EndTransaction end)
    {
        var call = end.Commit ? "CommitTransactionAsync" : "AbortTransactionAsync";
        if (RefuseCall(end.Completion, call) || !TryTransition(end.Completion, end.Commit ? _transaction!.BeginCommit : _transaction!.BeginAbort)) return;
        StartCall(end.Completion, _settings.DeliveryTimeout);
        if (end.Commit)
        {
            foreach (var tp in _shared.Accumulator.CloseAll()) Ready(tp);
            DrainAll();
        }
        else
            foreach (var batch in _shared.Accumulator.RemoveAll())
                Finish(batch, -1, new TransactionAbortedException($"{batch.Partition}: the transaction was aborted before the record was sent"));
        AfterTransactionEvent();
    }

    /// <summary>Refuses a transaction call on a producer without a transactional id, or while another is under way.</summary>
    private bool RefuseCall(TaskCompletionSource completion, string call)
    {
        if (_transaction is null)
            completion.TrySetException(new InvalidOperationException($"{call} needs akkakafka.client.transactional-id (this producer has none)"));
        else if (_transactionCall is not null)
            completion.TrySetException(new InvalidOperationException($"{call}: the previous transaction call has not completed"));
        else return false;
        return true;
    }

    private static bool TryTransition(TaskCompletionSource completion, Action transition)
    {
        try
        {
            transition();
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or KafkaException)
        {
            completion.TrySetException(e);
            return false;
        }
    }

    private void StartCall(TaskCompletionSource completion, TimeSpan bound)
    {
        _transactionCall = completion;
        _transactionCallDeadline = DateTime.UtcNow + bound;
    }

    private void CompleteCall(Exception? error)
    {
        if (_transactionCall is not { } call) return;
        _transactionCall = null;
        if (error is null) call.TrySetResult();
        else call.TrySetException(error);
    }

    /// <summary>What the application sees of the state: sends are refused outside a transaction (and after a failure).</summary>
    private void PublishTransactionState() => _shared.SendRefusal = _transaction?.RefuseSend();

    /// <summary>
    /// After anything that may move the transaction on: a fatal error fails everything waiting and the call under way;
    /// a commit whose batches failed fails (the transaction awaits an abort); an ending transaction whose batches are
    /// all answered (and whose partitions are all added) sends EndTxn, or completes at once when nothing of it reached
    /// the coordinator (Kafka's producer sends no EndTxn for a transaction that never started).
    /// </summary>
    private void AfterTransactionEvent()
    {
        var transaction = _transaction!;
        PublishTransactionState();
        if (transaction.Phase == TransactionPhase.Fatal)
        {
            if (!_fatalHandled)
            {
                _fatalHandled = true;
                _log.Warning("Producer {0}: {1}", _clientId, transaction.FatalError!.Message);
                FailEverything(transaction.FatalError!);
            }
            CompleteCall(transaction.FatalError);
            return;
        }
        if (_transactionCall is null) return;
        if (transaction.CommitRefusal() is { } refusal)
        {
            CompleteCall(new KafkaException(refusal.Error, $"the transaction cannot commit, abort it: {refusal.Message}"));
            return;
        }
        if (!transaction.IsEnding || _endTxnSent || Timers.IsTimerActive(TransactionTimer) || transaction.AddingPartitions || !IsIdle()) return;
        if (!transaction.TransactionStarted)
        {
            transaction.Completed();
            PublishTransactionState();
            CompleteCall(null);
            return;
        }
        _endTxnSent = true;
        var self = Self;
        _connection.Routes.KafkaAsync(null, new EndTxnRequestData(transaction.TransactionalId, _producerId, _producerEpoch, transaction.IsCommitting),
                _clientId, EndTxnResponseData.Read, _settings.RequestTimeout)
            .ContinueWith(t => new EndTxnAnswered(t.IsCompletedSuccessfully ? t.Result : null, t.Exception?.GetBaseException()),
                TaskContinuationOptions.ExecuteSynchronously)
            .PipeTo(self);
    }

    /// <summary>
    /// InitProducerId with the transactional id, sent once per attempt (not resent on a timer as the idempotent
    /// producer's is: each one bumps the epoch, and an earlier attempt's answer would carry an epoch already fenced).
    /// </summary>
    private void RequestTransactionalProducerId()
    {
        var self = Self;
        _connection.Routes.KafkaAsync(null, new InitProducerIdRequestData(_transaction!.TransactionalId, (int)_settings.TransactionTimeout.TotalMilliseconds),
                _clientId, InitProducerIdResponseData.Read, _settings.RequestTimeout)
            .ContinueWith(t => new TransactionalProducerId(t.IsCompletedSuccessfully ? t.Result : null, t.Exception?.GetBaseException()),
                TaskContinuationOptions.ExecuteSynchronously)
            .PipeTo(self);
    }

    private void OnTransactionalProducerId(TransactionalProducerId answer)
    {
        var transaction = _transaction!;
        var outcome = answer.Response is { } response
            ? transaction.OnInitProducerId(response.ErrorCode, response.ProducerId, response.ProducerEpoch)
            : Unanswered(answer.Failure, "InitProducerId");
        if (outcome == CoordinatorAnswer.Done && transaction.Phase == TransactionPhase.Ready)
        {
            _producerId = transaction.ProducerId;
            _producerEpoch = transaction.ProducerEpoch;
            foreach (var state in _partitions.Values) state.NextSequence = 0;
            _log.Debug("Producer {0}: transactional id {1}, producer id {2}, epoch {3}", _clientId, transaction.TransactionalId, _producerId, _producerEpoch);
            CompleteCall(null);
        }
        else if (outcome == CoordinatorAnswer.Retry) RetryCoordinator("InitProducerId", answer.Response?.ErrorCode, answer.Failure);
        AfterTransactionEvent();
    }

    /// <summary>The partitions waiting to join the transaction, in one AddPartitionsToTxn (v3: the client's form), unless one is out or backing off.</summary>
    private void SendAddPartitions()
    {
        if (Timers.IsTimerActive(TransactionTimer) || _transaction!.NextPartitionsToAdd() is not { } partitions) return;
        var topics = partitions.GroupBy(p => p.Topic, StringComparer.Ordinal)
            .Select(t => new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic(t.Key, t.Select(p => p.Partition).Order().ToList()))
            .ToList();
        var self = Self;
        _connection.Routes.KafkaAsync(null, AddPartitionsToTxnRequestData.ForClient(_transaction.TransactionalId, _producerId, _producerEpoch, topics),
                _clientId, AddPartitionsToTxnResponseData.Read, _settings.RequestTimeout, version: ClientAddPartitionsVersion)
            .ContinueWith(t => new PartitionsAdded(t.IsCompletedSuccessfully ? t.Result : null, t.Exception?.GetBaseException()),
                TaskContinuationOptions.ExecuteSynchronously)
            .PipeTo(self);
    }

    /// <summary>AddPartitionsToTxn's newest client form (v4 is the brokers' batched one).</summary>
    private const short ClientAddPartitionsVersion = AddPartitionsToTxnRequestData.FirstBatchedVersion - 1;

    private void OnPartitionsAdded(PartitionsAdded added)
    {
        var transaction = _transaction!;
        CoordinatorAnswer outcome;
        if (added.Response is { } response)
            outcome = transaction.OnPartitionsAdded(response.ResultsByTopicV3AndBelow
                .SelectMany(t => t.ResultsByPartition.Select(p => (Partition: new TopicPartition(t.Name, p.PartitionIndex), p.PartitionErrorCode)))
                .ToDictionary(p => p.Partition, p => p.PartitionErrorCode));
        else
            outcome = transaction.OnPartitionsAdded(null, added.Failure is KafkaException { Error: var error } && !error.IsRetriable() ? error : ErrorCode.RequestTimedOut);
        if (outcome == CoordinatorAnswer.Retry) RetryCoordinator("AddPartitionsToTxn", null, added.Failure, AddPartitionsBackoff);
        // Partitions added can send; more may be waiting for the next request.
        RetryWaiting();
        SendAddPartitions();
    }

    private void OnEndTxnAnswered(EndTxnAnswered ended)
    {
        _endTxnSent = false;
        var transaction = _transaction!;
        var outcome = ended.Response is { } response ? transaction.OnEndTxn(response.ErrorCode) : Unanswered(ended.Failure, "EndTxn");
        if (outcome == CoordinatorAnswer.Done)
        {
            PublishTransactionState();
            CompleteCall(null);
        }
        else if (outcome == CoordinatorAnswer.Retry) RetryCoordinator("EndTxn", ended.Response?.ErrorCode, ended.Failure);
        AfterTransactionEvent();
    }

    /// <summary>A request with no answer: asked again, unless the brokers refused it for good (not authorized).</summary>
    private CoordinatorAnswer Unanswered(Exception? failure, string request) =>
        failure is KafkaException { Error: var error } && !error.IsRetriable() ? _transaction!.Fail(error, request) : CoordinatorAnswer.Retry;

    /// <summary>Asks the coordinator again after a back-off, until the call under way (InitTransactionsAsync, commit, abort) is out of time.</summary>
    private void RetryCoordinator(string request, ErrorCode? error, Exception? failure, TimeSpan? backoff = null)
    {
        var reason = error is { } code ? $"{Consumer.FetchError.KafkaNameOf(code)}" : failure?.Message ?? "no answer";
        if (_transactionCall is not null && DateTime.UtcNow > _transactionCallDeadline)
        {
            _transaction!.Fail(ErrorCode.RequestTimedOut, $"{request} (the transaction coordinator did not complete it in time; last: {reason})");
            return;
        }
        _log.Debug("Producer {0}: {1} again after {2}", _clientId, request, reason);
        Timers.StartSingleTimer(TransactionTimer, RetryTransaction.Instance, backoff ?? CoordinatorBackoff);
    }

    private void RetryTransactionRequests()
    {
        if (_transaction!.Phase == TransactionPhase.Initializing) RequestTransactionalProducerId();
        SendAddPartitions();
        AfterTransactionEvent();
    }

    private void RequestProducerId()
    {
        if (_producerIdRequested) return;
        _producerIdRequested = true;
        var self = Self;
        // Kafka's InitProducerId, as the connection's user; no answer in time becomes the failure's reason.
        _connection.ResendableKafkaAsync(new InitProducerIdRequestData(null, TransactionTimeoutMs), _clientId, InitProducerIdResponseData.Read, _settings.RequestTimeout)
            .ContinueWith(t => t.IsCompletedSuccessfully ? (object)t.Result
                    : t.Exception?.GetBaseException() is KafkaException refused
                        ? new ProducerIdFailed(refused.Error, refused.Message)
                        : new ProducerIdFailed(ErrorCode.RequestTimedOut, t.Exception?.GetBaseException().Message ?? "timed out"),
                TaskContinuationOptions.ExecuteSynchronously)
            .PipeTo(self);
    }

    /// <summary>Kafka's transaction.timeout.ms default, which InitProducerId carries; an idempotent producer has no transaction it applies to.</summary>
    private const int TransactionTimeoutMs = 60_000;

    private void OnProducerId(InitProducerIdResponseData result)
    {
        _producerIdRequested = false;
        if (result.ErrorCode == ErrorCode.ClusterAuthorizationFailed)
        {
            _producerIdRefused = new KafkaException(result.ErrorCode, _connection.User is { } user
                ? $"CLUSTER_AUTHORIZATION_FAILED: user '{user}' may not write any topic, so it gets no idempotent producer id"
                : "CLUSTER_AUTHORIZATION_FAILED: no idempotent producer id for this client");
            FailEverything(_producerIdRefused);
            CompleteFlushesIfIdle();
            return;
        }
        if (result.ErrorCode != ErrorCode.None)
        {
            Self.Tell(new ProducerIdFailed(result.ErrorCode, NoProducerIdReason(result.ErrorCode)));
            return;
        }
        _producerId = result.ProducerId;
        _producerEpoch = result.ProducerEpoch;
        _log.Debug("Producer {0}: producer id {1}, epoch {2}", _clientId, _producerId, _producerEpoch);
        RetryWaiting();
    }

    /// <summary>
    /// Why the brokers gave no producer id, in one line: Kafka's InitProducerId answers only an error code, so the
    /// reason the controller logged is told here by what the code means for it.
    /// </summary>
    private static string NoProducerIdReason(ErrorCode error) => error switch
    {
        ErrorCode.KafkaStorageError => "the controller could not write a block of producer ids to its journal (disk full or failing: its log says which)",
        ErrorCode.CoordinatorNotAvailable => "the controller does not answer (it is moving to another broker)",
        _ => error.Describe(),
    };

    /// <summary>
    /// An idempotent producer sends nothing without a producer id, so while the controller cannot give one (its
    /// journal is full, it is failing over) records wait: the application hears why at once (once per partition and
    /// error, as for a broker's retriable answer), and records that waited longer than the delivery timeout fail with
    /// it, as Kafka's producer expires the batches in its accumulator. Before this, a `produce` on a full disk waited
    /// for ever, silent.
    /// </summary>
    private void OnNoProducerId(ProducerIdFailed failed)
    {
        if (!_idempotent || _producerId >= 0) return;
        foreach (var tp in _shared.Accumulator.PartitionsWithRecords()) TellRetry(tp, failed.Error, $"no producer id: {failed.Reason}");
        var now = DateTime.UtcNow;
        foreach (var batch in _shared.Accumulator.RemoveExpired(b => now - b.Created > _settings.DeliveryTimeout))
            Finish(batch, -1, new KafkaException(failed.Error, $"{batch.Partition}: no producer id within the delivery timeout: {failed.Reason}"));
        foreach (var state in _partitions.Values)
            foreach (var batch in state.Retry.Where(b => now - b.Created > _settings.DeliveryTimeout).ToList())
            {
                state.Retry.Remove(batch);
                Finish(batch, -1, new KafkaException(failed.Error, $"{batch.Partition}: no producer id within the delivery timeout: {failed.Reason}"));
            }
        CompleteFlushesIfIdle();
    }

    /// <summary>Fails every batch that waits to be sent, of every partition (this producer will never send one).</summary>
    private void FailEverything(Exception error)
    {
        foreach (var tp in _shared.Accumulator.PartitionsWithRecords()) State(tp);
        foreach (var (tp, state) in _partitions) FailEverything(tp, state, error);
    }

    /// <summary>Fails every batch of the partition that waits to be sent (this producer will never send one).</summary>
    private void FailEverything(TopicPartition tp, PartitionState state, Exception error)
    {
        foreach (var batch in state.Retry) Finish(batch, -1, error);
        state.Retry.Clear();
        while (_shared.Accumulator.TakeNext(tp, _ => true) is { } batch) Finish(batch, -1, error);
    }

    /// <summary>Retries go in the partition's append order, which for an idempotent producer is its sequence order.</summary>
    private static void AddRetry(PartitionState state, ProducerBatch batch)
    {
        var at = state.Retry.FindIndex(b => b.Sequence > batch.Sequence);
        if (at < 0) state.Retry.Add(batch);
        else state.Retry.Insert(at, batch);
    }

    /// <summary>Back-off before a retry: 100 ms doubling with the batch's attempts up to 1 s (one timer for every partition).</summary>
    private void ScheduleRetry(ProducerBatch batch)
    {
        if (!Timers.IsTimerActive(RetryTimer))
            Timers.StartSingleTimer(RetryTimer, RetryNow.Instance, TimeSpan.FromMilliseconds(Math.Min(1000, 100 * (1 << Math.Min(batch.Attempts - 1, 4)))));
    }

    private void RetryWaiting()
    {
        foreach (var (tp, state) in _partitions)
            if (state.Retry.Count > 0) Ready(tp);
        foreach (var tp in _shared.Accumulator.PartitionsWithRecords()) Ready(tp);
        DrainAll();
        CompleteFlushesIfIdle();
    }

    /// <summary>Requests in flight may be lost with the connection: send more without waiting for them.</summary>
    private void OnConnectionLost(Address broker)
    {
        var owner = $"{broker.Host}:{broker.Port}";
        var suspect = _requests.Values.Where(r => r.Limited && r.Owner == owner).ToList();
        // An idempotent producer keeps to five unanswered batches per partition whatever happens: a sixth could push
        // the first out of what the broker remembers, and its retry would no longer be recognised.
        if (suspect.Count == 0 || _idempotent) return;
        _log.Info("Connection to broker {0} lost: not waiting for the {1} requests in flight before sending more", broker, suspect.Count);
        foreach (var request in suspect) request.Limited = false;
        if (_brokers.TryGetValue(owner, out var state)) state.Limited -= suspect.Count;
        RetryWaiting();
    }

    /// <summary>Asks for metadata unless a request is already out (its answer will be fresh enough).</summary>
    private void RequestMetadata()
    {
        if (_metadataRequested) return;
        _metadataRequested = true;
        var topics = _awaitingMetadata.Keys.Concat(_metadata.Topics.Select(t => t.Name)).Distinct().ToList();
        var self = Self;
        RoutingMetadata.AskAsync(_connection, topics, autoCreate: true, _clientId, _settings.RequestTimeout)
            .ContinueWith(t => t.IsCompletedSuccessfully ? (object)t.Result : new MetadataFailed(t.Exception?.GetBaseException().Message ?? "timed out"),
                TaskContinuationOptions.ExecuteSynchronously)
            .PipeTo(self);
    }

    private void OnMetadata(ClusterMetadata metadata)
    {
        _metadataRequested = false;
        if (metadata.Version >= _metadata.Version) _metadata = metadata;
        foreach (var (topic, sends) in _awaitingMetadata.ToList())
        {
            if (_metadata.Topic(topic) is not { } known)
            {
                _awaitingMetadata.Remove(topic);
                // Not created: the brokers do not auto-create topics, or (security on) this user may not create it.
                var error = new KafkaException(ErrorCode.UnknownTopicOrPartition, _connection.User is { } user
                    ? $"topic '{topic}' does not exist (and the brokers do not auto-create topics, or user '{user}' may not create it)"
                    : $"topic '{topic}' does not exist (and the brokers do not auto-create topics)");
                foreach (var s in sends) s.TrySetException(error);
                continue;
            }
            _awaitingMetadata.Remove(topic);
            _shared.Metadata = _metadata;
            foreach (var s in sends) s.TrySetResult(known);
        }
        _shared.Metadata = _metadata;
        if (_awaitingMetadata.Count > 0) Timers.StartSingleTimer(MetadataTimer, RetryNow.Instance, TimeSpan.FromMilliseconds(200));
        RetryWaiting();
    }

    /// <summary>
    /// Sends to a topic the user may not even describe fail at once, saying what the user tried (writing), as a
    /// refused produce does, rather than calling the topic unknown.
    /// </summary>
    private void RefuseUnauthorized(IReadOnlyList<string>? topics)
    {
        foreach (var topic in topics ?? [])
        {
            if (!_awaitingMetadata.Remove(topic, out var sends)) continue;
            var error = new KafkaException(ErrorCode.TopicAuthorizationFailed, $"TOPIC_AUTHORIZATION_FAILED: user '{_connection.User}' may not write topic '{topic}'");
            foreach (var s in sends) s.TrySetException(error);
        }
    }

    private void OnMetadataFailed(MetadataFailed failed)
    {
        _metadataRequested = false;
        var error = new ClusterUnavailableException($"no metadata from the cluster at {string.Join(",", _connection.Bootstrap)}: {failed.Reason}");
        foreach (var sends in _awaitingMetadata.Values)
            foreach (var s in sends) s.TrySetException(error);
        _awaitingMetadata.Clear();
        // Batches waiting to be retried try again with what we know (the owner may be back).
        if (_partitions.Values.Any(p => p.Retry.Count > 0) && !Timers.IsTimerActive(RetryTimer))
            Timers.StartSingleTimer(RetryTimer, RetryNow.Instance, TimeSpan.FromSeconds(1));
        CompleteFlushesIfIdle();
    }

    private void CompleteFlushesIfIdle()
    {
        if (_transaction is not null) AfterTransactionEvent();
        if (_flushes.Count == 0) return;
        if (!IsIdle()) return;
        foreach (var f in _flushes) f.TrySetResult();
        _flushes.Clear();
    }

    private bool IsIdle() => _shared.Accumulator.IsEmpty && _partitions.Values.All(q => q.InFlight.Count == 0 && q.Retry.Count == 0);

    protected override void PostStop()
    {
        _transactionCall?.TrySetException(new ObjectDisposedException("producer was closed before the transaction call completed"));
        _shared.Close();
        Context.System.EventStream.Unsubscribe(Self);
        var error = new ObjectDisposedException("producer was closed before the record was acknowledged");
        foreach (var sends in _awaitingMetadata.Values)
            foreach (var s in sends) s.TrySetException(error);
        foreach (var batch in _shared.Accumulator.RemoveAll()) Finish(batch, -1, error);
        foreach (var state in _partitions.Values)
        {
            foreach (var batch in state.Retry) Finish(batch, -1, error);
            foreach (var batch in state.InFlight.Values) Finish(batch, -1, error);
            state.Retry.Clear();
            state.InFlight.Clear();
        }
        foreach (var f in _flushes) f.TrySetResult();
    }

    private sealed class PartitionState
    {
        /// <summary>Batches to send again, in append order (<see cref="ProducerBatch.Sequence"/>).</summary>
        public readonly List<ProducerBatch> Retry = [];
        /// <summary>The idempotent sequence of the partition's next new batch.</summary>
        public int NextSequence;
        /// <summary>The partition's batches awaiting an answer, by the send id of their request.</summary>
        public readonly Dictionary<long, ProducerBatch> InFlight = new();
        /// <summary>The newest batch whose linger timer was started, and the newest whose linger is over.</summary>
        public long LingerStartedFor;
        public long LingerOverUpTo;
    }

    private sealed class BrokerState
    {
        /// <summary>Partitions that may have a batch to send, in turn; <see cref="Queued"/> says which are in it.</summary>
        public readonly Queue<TopicPartition> Queue = new();
        public readonly HashSet<TopicPartition> Queued = [];
        /// <summary>Produce requests in flight to the broker that count against max-in-flight.</summary>
        public int Limited;
    }

    private sealed class InFlightRequest(string owner, List<ProducerBatch> batches)
    {
        public string Owner { get; } = owner;
        public List<ProducerBatch> Batches { get; } = batches;
        /// <summary>Counts against the broker's max-in-flight (no longer once the connection to it was lost).</summary>
        public bool Limited { get; set; } = true;
    }

    private sealed record LingerExpired(TopicPartition Partition, long Sequence);

    private sealed record Answered(long SendId, ProduceResponseData? Response, Exception? Failure);

    private sealed record MetadataFailed(string Reason);

    private sealed record ProducerIdFailed(ErrorCode Error, string Reason);

    private sealed class RequestProducerIdNow
    {
        public static readonly RequestProducerIdNow Instance = new();
    }

    private sealed record TransactionalProducerId(InitProducerIdResponseData? Response, Exception? Failure);

    private sealed record PartitionsAdded(AddPartitionsToTxnResponseData? Response, Exception? Failure);

    private sealed record EndTxnAnswered(EndTxnResponseData? Response, Exception? Failure);

    private sealed class RetryTransaction
    {
        public static readonly RetryTransaction Instance = new();
    }

    private sealed class RetryNow
    {
        public static readonly RetryNow Instance = new();
    }
}
