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
/// The single writer of one topic-partition: an event-sourced log of record batches.
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
    // A prefetch from an offset in no known segment (none to measure) sizes its row limit by this batch size: small, so
    // it asks for rows enough; read-ahead-bytes still bounds what it keeps.
    private const int AssumedBatchBytes = 1024;

    private readonly PartitionIdentity _partition;
    private readonly long _epoch;
    private readonly BrokerSettings _settings;
    private readonly bool _logTransactions;
    private readonly PartitionLog _log;
    private readonly ILoggingAdapter _logger = Context.GetLogger();
    private readonly BrokerMetrics _metrics = BrokerMetrics.For(Context.System);
    private readonly List<ParkedFetch> _parkedFetches = [];
    /// <summary>Journal reads (fetches and timestamp searches) waiting for one of the concurrent reads to finish.</summary>
    private readonly Queue<Action> _queuedJournalReads = new();
    private long _retentionMs;
    private long _retentionBytes;
    private TimestampType _timestampType;
    private List<PendingAppend> _pending = [];
    private readonly PartitionReads _reads;
    private readonly JournalBatchReader _journalReader;
    private List<PendingAppend> _inFlight = [];
    /// <summary>Batches of the write in flight already acknowledged; the rest get a rejection each when it fails.</summary>
    private int _writtenOfInFlight;
    /// <summary>Rejections still to come for a failed write whose batches were all answered at its first rejection.</summary>
    private int _staleRejections;
    /// <summary>Bytes of the batches in <see cref="_inFlight"/> and <see cref="_pending"/>, bounded by max-pending-bytes.</summary>
    private long _pendingBytes;
    private long _droppedSinceLogged;
    private DateTime _lastDropLogged = DateTime.MinValue;
    private long _reservedNextOffset;
    /// <summary>
    /// The idempotent producers as of every batch accepted, written or not (the log's own table counts only written
    /// ones): a retry that arrives while its first try is still being written is recognised here. Like the reserved
    /// offsets it runs ahead of the journal; a failed write resets both to the log's (or stops the actor, and recovery
    /// rebuilds them).
    /// </summary>
    private ProducerStateTable _producers = new();
    private long _eventsSinceSnapshot;
    private int _journalReads;
    private bool _deleting;
    private bool _retentionInProgress;

    public PartitionActor(PartitionIdentity partition, long epoch, long retentionMs, long retentionBytes, BrokerSettings settings,
        TimestampType timestampType = TimestampType.CreateTime)
    {
        _timestampType = timestampType;
        _partition = partition;
        _epoch = epoch;
        _retentionMs = retentionMs;
        _retentionBytes = retentionBytes;
        _settings = settings;
        _logTransactions = settings.TransactionLog && TransactionLogEntry.IsLogged(partition.Topic);
        _log = new PartitionLog(settings.TailBytes, settings.SegmentBatches, settings.SegmentBytes);
        var journalReads = JournalReads.Get(Context.System);
        _journalReader = journalReads.Reader;
        _reads = new PartitionReads(journalReads.Cache);
    }

    /// <param name="timestampType">The topic's message.timestamp.type: LogAppendTime stamps each batch with the broker's clock.</param>
    public static Props Props(PartitionIdentity partition, long epoch, long retentionMs, long retentionBytes, BrokerSettings settings,
        TimestampType timestampType = TimestampType.CreateTime) =>
        Akka.Actor.Props.Create(() => new PartitionActor(partition, epoch, retentionMs, retentionBytes, settings, timestampType));

    public override string PersistenceId => _partition.PersistenceId;

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: PartitionSnapshot snapshot }:
                _log.Restore(snapshot, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                break;
            case IPartitionEvent e:
                _log.Apply(e, LastSequenceNr);
                _eventsSinceSnapshot++;
                break;
            case RecoveryCompleted:
                Context.Parent.Tell(new PartitionRecovered(_partition.Partition, _epoch));
                OnRecovered();
                break;
        }
    }

    private void OnRecovered()
    {
        _reservedNextOffset = _log.NextOffset;
        _producers = _log.Producers.Copy();
        if (_log.LeaderEpoch > _epoch)
        {
            // A newer owner has written here already: this actor acts on a stale assignment and must not write.
            _logger.Warning("{0}: journal holds leader epoch {1}, newer than ours ({2}); stopping as a stale owner",
                _partition.PersistenceId, _log.LeaderEpoch, _epoch);
            Context.Stop(Self);
            return;
        }
        if (_log.LeaderEpoch < _epoch)
            Persist(new LeaderEpochClaimed(_epoch), e => _log.Apply(e, LastSequenceNr));
        Timers.StartPeriodicTimer(RetentionTimer, RetentionTick.Instance, _settings.RetentionCheckInterval);
        _logger.Info("{0}: recovered, offsets [{1}, {2}), epoch {3}", _partition.PersistenceId, _log.LogStartOffset, _log.NextOffset, _epoch);
        _metrics.LogChanged(_partition, _log);
        _metrics.PartitionRecovered(_partition, _epoch);
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case ProduceRequest produce: HandleProduce(produce); break;
            case FetchRequest fetch: HandleFetch(fetch, Sender); break;
            case ListOffsetsRequest list: HandleListOffsets(list, Sender); break;
            case TimestampSearch.Continue next: SearchTimestamp(next.Request, next.ReplyTo, next.FromOffset); break;
            case FetchDeadlineTick: ExpireParkedFetches(); break;
            case JournalReadFinished: OnJournalReadFinished(); break;
            case JournalRangeRead read: OnJournalRangeRead(read); break;
            case JournalRangeFailed failed: OnJournalRangeFailed(failed); break;
            case RetentionTick: ApplyRetention(); break;
            case UpdateRetention update:
                _retentionMs = update.RetentionMs;
                _retentionBytes = update.RetentionBytes;
                _timestampType = update.TimestampType;
                break;
            case DeletePartitionLog: DeleteLog(); break;
            case SaveSnapshotSuccess saved:
                DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
                break;
            case SaveSnapshotFailure failed:
                _logger.Warning(failed.Cause, "{0}: saving a snapshot failed; recovery replays more events until the next one", PersistenceId);
                break;
            case DeleteMessagesSuccess when _deleting:
                DeleteSnapshots(SnapshotSelectionCriteria.Latest);
                Context.Stop(Self);
                break;
            case DeleteMessagesSuccess:
                _retentionInProgress = false;
                break;
            case DeleteMessagesFailure failed:
                _retentionInProgress = false;
                _logger.Warning(failed.Cause, "{0}: deleting expired journal events failed; retried at the next check", PersistenceId);
                if (_deleting) Context.Stop(Self);
                break;
            case DeleteSnapshotsSuccess or DeleteSnapshotsFailure:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    // ---------------- produce ----------------

    private void HandleProduce(ProduceRequest request)
    {
        if (_deleting)
        {
            ReplyProduceError(request, Sender, ErrorCode.UnknownTopicOrPartition, "topic is being deleted");
            return;
        }
        if (_pendingBytes > 0 && _pendingBytes + request.Batch.Length > _settings.MaxPendingBytes)
        {
            RefuseOverPendingBytes(request, Sender);
            return;
        }
        if (request.Batch.Length > _settings.MaxBatchBytes)
        {
            ReplyProduceError(request, Sender, ErrorCode.MessageTooLarge, $"batch of {request.Batch.Length} bytes exceeds max-batch-bytes {_settings.MaxBatchBytes}");
            return;
        }
        var invalid = RecordBatchValidator.Validate(request.Batch.Span, out var recordsMaxTimestamp);
        if (invalid is not null)
        {
            ReplyProduceError(request, Sender, ErrorCode.CorruptMessage, invalid);
            return;
        }

        var header = new RecordBatch(request.Batch);
        if (header.ProducerId >= 0 && !AcceptIdempotent(request, header)) return;

        // The one copy of the batch on its way to the journal: the request may be a slice of a frame or payload, or
        // an in-process sender's array, and the offsets are written into the stored bytes.
        var bytes = request.Batch.ToArray();
        var baseOffset = _reservedNextOffset;
        RecordBatch.SetBaseOffset(bytes, baseOffset);
        RecordBatch.SetPartitionLeaderEpoch(bytes, (int)Math.Min(int.MaxValue, _epoch));
        // The header's maxTimestamp is the client's word (Sarama says -1); retention and the time index go by it, so
        // the stored batch says what the records say, or the broker's clock for a LogAppendTime topic (Kafka's
        // LogValidator does the same).
        var logAppendTime = _timestampType == TimestampType.LogAppendTime ? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() : -1;
        RecordBatch.SetMaxTimestamp(bytes, _timestampType, _timestampType == TimestampType.LogAppendTime ? logAppendTime : recordsMaxTimestamp);
        var stored = new RecordBatch(bytes);
        _reservedNextOffset = stored.NextOffset;
        if (stored.ProducerId >= 0) _producers.Record(stored.ProducerId, ProducerBatch.Of(stored));
        _pending.Add(new PendingAppend(new BatchAppended(bytes), Sender, request.Acks, baseOffset, logAppendTime, request.ClientId, request.ClientAddress));
        _pendingBytes += bytes.Length;
        if (_inFlight.Count == 0) WritePending();
    }

    /// <summary>
    /// Kafka's idempotence check, before any offset is assigned (see <see cref="ProducerStateTable"/>). A duplicate
    /// already written is answered at once with its original offset; one still being written is answered when that
    /// write completes (or fails). Returns true when the batch is new and in sequence.
    /// </summary>
    private bool AcceptIdempotent(ProduceRequest request, RecordBatch header)
    {
        var producerId = header.ProducerId;
        var check = _producers.Check(producerId, header.ProducerEpoch, header.BaseSequence,
            ProducerStateTable.LastSequenceOf(header.BaseSequence, header.LastOffsetDelta));
        switch (check)
        {
            case ProducerAppendCheck.Refused refused:
                ReplyProduceError(request, Sender, refused.Error, refused.Message);
                return false;
            case ProducerAppendCheck.Duplicate { Original: var original }:
                if (original.BaseOffset < _log.NextOffset)
                {
                    if (request.Acks != Acks.None)
                        Sender.Tell(new ProduceResponse(_partition.Topic, _partition.Partition, ErrorCode.None, original.BaseOffset, -1));
                    return false;
                }
                var first = _inFlight.Concat(_pending).FirstOrDefault(p => p.BaseOffset == original.BaseOffset);
                if (first is null)
                    ReplyProduceError(request, Sender, ErrorCode.KafkaStorageError, "the first try of this batch is not written; retry");
                else if (request.Acks != Acks.None)
                    (first.Duplicates ??= []).Add(Sender);
                return false;
            default:
                return true;
        }
    }

    private void WritePending()
    {
        _inFlight = _pending;
        _pending = [];
        _writtenOfInFlight = 0;
        var written = 0;
        var inFlight = _inFlight;
        var started = Stopwatch.GetTimestamp();
        PersistAllAsync(inFlight.Select(p => p.Event), e =>
        {
            var append = inFlight[written++];
            _writtenOfInFlight = written;
            _pendingBytes -= e.Batch.Length;
            _log.Apply(e, LastSequenceNr);
            _eventsSinceSnapshot++;
            _metrics.BatchAppended(_partition.Topic, e.Batch);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            if (append.Acks != Acks.None)
                append.ReplyTo.Tell(new ProduceResponse(_partition.Topic, _partition.Partition, ErrorCode.None, append.BaseOffset, append.LogAppendTime));
            // Retries that arrived while this batch was being written get the same offset, as Kafka answers a duplicate.
            foreach (var retry in append.Duplicates ?? [])
                retry.Tell(new ProduceResponse(_partition.Topic, _partition.Partition, ErrorCode.None, append.BaseOffset, append.LogAppendTime));
            if (_logTransactions)
            {
                var count = new RecordBatch(e.Batch).RecordCount;
                Context.System.EventStream.Publish(new TransactionLogEntry(TransactionLogEntry.Produce, append.ClientId, append.ClientAddress,
                    _partition.Topic, _partition.Partition, append.BaseOffset, append.BaseOffset + count - 1, count, now));
            }
            if (written == inFlight.Count) _metrics.JournalWritten(started);
            if (written == inFlight.Count) OnWriteCompleted();
        });
    }

    private void OnWriteCompleted()
    {
        _inFlight = [];
        _metrics.LogChanged(_partition, _log);
        ServeParkedFetches();
        if (_eventsSinceSnapshot >= _settings.SnapshotEvery)
        {
            _eventsSinceSnapshot = 0;
            SaveSnapshot(_log.ToSnapshot());
        }
        if (_pending.Count > 0) WritePending();
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
            WriteMessagesFailed failed when _inFlight.Count > 0 => JournalFailures.AsWriteFinishedIfNothingWritten(failed),
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
        FailAllPending(ErrorCode.KafkaStorageError, reason);
        Context.Parent.Tell(new PartitionStorageFailed(_partition.Partition, _epoch, reason));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    /// <summary>Recovery could not read the journal (the database is down): the TopicActor says so while we are gone.</summary>
    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        JournalFailures.ForgetBrokenConnections(reason);
        Context.Parent.Tell(new PartitionStorageFailed(_partition.Partition, _epoch, "reading the journal failed: " + JournalFailures.Describe(reason)));
        base.OnRecoveryFailure(reason, message);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {

        if (@event is BatchAppended)
        {
            // One rejection per batch of the failed write, in order: the first answers every batch not yet
            // acknowledged (and those waiting behind them, whose offsets followed theirs), the others are spent.
            if (_staleRejections > 0)
            {
                _staleRejections--;
                return;
            }
            _metrics.JournalWriteFailed();
            _staleRejections = Math.Max(0, _inFlight.Count - _writtenOfInFlight - 1);
            var reason = JournalFailures.Describe(cause);
            _logger.Warning("{0}: journal write of {1} batches failed, answered KAFKA_STORAGE_ERROR: {2}", PersistenceId,
                _inFlight.Count - _writtenOfInFlight + _pending.Count, reason);
            FailAllPending(ErrorCode.KafkaStorageError, "journal write failed: " + reason);
            // Nothing of the failed write is in the log: the next batch gets the offsets they had, and the producers'
            // sequences are those of the written batches again (a producer retries the failed ones with the same numbers).
            _reservedNextOffset = _log.NextOffset;
            _producers = _log.Producers.Copy();
            return;
        }
        _metrics.JournalWriteFailed();
        FailAllPending(ErrorCode.KafkaStorageError, "journal rejected the batch: " + cause.Message);
        base.OnPersistRejected(cause, @event, sequenceNr);
        // A rejected write leaves our reserved offsets ahead of the log; restart to recompute them from the journal.
        Context.Stop(Self);
    }

    protected override void PostStop()
    {
        FailAllPending(ErrorCode.NotLeaderOrFollower, "partition owner stopped");
        _metrics.LogClosed(_partition);
        _metrics.PartitionStopped(_partition, _epoch);
        foreach (var parked in _parkedFetches)
            parked.ReplyTo.Tell(_partition.EmptyFetch(_log.NextOffset, _log.LogStartOffset));
        _parkedFetches.Clear();
        _reads.Clear();
        base.PostStop();
    }

    private void FailAllPending(ErrorCode error, string message)
    {
        // The first batches of the write in flight may have been acknowledged already (their events were written).
        foreach (var append in _inFlight.Skip(_writtenOfInFlight).Concat(_pending))
        {
            if (append.Acks != Acks.None)
                append.ReplyTo.Tell(new ProduceResponse(_partition.Topic, _partition.Partition, error, -1, -1, message));
            foreach (var retry in append.Duplicates ?? [])
                retry.Tell(new ProduceResponse(_partition.Topic, _partition.Partition, error, -1, -1, message));
        }
        _inFlight = [];
        _writtenOfInFlight = 0;
        _pending = [];
        _pendingBytes = 0;
    }

    /// <summary>
    /// The journal is behind by max-pending-bytes: refused with the retriable REQUEST_TIMED_OUT (see broker.hocon);
    /// acks=0 batches, which hear nothing, are dropped, counted, and logged at most once a second.
    /// </summary>
    private void RefuseOverPendingBytes(ProduceRequest request, IActorRef replyTo)
    {
        if (request.Acks != Acks.None)
        {
            replyTo.Tell(new ProduceResponse(_partition.Topic, _partition.Partition, ErrorCode.RequestTimedOut, -1, -1,
                $"{_pendingBytes} bytes are waiting for the journal, more than max-pending-bytes {_settings.MaxPendingBytes}; retry"));
            return;
        }
        _metrics.DroppedBatch();
        _droppedSinceLogged++;
        var now = DateTime.UtcNow;
        if (now - _lastDropLogged < TimeSpan.FromSeconds(1)) return;
        _logger.Warning("{0}: dropped {1} acks=0 batches: {2} bytes waiting for the journal, more than max-pending-bytes {3}",
            PersistenceId, _droppedSinceLogged, _pendingBytes, _settings.MaxPendingBytes);
        _droppedSinceLogged = 0;
        _lastDropLogged = now;
    }

    private void ReplyProduceError(ProduceRequest request, IActorRef replyTo, ErrorCode error, string message)
    {
        if (request.Acks != Acks.None)
            replyTo.Tell(new ProduceResponse(_partition.Topic, _partition.Partition, error, -1, -1, message));
        else
            _logger.Warning("{0}: dropped an acks=0 batch from {1}: {2}", PersistenceId, request.ClientId, message);
    }

    // ---------------- fetch ----------------

    private void HandleFetch(FetchRequest request, IActorRef replyTo)
    {
        var maxBytes = Math.Clamp(request.MaxBytes, 1, _settings.MaxFetchBytes);
        if (request.Offset < _log.LogStartOffset || request.Offset > _log.NextOffset)
        {
            replyTo.Tell(_partition.EmptyFetch(_log.NextOffset, _log.LogStartOffset, ErrorCode.OffsetOutOfRange,
                $"offset {request.Offset} is outside [{_log.LogStartOffset}, {_log.NextOffset}]"));
            return;
        }
        if (request.Offset == _log.NextOffset)
        {
            Park(request, replyTo);
            return;
        }
        var fromTail = _log.ReadTail(request.Offset, maxBytes);
        if (fromTail is not null)
        {
            ReplyRecords(request, replyTo, fromTail);
            return;
        }
        var fromCache = _reads.Read(request.Offset, maxBytes);
        if (fromCache is not null)
        {
            ReplyRecords(request, replyTo, fromCache);
            Prefetch(new RecordBatch(fromCache[^1]).NextOffset);
            return;
        }
        ReadFromJournal(request with { MaxBytes = maxBytes }, replyTo);
    }

    private void ReplyRecords(FetchRequest request, IActorRef replyTo, List<byte[]> batches)
    {
        var records = FetchBatches.Concat(batches);
        replyTo.Tell(_partition.EmptyFetch(_log.NextOffset, _log.LogStartOffset) with { Records = records });
        _metrics.Fetched(_partition.Topic, request.Offset, records);
        if (_logTransactions && records.Length > 0) TransactionLogging.PublishFetch(Context.System, request, records);
    }

    private void Park(FetchRequest request, IActorRef replyTo)
    {
        var wait = TimeSpan.FromMilliseconds(Math.Clamp(request.MaxWaitMs, 0, (int)_settings.MaxFetchWait.TotalMilliseconds));
        if (wait <= TimeSpan.Zero || _parkedFetches.Count >= _settings.MaxWaitingFetches)
        {
            replyTo.Tell(_partition.EmptyFetch(_log.NextOffset, _log.LogStartOffset));
            return;
        }
        _parkedFetches.Add(new ParkedFetch(request, replyTo, DateTime.UtcNow + wait));
        if (!Timers.IsTimerActive(FetchDeadlineTimer))
            Timers.StartPeriodicTimer(FetchDeadlineTimer, FetchDeadlineTick.Instance, _settings.FetchDeadlineCheckInterval);
    }

    private void ServeParkedFetches()
    {
        if (_parkedFetches.Count == 0) return;
        var ready = _parkedFetches.FindAll(p => p.Request.Offset < _log.NextOffset);
        if (ready.Count == 0) return;
        _parkedFetches.RemoveAll(p => p.Request.Offset < _log.NextOffset);
        foreach (var parked in ready) HandleFetch(parked.Request, parked.ReplyTo);
        if (_parkedFetches.Count == 0) Timers.Cancel(FetchDeadlineTimer);
    }

    private void ExpireParkedFetches()
    {
        var now = DateTime.UtcNow;
        for (var i = _parkedFetches.Count - 1; i >= 0; i--)
        {
            var parked = _parkedFetches[i];
            if (parked.Deadline > now) continue;
            parked.ReplyTo.Tell(_partition.EmptyFetch(_log.NextOffset, _log.LogStartOffset));
            _parkedFetches.RemoveAt(i);
        }
        if (_parkedFetches.Count == 0) Timers.Cancel(FetchDeadlineTimer);
    }

    private int JournalReadsInFlight => _journalReads + _reads.ReadsInFlight;

    private void ReadFromJournal(FetchRequest request, IActorRef replyTo)
    {
        // A sequential reader usually finds the prefetch of exactly its next offset under way: it waits for that.
        if (_reads.TryJoin(new PendingFetch(request, replyTo))) return;
        if (JournalReadsInFlight >= _settings.MaxConcurrentJournalReads)
        {
            if (_queuedJournalReads.Count >= _settings.MaxWaitingFetches)
                replyTo.Tell(_partition.EmptyFetch(_log.NextOffset, _log.LogStartOffset));
            else
                _queuedJournalReads.Enqueue(() => HandleFetch(request, replyTo));
            return;
        }
        var segment = _log.FindSegment(request.Offset);
        if (segment is null)
        {
            replyTo.Tell(_partition.EmptyFetch(_log.NextOffset, _log.LogStartOffset, ErrorCode.OffsetOutOfRange, $"offset {request.Offset} is not in the log"));
            return;
        }
        StartJournalRead(JournalRangeRequest.InSegment(PersistenceId, segment, request.Offset, request.MaxBytes + _settings.ReadAheadBytes),
            new PendingFetch(request, replyTo));
    }

    /// <summary>
    /// Keeps a sequential reader ahead of the journal: when fewer than read-ahead-bytes are cached beyond where it
    /// now stands, the next run is read from the exact sequence number the cached run ends at.
    /// </summary>
    private void Prefetch(long position)
    {
        if (position >= _log.TailStartOffset || JournalReadsInFlight >= _settings.MaxConcurrentJournalReads) return;
        if (_reads.PrefetchFrom(position, _settings.ReadAheadBytes) is not { } from || from.Offset >= _log.TailStartOffset) return;
        var segment = _log.FindSegment(from.Offset);
        var averageBatch = segment is null ? AssumedBatchBytes : segment.Bytes / Math.Max(1, segment.Batches);
        StartJournalRead(new JournalRangeRequest(PersistenceId, from.Offset, _settings.ReadAheadBytes, from.SequenceNr, from.SequenceNr, averageBatch), null);
    }

    private void StartJournalRead(JournalRangeRequest read, PendingFetch? waiting)
    {
        _reads.Started(read.Offset, waiting);
        _journalReader.ReadAsync(read).PipeTo(Self,
            success: range => new JournalRangeRead(read.Offset, range),
            failure: cause => new JournalRangeFailed(read.Offset, cause));
    }

    private void OnJournalRangeRead(JournalRangeRead read)
    {
        var waiting = _reads.Finished(read.Offset);
        _reads.Add(read.Range);
        foreach (var fetch in waiting)
        {
            var batches = PartitionReads.Take(read.Range.Batches, fetch.Request.Offset, fetch.Request.MaxBytes);
            if (batches.Count == 0)
            {
                // Not in the journal any more (retention deleted it while the read ran) or not yet readable: the
                // consumer asks again, and is told if its offset fell below the log start.
                var error = fetch.Request.Offset < _log.LogStartOffset ? ErrorCode.OffsetOutOfRange : ErrorCode.None;
                fetch.ReplyTo.Tell(_partition.EmptyFetch(_log.NextOffset, _log.LogStartOffset, error));
                continue;
            }
            ReplyRecords(fetch.Request, fetch.ReplyTo, batches);
            Prefetch(new RecordBatch(batches[^1]).NextOffset);
        }
        DrainQueuedJournalReads();
    }

    private void OnJournalRangeFailed(JournalRangeFailed failed)
    {
        var cause = failed.Cause is AggregateException { InnerException: { } inner } ? inner : failed.Cause;
        _logger.Warning(cause, "{0}: reading the journal failed", PersistenceId);
        foreach (var fetch in _reads.Finished(failed.Offset))
            fetch.ReplyTo.Tell(_partition.EmptyFetch(_log.NextOffset, _log.LogStartOffset, ErrorCode.KafkaStorageError, "reading the journal failed: " + cause.Message));
        DrainQueuedJournalReads();
    }

    private void DrainQueuedJournalReads()
    {
        while (_queuedJournalReads.Count > 0 && JournalReadsInFlight < _settings.MaxConcurrentJournalReads) _queuedJournalReads.Dequeue()();
    }

    private void OnJournalReadFinished()
    {
        _journalReads--;
        DrainQueuedJournalReads();
    }

    // ---------------- list offsets ----------------

    private void HandleListOffsets(ListOffsetsRequest request, IActorRef replyTo)
    {
        switch (request.Timestamp)
        {
            case ListOffsetsRequest.Latest:
                ReplyListOffsets(replyTo, ErrorCode.None, _log.NextOffset, -1);
                break;
            case ListOffsetsRequest.Earliest:
                ReplyListOffsets(replyTo, ErrorCode.None, _log.LogStartOffset, -1);
                break;
            case < 0:
                // Kafka's later specials (-3 max timestamp, -4/-5 tiered storage) are not offered.
                ReplyListOffsets(replyTo, ErrorCode.InvalidRequest, -1, -1);
                break;
            default:
                SearchTimestamp(request, replyTo, _log.LogStartOffset);
                break;
        }
    }

    /// <summary>
    /// One step of a lookup by timestamp: answered from the index and the tail when it can be, else one journal
    /// read, which comes back as <see cref="TimestampSearch.Continue"/> when the record lay further on.
    /// </summary>
    private void SearchTimestamp(ListOffsetsRequest request, IActorRef replyTo, long fromOffset)
    {
        TimestampLookup lookup;
        try
        {
            lookup = _log.LookupTimestamp(request.Timestamp, fromOffset);
        }
        catch (CorruptRecordException ex)
        {
            _logger.Error(ex, "{0}: a batch in memory does not decode while listing offsets by timestamp", PersistenceId);
            ReplyListOffsets(replyTo, ErrorCode.CorruptMessage, -1, -1);
            return;
        }

        switch (lookup)
        {
            case TimestampLookup.Found found:
                ReplyListOffsets(replyTo, ErrorCode.None, found.Offset, found.Timestamp);
                break;
            case TimestampLookup.InJournal inJournal when JournalReadsInFlight >= _settings.MaxConcurrentJournalReads:
                if (_queuedJournalReads.Count >= _settings.MaxWaitingFetches)
                    ReplyListOffsets(replyTo, ErrorCode.RequestTimedOut, -1, -1);
                else
                    _queuedJournalReads.Enqueue(() => SearchTimestamp(request, replyTo, inJournal.FromOffset));
                break;
            case TimestampLookup.InJournal inJournal:
                _journalReads++;
                var search = Context.ActorOf(TimestampSearch.Props(_partition, request, replyTo, inJournal, _settings.MaxFetchBytes,
                    _journalReader));
                Context.WatchWith(search, JournalReadFinished.Instance);
                break;
            default:
                ReplyListOffsets(replyTo, ErrorCode.None, -1, -1);
                break;
        }
    }

    private void ReplyListOffsets(IActorRef replyTo, ErrorCode error, long offset, long timestamp) =>
        replyTo.Tell(new ListOffsetsResponse(_partition.Topic, _partition.Partition, error, offset, timestamp));

    // ---------------- retention and deletion ----------------

    private void ApplyRetention()
    {
        if (_retentionInProgress || _deleting) return;
        var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var expirationMs = (long)_settings.ProducerIdExpiration.TotalMilliseconds;
        if (_log.Producers.Expire(nowMs, expirationMs) + _producers.Expire(nowMs, expirationMs) > 0)
            _logger.Debug("{0}: forgot idempotent producers idle longer than {1}", PersistenceId, _settings.ProducerIdExpiration);
        var expired = _log.ExpiredSegments(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), _retentionMs, _retentionBytes);
        if (expired is null) return;
        _retentionInProgress = true;
        Persist(expired, e =>
        {
            _log.Apply(e, LastSequenceNr);
            _reads.DropBelow(_log.LogStartOffset);
            _logger.Info("{0}: retention moved the log start to offset {1}", PersistenceId, e.LogStartOffset);
            _metrics.LogChanged(_partition, _log);
            DeleteMessages(e.UpToSequenceNr);
            // A fresh snapshot keeps recovery from loading an index of deleted segments.
            SaveSnapshot(_log.ToSnapshot());
            _eventsSinceSnapshot = 0;
        });
        // The deleted prefix may hold our LeaderEpochClaimed; claim again above it, so the journal alone still
        // fences a stale owner when no snapshot survives (a failed snapshot save is only logged).
        Persist(new LeaderEpochClaimed(_epoch), e => _log.Apply(e, LastSequenceNr));
    }

    private void DeleteLog()
    {
        _deleting = true;
        FailAllPending(ErrorCode.UnknownTopicOrPartition, "topic was deleted");
        DeleteMessages(long.MaxValue);
    }

    /// <param name="LogAppendTime">The broker's time stamped into the batch for a LogAppendTime topic, else -1 (as
    /// Kafka's ProduceResponse says for CreateTime).</param>
    private sealed record PendingAppend(BatchAppended Event, IActorRef ReplyTo, Acks Acks, long BaseOffset, long LogAppendTime, string ClientId, string? ClientAddress)
    {
        /// <summary>Retries of this batch (same producer id, epoch and sequences) that arrived before it was written.</summary>
        public List<IActorRef>? Duplicates { get; set; }
    }

    private sealed record ParkedFetch(FetchRequest Request, IActorRef ReplyTo, DateTime Deadline);

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
