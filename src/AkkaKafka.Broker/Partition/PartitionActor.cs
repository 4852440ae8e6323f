using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;
using AkkaKafka.Broker.Http;
using AkkaKafka.Broker.Storage;
using AkkaKafka.Broker.Topic;
using AkkaKafka.Broker.TransactionLog;

namespace AkkaKafka.Broker.Partition;

/// <summary>
/// The single writer of one topic-partition: an event-sourced log of record batches, a thin persistent shell over
/// <see cref="PartitionState"/>, which decides; this actor persists, schedules, reads the journal and replies.
/// <list type="bullet">
/// <item>Produce: the broker assigns contiguous offsets, writes the batch as one journal event and acknowledges
/// with the base offset only inside the persist callback. Batches that arrive while a write is in flight are
/// written together in the next write (group commit), so throughput does not wait on one round trip per batch.</item>
/// <item>Fetch: served from the in-memory tail; older records from the broker's read cache or, on a miss, by a
/// bulk read of the journal table (<see cref="JournalBatchReader"/>, off this actor's thread, piped back), with the
/// next run prefetched for a sequential reader; a fetch at the log end waits (long poll) until records arrive or it
/// times out.</item>
/// <item>Ownership: on start it claims its assignment epoch in the journal; see <see cref="LeaderEpochClaimed"/>.</item>
/// </list>
/// </summary>
public sealed class PartitionActor : UntypedPersistentActor, IWithTimers
{
    private const string RetentionTimer = "retention";
    private const string FetchDeadlineTimer = "fetch-deadline";
    /// <summary>acks=0 batches dropped over max-pending-bytes are logged at most this often (they are counted always).</summary>
    private static readonly TimeSpan DropLogInterval = TimeSpan.FromSeconds(1);

    private readonly PartitionIdentity _partition;
    private readonly BrokerSettings _settings;
    private readonly bool _logTransactions;
    private readonly PartitionState _state;
    private readonly ILoggingAdapter _logger = Context.GetLogger();
    private readonly BrokerMetrics _metrics = BrokerMetrics.For(Context.System);
    private readonly JournalBatchReader _journalReader;
    private long _droppedSinceLogged;
    private DateTime _lastDropLogged = DateTime.MinValue;

    public PartitionActor(PartitionIdentity partition, long epoch, long retentionMs, long retentionBytes, BrokerSettings settings,
        TimestampType timestampType = TimestampType.CreateTime)
    {
        _partition = partition;
        _settings = settings;
        _logTransactions = settings.TransactionLog && TransactionLogEntry.IsLogged(partition.Topic);
        var journalReads = JournalReads.Get(Context.System);
        _journalReader = journalReads.Reader;
        _state = new PartitionState(partition, epoch, retentionMs, retentionBytes, timestampType, settings, journalReads.Cache);
    }

    /// <param name="timestampType">The topic's message.timestamp.type: LogAppendTime stamps each batch with the broker's clock.</param>
    public static Props Props(PartitionIdentity partition, long epoch, long retentionMs, long retentionBytes, BrokerSettings settings,
        TimestampType timestampType = TimestampType.CreateTime) =>
        Akka.Actor.Props.Create(() => new PartitionActor(partition, epoch, retentionMs, retentionBytes, settings, timestampType));

    public override string PersistenceId => _partition.PersistenceId;

    public ITimerScheduler Timers { get; set; } = null!;

    private PartitionLog PartitionLog => _state.Log;

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: PartitionSnapshot snapshot }:
                _state.Restore(snapshot, NowMs);
                break;
            case IPartitionEvent e:
                _state.Apply(e, LastSequenceNr);
                break;
            case RecoveryCompleted:
                Context.Parent.Tell(new PartitionRecovered(_partition.Partition, _state.Epoch));
                OnRecovered();
                break;
        }
    }

    private void OnRecovered()
    {
        switch (_state.Recovered())
        {
            case RecoveryVerdict.Stale:
                _logger.Warning("{0}: journal holds leader epoch {1}, newer than ours ({2}); stopping as a stale owner",
                    _partition.PersistenceId, PartitionLog.LeaderEpoch, _state.Epoch);
                Context.Stop(Self);
                return;
            case RecoveryVerdict.ClaimEpoch:
                ClaimEpoch();
                break;
        }
        Timers.StartPeriodicTimer(RetentionTimer, RetentionTick.Instance, _settings.RetentionCheckInterval);
        _logger.Info("{0}: recovered, offsets [{1}, {2}), epoch {3}", _partition.PersistenceId, PartitionLog.LogStartOffset, PartitionLog.NextOffset, _state.Epoch);
        _metrics.LogChanged(_partition, PartitionLog);
        _metrics.PartitionRecovered(_partition, _state.Epoch);
    }

    private void ClaimEpoch() => Persist(new LeaderEpochClaimed(_state.Epoch), e => PartitionLog.Apply(e, LastSequenceNr));

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case ProduceRequest produce: HandleProduce(produce, Sender); break;
            case TransactionVerified verified: OnTransactionVerified(verified); break;
            case WriteTxnMarker marker: HandleMarker(marker); break;
            case DescribeProducers: Sender.Tell(_state.DescribeProducers()); break;
            case FetchRequest fetch: HandleFetch(fetch, Sender); break;
            case ListOffsetsRequest list: ListOffsets(list, Sender, PartitionLog.LogStartOffset); break;
            case TimestampSearch.Continue next: ListOffsets(next.Request, next.ReplyTo, next.FromOffset); break;
            case FetchDeadlineTick:
                Answer(_state.ExpireParkedFetches(DateTime.UtcNow));
                if (!_state.HasParkedFetches) Timers.Cancel(FetchDeadlineTimer);
                break;
            case JournalReadFinished:
                _state.TimestampSearchFinished();
                RunQueuedJournalReads();
                break;
            case JournalRangeRead read: OnJournalRangeRead(read); break;
            case JournalRangeFailed failed: OnJournalRangeFailed(failed); break;
            case RetentionTick: ApplyRetention(); break;
            case UpdateRetention update: _state.Update(update); break;
            case DeletePartitionLog:
                Fail(_state.Delete(), ErrorCode.UnknownTopicOrPartition, "topic was deleted");
                DeleteMessages(long.MaxValue);
                break;
            case SaveSnapshotSuccess saved:
                DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
                break;
            case SaveSnapshotFailure failed:
                _logger.Warning(failed.Cause, "{0}: saving a snapshot failed; recovery replays more events until the next one", PersistenceId);
                break;
            case DeleteMessagesSuccess when _state.Deleting:
                DeleteSnapshots(SnapshotSelectionCriteria.Latest);
                Context.Stop(Self);
                break;
            case DeleteMessagesSuccess:
                _state.RetentionFinished();
                break;
            case DeleteMessagesFailure failed:
                _state.RetentionFinished();
                _logger.Warning(failed.Cause, "{0}: deleting expired journal events failed; retried at the next check", PersistenceId);
                if (_state.Deleting) Context.Stop(Self);
                break;
            case DeleteSnapshotsSuccess or DeleteSnapshotsFailure:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    // ---------------- produce ----------------

    private void HandleProduce(ProduceRequest request, IActorRef replyTo, bool coordinatorVerified = false)
    {
        var decision = _state.Produce(request, replyTo, NowMs, coordinatorVerified);
        switch (decision.Outcome)
        {
            case ProduceOutcome.Accepted:
                if (!_state.Writing) WritePending();
                break;
            case ProduceOutcome.Duplicate when request.Acks != Acks.None:
                replyTo.Tell(new ProduceResponse(_partition.Topic, _partition.Partition, ErrorCode.None, decision.BaseOffset, -1));
                break;
            case ProduceOutcome.OverPendingBytes when request.Acks == Acks.None:
                DropOverPendingBytes();
                break;
            case ProduceOutcome.Refused or ProduceOutcome.OverPendingBytes:
                RefuseProduce(request, replyTo, decision.Error, decision.Message);
                break;
            case ProduceOutcome.NeedsVerification:
                AskCoordinator(request);
                break;
        }
    }

    private void RefuseProduce(ProduceRequest request, IActorRef replyTo, ErrorCode error, string? message)
    {
        if (request.Acks != Acks.None)
            replyTo.Tell(new ProduceResponse(_partition.Topic, _partition.Partition, error, -1, -1, message));
        else
            _logger.Warning("{0}: dropped an acks=0 batch from {1}: {2}", PersistenceId, request.ClientId, message);
    }

    /// <summary>
    /// KIP-890 part 1: asks the transactional id's coordinator (through this broker's singleton proxy) whether this
    /// partition is in the producer's ongoing transaction; the answer is piped back, the actor never waits. No answer
    /// in time is COORDINATOR_NOT_AVAILABLE, which the producer is told as Kafka tells it (retriable).
    /// </summary>
    private void AskCoordinator(ProduceRequest request)
    {
        var header = new RecordBatch(request.Batch);
        var ask = new AddPartitionsToTransaction(request.TransactionalId!, header.ProducerId, header.ProducerEpoch,
            [new TopicPartition(_partition.Topic, _partition.Partition)], VerifyOnly: true);
        var producerId = header.ProducerId;
        Context.System.ActorSelection("/user/" + Names.TransactionCoordinatorProxyName)
            .Ask<AddPartitionsToTransactionResult>(ask, _settings.RequestTimeout)
            .PipeTo(Self,
                success: result => new TransactionVerified(producerId,
                    result.Partitions.Select(p => p.Error).DefaultIfEmpty(ErrorCode.UnknownServerError).First()),
                failure: _ => new TransactionVerified(producerId, ErrorCode.CoordinatorNotAvailable));
    }

    private void OnTransactionVerified(TransactionVerified verified)
    {
        if (_state.VerificationAnswered(verified.ProducerId) is not { } verification) return;
        var (error, message) = PartitionState.VerificationRefusal(verified.Error, verification.MarkerWritten);
        if (error == ErrorCode.None) HandleProduce(verification.Request, verification.ReplyTo, coordinatorVerified: true);
        else RefuseProduce(verification.Request, verification.ReplyTo, error, message);
        // In their order: straight through if the first one opened the transaction here, else verified in turn.
        foreach (var waiting in verification.Waiting) HandleProduce(waiting.Request, waiting.ReplyTo);
    }

    /// <summary>The coordinator's answer to a verification (the first partition's error: only this partition was asked about).</summary>
    private sealed record TransactionVerified(long ProducerId, ErrorCode Error);

    private void HandleMarker(WriteTxnMarker marker)
    {
        var decision = _state.WriteMarker(marker, Sender, NowMs);
        if (decision.Outcome == ProduceOutcome.Accepted)
        {
            if (!_state.Writing) WritePending();
            return;
        }
        Sender.Tell(new WriteTxnMarkerResponse(_partition.Topic, _partition.Partition, decision.Error, -1, decision.Message));
    }

    private void WritePending()
    {
        var write = _state.StartWrite();
        var started = Stopwatch.GetTimestamp();
        PersistAllAsync(write.Appends.Select(p => p.Event), e =>
        {
            var append = _state.Written(write, e, LastSequenceNr);
            _metrics.BatchAppended(_partition.Topic, e.Batch);
            if (append.Acks != Acks.None) append.ReplyTo.Tell(Acknowledgement(append));
            // Retries that arrived while this batch was being written get the same offset, as Kafka answers a duplicate.
            foreach (var retry in append.Duplicates ?? []) retry.Tell(Acknowledgement(append));
            if (_logTransactions)
            {
                var count = new RecordBatch(e.Batch).RecordCount;
                Context.System.EventStream.Publish(new TransactionLogEntry(TransactionLogEntry.Produce, append.ClientId, append.ClientAddress,
                    _partition.Topic, _partition.Partition, append.BaseOffset, append.BaseOffset + count - 1, count, NowMs));
            }
            if (write.Done) OnWriteCompleted(started);
        });
    }

    private object Acknowledgement(PendingAppend append) => append.Marker is not null
        ? new WriteTxnMarkerResponse(_partition.Topic, _partition.Partition, ErrorCode.None, append.BaseOffset)
        : new ProduceResponse(_partition.Topic, _partition.Partition, ErrorCode.None, append.BaseOffset, append.LogAppendTime);

    private void OnWriteCompleted(long started)
    {
        _metrics.JournalWritten(started);
        var snapshotDue = _state.CompleteWrite();
        _metrics.LogChanged(_partition, PartitionLog);
        if (_state.HasParkedFetches)
        {
            foreach (var parked in _state.TakeServableParkedFetches()) HandleFetch(parked.Request, parked.ReplyTo);
            if (!_state.HasParkedFetches) Timers.Cancel(FetchDeadlineTimer);
        }
        if (snapshotDue) SaveSnapshot(PartitionLog.ToSnapshot());
        if (_state.HasPendingWrites) WritePending();
    }

    /// <summary>
    /// A batch write that certainly wrote nothing (the disk is full, the database refused the connection, the
    /// journal's circuit breaker is open) is told to us as a rejection: the producers hear KAFKA_STORAGE_ERROR with
    /// the cause at once, and this actor keeps serving fetches of what is stored, and takes writes again as soon as
    /// the journal does. Akka.Persistence would stop it instead, and until the TopicActor restarted it (after a
    /// back-off) every request, reads included, would be refused. Other failed writes (a timeout: the batch may be in
    /// the journal after all) still stop it, so that recovery finds out what was written.
    /// </summary>
    protected override bool AroundReceive(Receive receive, object message) =>
        base.AroundReceive(receive, message switch
        {
            WriteMessagesFailed failed when _state.Writing => JournalFailures.AsWriteFinishedIfNothingWritten(failed),
            WriteMessageFailure { Persistent.Payload: BatchAppended } failure => JournalFailures.AsRejectionIfNothingWritten(failure),
            _ => message,
        });

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        // Typically a unique-key violation: another writer got the sequence number first (we were a stale owner),
        // or a write that timed out. Nothing here was acknowledged; tell the producers so they can retry, then stop.
        // The TopicActor restarts us (after a back-off) if we still own the partition, and recovery re-reads the log.
        _metrics.JournalWriteFailed();
        JournalFailures.ForgetBrokenConnections(cause);
        var reason = "journal write failed: " + JournalFailures.Describe(cause);
        Fail(_state.FailAllPending(), ErrorCode.KafkaStorageError, reason);
        Context.Parent.Tell(new PartitionStorageFailed(_partition.Partition, _state.Epoch, reason));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    /// <summary>Recovery could not read the journal (the database is down): the TopicActor says so while we are gone.</summary>
    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        JournalFailures.ForgetBrokenConnections(reason);
        Context.Parent.Tell(new PartitionStorageFailed(_partition.Partition, _state.Epoch, "reading the journal failed: " + JournalFailures.Describe(reason)));
        base.OnRecoveryFailure(reason, message);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        if (@event is BatchAppended)
        {
            if (_state.RejectWrite() is not { } unanswered) return;
            _metrics.JournalWriteFailed();
            var reason = JournalFailures.Describe(cause);
            _logger.Warning("{0}: journal write of {1} batches failed, answered KAFKA_STORAGE_ERROR: {2}", PersistenceId, unanswered.Count, reason);
            Fail(unanswered, ErrorCode.KafkaStorageError, "journal write failed: " + reason);
            return;
        }
        _metrics.JournalWriteFailed();
        Fail(_state.FailAllPending(), ErrorCode.KafkaStorageError, "journal rejected the batch: " + cause.Message);
        base.OnPersistRejected(cause, @event, sequenceNr);
        // A rejected write leaves our reserved offsets ahead of the log; restart to recompute them from the journal.
        Context.Stop(Self);
    }

    protected override void PostStop()
    {
        Fail(_state.FailAllPending(), ErrorCode.NotLeaderOrFollower, "partition owner stopped");
        _metrics.LogClosed(_partition);
        _metrics.PartitionStopped(_partition, _state.Epoch);
        Answer(_state.ExpireParkedFetches(DateTime.MaxValue));
        _state.Reads.Clear();
        base.PostStop();
    }

    private void Fail(List<PendingAppend> unanswered, ErrorCode error, string message)
    {
        foreach (var append in unanswered)
        {
            object failed = append.Marker is not null
                ? new WriteTxnMarkerResponse(_partition.Topic, _partition.Partition, error, -1, message)
                : new ProduceResponse(_partition.Topic, _partition.Partition, error, -1, -1, message);
            if (append.Acks != Acks.None) append.ReplyTo.Tell(failed);
            foreach (var retry in append.Duplicates ?? []) retry.Tell(failed);
        }
    }

    /// <summary>An acks=0 batch over max-pending-bytes hears nothing: it is dropped, counted, and logged at most once a <see cref="DropLogInterval"/>.</summary>
    private void DropOverPendingBytes()
    {
        _metrics.DroppedBatch();
        _droppedSinceLogged++;
        var now = DateTime.UtcNow;
        if (now - _lastDropLogged < DropLogInterval) return;
        _logger.Warning("{0}: dropped {1} acks=0 batches: {2} bytes waiting for the journal, more than max-pending-bytes {3}",
            PersistenceId, _droppedSinceLogged, _state.PendingBytes, _settings.MaxPendingBytes);
        _droppedSinceLogged = 0;
        _lastDropLogged = now;
    }

    // ---------------- fetch ----------------

    private void HandleFetch(FetchRequest request, IActorRef replyTo)
    {
        var plan = _state.PlanFetch(request, replyTo, DateTime.UtcNow);
        if (plan.Reply is { } reply) Answer(request, replyTo, reply);
        if (plan.Read is { } read) StartJournalRead(read);
        if (plan.IsParked && !Timers.IsTimerActive(FetchDeadlineTimer))
            Timers.StartPeriodicTimer(FetchDeadlineTimer, FetchDeadlineTick.Instance, _settings.FetchDeadlineCheckInterval);
    }

    private void Answer(FetchRequest request, IActorRef replyTo, FetchResponse response)
    {
        replyTo.Tell(response);
        if (response.Records.Length == 0) return;
        _metrics.Fetched(_partition.Topic, request.Offset, response.Records);
        if (_logTransactions) TransactionLogging.PublishFetch(Context.System, request, response.Records);
    }

    private void Answer(List<FetchAnswer> answers)
    {
        foreach (var answer in answers) Answer(answer.Fetch.Request, answer.Fetch.ReplyTo, answer.Response);
    }

    private void StartJournalRead(JournalRangeRequest read) =>
        _journalReader.ReadAsync(read).PipeTo(Self,
            success: range => new JournalRangeRead(read.Offset, range),
            failure: cause => new JournalRangeFailed(read.Offset, cause));

    private void OnJournalRangeRead(JournalRangeRead read)
    {
        var outcome = _state.RangeRead(read.Offset, read.Range);
        Answer(outcome.Answers);
        foreach (var next in outcome.Reads) StartJournalRead(next);
        RunQueuedJournalReads();
    }

    private void OnJournalRangeFailed(JournalRangeFailed failed)
    {
        var cause = failed.Cause is AggregateException { InnerException: { } inner } ? inner : failed.Cause;
        _logger.Warning(cause, "{0}: reading the journal failed", PersistenceId);
        Answer(_state.RangeFailed(failed.Offset, cause.Message));
        RunQueuedJournalReads();
    }

    private void RunQueuedJournalReads()
    {
        while (_state.NextQueuedJournalRead() is { } queued)
        {
            switch (queued)
            {
                case PendingFetch fetch: HandleFetch(fetch.Request, fetch.ReplyTo); break;
                case TimestampSearch.Continue search: ListOffsets(search.Request, search.ReplyTo, search.FromOffset); break;
            }
        }
    }

    // ---------------- list offsets ----------------

    /// <summary>
    /// One step of a ListOffsets: answered from the log when it can be, else one journal read by a
    /// <see cref="TimestampSearch"/>, which comes back as <see cref="TimestampSearch.Continue"/> when the record lay further on.
    /// </summary>
    private void ListOffsets(ListOffsetsRequest request, IActorRef replyTo, long fromOffset)
    {
        var plan = _state.PlanListOffsets(request, replyTo, fromOffset);
        if (plan.Queued) return;
        if (plan.Search is { } inJournal)
        {
            var search = Context.ActorOf(TimestampSearch.Props(_partition, request, replyTo, inJournal, _settings.MaxFetchBytes, _journalReader));
            Context.WatchWith(search, JournalReadFinished.Instance);
            return;
        }
        if (plan.Corrupt is not null)
            _logger.Error(plan.Corrupt, "{0}: a batch in memory does not decode while listing offsets by timestamp", PersistenceId);
        replyTo.Tell(new ListOffsetsResponse(_partition.Topic, _partition.Partition, plan.Error, plan.Offset, plan.Timestamp));
    }

    // ---------------- retention ----------------

    private void ApplyRetention()
    {
        var decision = _state.DecideRetention(NowMs);
        if (decision.ForgottenProducers > 0)
            _logger.Debug("{0}: forgot idempotent producers idle longer than {1}", PersistenceId, _settings.ProducerIdExpiration);
        if (decision.Expire is not { } expired) return;
        Persist(expired, e =>
        {
            var snapshot = _state.LogStartAdvanced(e, LastSequenceNr);
            _logger.Info("{0}: retention moved the log start to offset {1}", PersistenceId, e.LogStartOffset);
            _metrics.LogChanged(_partition, PartitionLog);
            DeleteMessages(e.UpToSequenceNr);
            SaveSnapshot(snapshot);
        });
        // The deleted prefix may hold our LeaderEpochClaimed; claim again above it, so the journal alone still
        // fences a stale owner when no snapshot survives (a failed snapshot save is only logged).
        ClaimEpoch();
    }

    private sealed class RetentionTick
    {
        public static readonly RetentionTick Instance = new();
    }

    private sealed class FetchDeadlineTick
    {
        public static readonly FetchDeadlineTick Instance = new();
    }

    /// <summary>A bulk journal read that started at <see cref="Offset"/> finished.</summary>
    private sealed record JournalRangeRead(long Offset, JournalRange Range);

    private sealed record JournalRangeFailed(long Offset, Exception Cause);

    private sealed class JournalReadFinished
    {
        public static readonly JournalReadFinished Instance = new();
    }
}
