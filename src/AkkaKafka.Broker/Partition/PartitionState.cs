using Akka.Actor;
using AkkaKafka.Broker.Storage;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Broker.Partition;

/// <summary>
/// Everything one partition knows and decides, with no actor, no clock and no I/O: the log as its events built it
/// (<see cref="PartitionLog"/>), the offsets and idempotent producers reserved ahead of the journal for batches
/// accepted but not yet written, the group-commit queue of writes, the fetches waiting at the log end or for a
/// journal read, and the retention decision. Each method takes a request (with the time where the answer depends on
/// it) and returns what to do — a reply, an event to persist, a journal read to start — which the
/// <see cref="PartitionActor"/> carries out. Specs drive it directly (PartitionStateSpecs).
/// </summary>
/// <remarks>
/// Mutable on purpose, like <see cref="PartitionLog"/>: thousands of batches a second pass through it. Only its actor
/// touches it, from its own thread. The clients to answer travel with the requests as opaque <see cref="IActorRef"/>s.
/// </remarks>
public sealed class PartitionState
{
    private readonly PartitionIdentity _partition;
    private readonly BrokerSettings _settings;
    private readonly List<ParkedFetch> _parkedFetches = [];
    /// <summary>Journal reads (a <see cref="PendingFetch"/> or a <see cref="TimestampSearch.Continue"/>) waiting for one of the concurrent reads to finish.</summary>
    private readonly Queue<object> _queuedJournalReads = new();
    private List<PendingAppend> _pending = [];
    private List<PendingAppend> _inFlight = [];
    /// <summary>Batches of the write in flight already acknowledged; the rest get a rejection each when it fails.</summary>
    private int _writtenOfInFlight;
    /// <summary>Rejections still to come for a failed write whose batches were all answered at its first rejection.</summary>
    private int _staleRejections;
    /// <summary>Bytes of the batches in <see cref="_inFlight"/> and <see cref="_pending"/>, bounded by max-pending-bytes.</summary>
    private long _pendingBytes;
    private long _reservedNextOffset;
    /// <summary>
    /// The idempotent producers as of every batch accepted, written or not (the log's own table counts only written
    /// ones): a retry that arrives while its first try is still being written is recognised here. Like the reserved
    /// offsets it runs ahead of the journal; a failed write resets both to the log's (or stops the actor, and recovery
    /// rebuilds them).
    /// </summary>
    private ProducerStateTable _producers = new();
    /// <summary>
    /// Producers with a transaction open here as of every batch accepted, written or not (the log's
    /// <see cref="TransactionIndex"/> counts only written ones): their next transactional batches need no verification.
    /// Runs ahead of the journal like <see cref="_producers"/>, and is reset with it.
    /// </summary>
    private HashSet<long> _openTransactions = [];
    /// <summary>KIP-890 verifications with the coordinator in flight, by producer id (see <see cref="Produce"/>).</summary>
    private readonly Dictionary<long, TransactionVerification> _verifications = new();
    private long _eventsSinceSnapshot;
    /// <summary>Timestamp searches reading the journal (fetch reads are counted by <see cref="Reads"/>).</summary>
    private int _timestampSearches;
    private bool _retentionInProgress;

    public PartitionState(PartitionIdentity partition, long epoch, long retentionMs, long retentionBytes, TimestampType timestampType,
        BrokerSettings settings, ReadCache cache)
    {
        _partition = partition;
        Epoch = epoch;
        RetentionMs = retentionMs;
        RetentionBytes = retentionBytes;
        TimestampType = timestampType;
        _settings = settings;
        Log = new PartitionLog(settings.TailBytes, settings.SegmentBatches, settings.SegmentBytes);
        Reads = new PartitionReads(cache);
    }

    /// <summary>The assignment epoch this owner claims in the journal.</summary>
    public long Epoch { get; }

    public PartitionLog Log { get; }

    /// <summary>The runs of old batches this partition holds in the read cache and its journal reads in flight.</summary>
    public PartitionReads Reads { get; }

    public long RetentionMs { get; private set; }

    public long RetentionBytes { get; private set; }

    public TimestampType TimestampType { get; private set; }

    /// <summary>The topic was deleted: nothing is written any more, and the actor stops when its events are gone.</summary>
    public bool Deleting { get; private set; }

    /// <summary>The offset the next accepted batch gets: the log end plus every batch accepted and not yet written.</summary>
    public long ReservedNextOffset => _reservedNextOffset;

    public long PendingBytes => _pendingBytes;

    /// <summary>A write is under way; batches accepted meanwhile wait for the next one (group commit).</summary>
    public bool Writing => _inFlight.Count > 0;

    public bool HasParkedFetches => _parkedFetches.Count > 0;

    private int JournalReadsInFlight => _timestampSearches + Reads.ReadsInFlight;

    private bool JournalReadsFull => JournalReadsInFlight >= _settings.MaxConcurrentJournalReads;

    public void Update(UpdateRetention update)
    {
        RetentionMs = update.RetentionMs;
        RetentionBytes = update.RetentionBytes;
        TimestampType = update.TimestampType;
    }

    // ---------------- recovery ----------------

    public void Restore(PartitionSnapshot snapshot, long nowMs) => Log.Restore(snapshot, nowMs);

    /// <summary>An event replayed by recovery, or persisted by this owner (a write's batches go through <see cref="Written"/>).</summary>
    public void Apply(IPartitionEvent e, long sequenceNr)
    {
        Log.Apply(e, sequenceNr);
        _eventsSinceSnapshot++;
    }

    /// <summary>
    /// Recovery finished: offsets and producers are reserved from the log. The epoch to persist before any write when
    /// this owner is newer than the journal's; <see cref="RecoveryVerdict.Stale"/> when a newer owner has written here
    /// already, so this one acts on a stale assignment and must not write.
    /// </summary>
    public RecoveryVerdict Recovered()
    {
        ResetReservations();
        if (Log.LeaderEpoch > Epoch) return RecoveryVerdict.Stale;
        return Log.LeaderEpoch < Epoch ? RecoveryVerdict.ClaimEpoch : RecoveryVerdict.Current;
    }

    private void ResetReservations()
    {
        _reservedNextOffset = Log.NextOffset;
        _producers = Log.Producers.Copy();
        _openTransactions = Log.Transactions.Open.Select(o => o.ProducerId).ToHashSet();
    }

    // ---------------- produce ----------------

    /// <summary>
    /// Validates a batch (size, CRC and records, idempotence) and, when it is new, reserves its offsets, stamps them
    /// (with the leader epoch and the max timestamp, the broker's clock for a LogAppendTime topic) into the one copy
    /// that goes to the journal, and queues it for the next write.
    /// <para>KIP-890 part 1 (Kafka's transaction.partition.verification.enable): a transactional batch of a producer
    /// with no transaction open here is first verified with its transactional id's coordinator
    /// (<see cref="ProduceOutcome.NeedsVerification"/>; the producer's later batches wait for that answer, in order,
    /// <see cref="ProduceOutcome.WaitsForVerification"/>), so that no batch opens a transaction no coordinator will
    /// end, which would hold the last stable offset back for ever. Once one is written the transaction is open here
    /// and the producer's next batches go straight through: one verification per producer, partition and transaction.
    /// <paramref name="coordinatorVerified"/>: the coordinator has said this partition is in the producer's ongoing
    /// transaction, and no marker has been written here since it was asked (see <see cref="VerificationAnswered"/>).</para>
    /// </summary>
    public ProduceDecision Produce(ProduceRequest request, IActorRef replyTo, long nowMs, bool coordinatorVerified = false)
    {
        if (Deleting) return ProduceDecision.Refuse(ErrorCode.UnknownTopicOrPartition, "topic is being deleted");
        if (_pendingBytes > 0 && _pendingBytes + request.Batch.Length > _settings.MaxPendingBytes)
            return new ProduceDecision(ProduceOutcome.OverPendingBytes, ErrorCode.RequestTimedOut,
                $"{_pendingBytes} bytes are waiting for the journal, more than max-pending-bytes {_settings.MaxPendingBytes}; retry");
        if (request.Batch.Length > _settings.MaxBatchBytes)
            return ProduceDecision.Refuse(ErrorCode.MessageTooLarge, $"batch of {request.Batch.Length} bytes exceeds max-batch-bytes {_settings.MaxBatchBytes}");
        var invalid = RecordBatchValidator.Validate(request.Batch.Span, out var recordsMaxTimestamp);
        if (invalid is not null) return ProduceDecision.Refuse(ErrorCode.CorruptMessage, invalid);

        var header = new RecordBatch(request.Batch);
        // Only the transaction coordinator ends a transaction (WriteTxnMarkers): a client's control batch would close
        // another producer's transaction or hide records from read_committed readers (Kafka refuses it so too).
        if (header.IsControl) return ProduceDecision.Refuse(ErrorCode.InvalidRecord, "control batches (transaction markers) are written by the transaction coordinator, not produced");
        if (header.IsTransactional && header.ProducerId < 0)
            return ProduceDecision.Refuse(ErrorCode.InvalidRecord, "a transactional batch needs a producer id");
        // Behind its producer's verification in flight, before the sequence check: its sequence follows that batch's.
        if (header.IsTransactional && !coordinatorVerified && _verifications.TryGetValue(header.ProducerId, out var inFlight))
        {
            inFlight.Waiting.Add(new WaitingProduce(request, replyTo));
            return new ProduceDecision(ProduceOutcome.WaitsForVerification);
        }
        if (header.ProducerId >= 0 && CheckIdempotent(request, replyTo, header) is { } answered) return answered;
        if (header.IsTransactional && !coordinatorVerified && _settings.TransactionPartitionVerification
            && !_openTransactions.Contains(header.ProducerId))
            return Verify(request, replyTo, header);

        // The one copy of the batch on its way to the journal: the request may be a slice of a frame or payload, or
        // an in-process sender's array, and the offsets are written into the stored bytes.
        var bytes = request.Batch.ToArray();
        var baseOffset = _reservedNextOffset;
        RecordBatch.SetBaseOffset(bytes, baseOffset);
        RecordBatch.SetPartitionLeaderEpoch(bytes, (int)Math.Min(int.MaxValue, Epoch));
        // The header's maxTimestamp is the client's word (Sarama says -1); retention and the time index go by it, so
        // the stored batch says what the records say, or the broker's clock for a LogAppendTime topic (Kafka's
        // LogValidator does the same).
        var logAppendTime = TimestampType == TimestampType.LogAppendTime ? nowMs : -1;
        RecordBatch.SetMaxTimestamp(bytes, TimestampType, TimestampType == TimestampType.LogAppendTime ? logAppendTime : recordsMaxTimestamp);
        var stored = new RecordBatch(bytes);
        _reservedNextOffset = stored.NextOffset;
        if (stored.ProducerId >= 0) _producers.Record(stored.ProducerId, ProducerBatch.Of(stored));
        if (stored.IsTransactional) _openTransactions.Add(stored.ProducerId);
        _pending.Add(new PendingAppend(new BatchAppended(bytes), replyTo, request.Acks, baseOffset, logAppendTime, request.ClientId, request.ClientAddress));
        _pendingBytes += bytes.Length;
        return new ProduceDecision(ProduceOutcome.Accepted, BaseOffset: baseOffset);
    }

    /// <summary>
    /// Kafka's WriteTxnMarkers for this partition: a commit or abort marker, a control batch that takes the next
    /// offset like any batch and goes through the same group-commit write, closing the producer's open transaction
    /// when it is applied (an abort enters the aborted-transactions index). Refused when the producer's epoch here is
    /// newer (the marker's producer was fenced: INVALID_PRODUCER_EPOCH, as Kafka's checkProducerEpoch) or a newer
    /// coordinator wrote its last marker (TRANSACTION_COORDINATOR_FENCED). A marker for a producer with no open
    /// transaction here is written all the same, as Kafka does.
    /// </summary>
    public ProduceDecision WriteMarker(WriteTxnMarker marker, IActorRef replyTo, long nowMs)
    {
        if (Deleting) return ProduceDecision.Refuse(ErrorCode.UnknownTopicOrPartition, "topic is being deleted");
        if (marker.ProducerId < 0 || marker.ProducerEpoch < 0)
            return ProduceDecision.Refuse(ErrorCode.InvalidRequest, $"a transaction marker needs a producer id and epoch (got {marker.ProducerId}, {marker.ProducerEpoch})");
        if (_producers.Find(marker.ProducerId) is { } producer && marker.ProducerEpoch < producer.Epoch)
            return ProduceDecision.Refuse(ErrorCode.InvalidProducerEpoch,
                $"producer {marker.ProducerId}: marker epoch {marker.ProducerEpoch} is older than the current epoch {producer.Epoch}");
        var lastCoordinatorEpoch = Log.Transactions.CoordinatorEpoch(marker.ProducerId);
        if (marker.CoordinatorEpoch < lastCoordinatorEpoch)
            return ProduceDecision.Refuse(ErrorCode.TransactionCoordinatorFenced,
                $"producer {marker.ProducerId}: coordinator epoch {marker.CoordinatorEpoch} is older than {lastCoordinatorEpoch}, which wrote its last marker");
        var bytes = ControlRecords.Marker(marker.ProducerId, marker.ProducerEpoch, marker.Result, marker.CoordinatorEpoch, nowMs);
        var baseOffset = _reservedNextOffset;
        RecordBatch.SetBaseOffset(bytes, baseOffset);
        RecordBatch.SetPartitionLeaderEpoch(bytes, (int)Math.Min(int.MaxValue, Epoch));
        _reservedNextOffset = baseOffset + 1;
        _openTransactions.Remove(marker.ProducerId);
        // A verification in flight was answered for the transaction this marker ends: its batch must not open the next one.
        if (_verifications.TryGetValue(marker.ProducerId, out var verification)) verification.MarkerWritten = true;
        _pending.Add(new PendingAppend(new BatchAppended(bytes), replyTo, Acks.All, baseOffset, -1, "transaction-coordinator", null) { Marker = marker });
        _pendingBytes += bytes.Length;
        return new ProduceDecision(ProduceOutcome.Accepted, BaseOffset: baseOffset);
    }

    /// <summary>
    /// The first transactional batch of a producer with no transaction open here: the coordinator is to be asked
    /// (<see cref="ProduceOutcome.NeedsVerification"/>). Without a transactional id there is nobody to ask: Kafka
    /// answers TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
    /// </summary>
    private ProduceDecision Verify(ProduceRequest request, IActorRef replyTo, RecordBatch header)
    {
        if (string.IsNullOrEmpty(request.TransactionalId))
            return ProduceDecision.Refuse(ErrorCode.TransactionalIdAuthorizationFailed,
                "a transactional batch needs the produce request's transactional_id, to verify it with the transaction coordinator");
        _verifications[header.ProducerId] = new TransactionVerification(request, replyTo, header.ProducerId, header.ProducerEpoch);
        return new ProduceDecision(ProduceOutcome.NeedsVerification);
    }

    /// <summary>
    /// The coordinator answered the verification of <paramref name="producerId"/>'s batch: the verification, no longer
    /// in flight, with the batch asked about and those that waited behind it; null when none was in flight.
    /// </summary>
    public TransactionVerification? VerificationAnswered(long producerId) =>
        _verifications.Remove(producerId, out var verification) ? verification : null;

    /// <summary>
    /// Kafka's translation of the coordinator's answer for the producer (ReplicaManager, AddPartitionsToTxnManager):
    /// PRODUCER_FENCED is INVALID_PRODUCER_EPOCH, which producers expect from a produce; the coordinator's retriable
    /// errors are NOT_ENOUGH_REPLICAS, which every client retries without a metadata refresh; the rest as they are.
    /// </summary>
    public static (ErrorCode Error, string? Message) VerificationRefusal(ErrorCode coordinatorAnswer, bool markerWrittenSince) => coordinatorAnswer switch
    {
        ErrorCode.None when markerWrittenSince => (ErrorCode.InvalidTxnState, "Partition was not added to the transaction (the transaction ended while the batch was verified)"),
        ErrorCode.None => (ErrorCode.None, null),
        ErrorCode.InvalidTxnState => (ErrorCode.InvalidTxnState, "Partition was not added to the transaction"),
        ErrorCode.ProducerFenced => (ErrorCode.InvalidProducerEpoch, "the transaction coordinator says this producer is fenced"),
        ErrorCode.ConcurrentTransactions or ErrorCode.CoordinatorLoadInProgress or ErrorCode.CoordinatorNotAvailable or ErrorCode.NotCoordinator =>
            (ErrorCode.NotEnoughReplicas, $"Unable to verify the partition has been added to the transaction. Underlying error: {coordinatorAnswer.Describe()}"),
        _ => (coordinatorAnswer, $"the transaction coordinator refused: {coordinatorAnswer.Describe()}"),
    };

    /// <summary>
    /// Kafka's DescribeProducers for this partition: every producer with state in the written log, its epoch, last
    /// sequence and timestamp, the coordinator epoch of its last marker, and where its open transaction starts.
    /// </summary>
    public ProducersDescription DescribeProducers() =>
        new(_partition.Topic, _partition.Partition, ErrorCode.None, Log.Producers.Entries
            .Select(p => new ActiveProducer(p.ProducerId, p.Epoch, p.Last.LastSequence, p.Last.Timestamp,
                Log.Transactions.CoordinatorEpoch(p.ProducerId), Log.Transactions.OpenFirstOffset(p.ProducerId) ?? -1))
            .OrderBy(p => p.ProducerId)
            .ToList());

    /// <summary>
    /// Kafka's idempotence check, before any offset is assigned (see <see cref="ProducerStateTable"/>). A duplicate
    /// already written is answered at once with its original offset; one still being written is answered when that
    /// write completes (or fails). Null when the batch is new and in sequence.
    /// </summary>
    private ProduceDecision? CheckIdempotent(ProduceRequest request, IActorRef replyTo, RecordBatch header)
    {
        var check = _producers.Check(header.ProducerId, header.ProducerEpoch, header.BaseSequence,
            ProducerStateTable.LastSequenceOf(header.BaseSequence, header.LastOffsetDelta));
        switch (check)
        {
            case ProducerAppendCheck.Refused refused:
                return ProduceDecision.Refuse(refused.Error, refused.Message);
            case ProducerAppendCheck.Duplicate { Original: var original }:
                if (original.BaseOffset < Log.NextOffset) return new ProduceDecision(ProduceOutcome.Duplicate, BaseOffset: original.BaseOffset);
                var first = _inFlight.Concat(_pending).FirstOrDefault(p => p.BaseOffset == original.BaseOffset);
                if (first is null)
                    return ProduceDecision.Refuse(ErrorCode.KafkaStorageError, "the first try of this batch is not written; retry");
                if (request.Acks != Acks.None) (first.Duplicates ??= []).Add(replyTo);
                return new ProduceDecision(ProduceOutcome.WaitsForFirstTry, BaseOffset: original.BaseOffset);
            default:
                return null;
        }
    }

    /// <summary>The batches accepted since the last write, now in flight as one write.</summary>
    public JournalWrite StartWrite()
    {
        _inFlight = _pending;
        _pending = [];
        _writtenOfInFlight = 0;
        return new JournalWrite(_inFlight);
    }

    /// <summary>
    /// One batch of <paramref name="write"/> is in the journal: the append to acknowledge (with its retries). Counted
    /// on the write itself, which goes on being written even when its batches were failed meanwhile (the topic was
    /// deleted): those are in the journal, so the log applies them.
    /// </summary>
    public PendingAppend Written(JournalWrite write, BatchAppended e, long sequenceNr)
    {
        var append = write.Appends[write.Written++];
        _writtenOfInFlight = write.Written;
        _pendingBytes -= e.Batch.Length;
        Apply(e, sequenceNr);
        return append;
    }

    /// <summary>The write in flight is all in the journal. True when a snapshot is due (snapshot-every events since the last).</summary>
    public bool CompleteWrite()
    {
        _inFlight = [];
        if (_eventsSinceSnapshot < _settings.SnapshotEvery) return false;
        _eventsSinceSnapshot = 0;
        return true;
    }

    public bool HasPendingWrites => _pending.Count > 0;

    /// <summary>
    /// Every batch accepted and not acknowledged (the first ones of the write in flight may have been): they are to
    /// be answered with an error. The queue is empty afterwards.
    /// </summary>
    public List<PendingAppend> FailAllPending()
    {
        var unanswered = _inFlight.Skip(_writtenOfInFlight).Concat(_pending).ToList();
        _inFlight = [];
        _writtenOfInFlight = 0;
        _pending = [];
        _pendingBytes = 0;
        return unanswered;
    }

    /// <summary>
    /// The journal rejected a batch of the write in flight (it certainly wrote nothing of it). The journal tells one
    /// rejection per batch, in order: the first returns every batch not yet acknowledged (and those waiting behind
    /// them, whose offsets followed theirs) to be answered with the error; the others return null, spent. Nothing of
    /// the failed write is in the log, so the next batch gets the offsets they had, and the producers' sequences are
    /// those of the written batches again (a producer retries the failed ones with the same numbers).
    /// </summary>
    public List<PendingAppend>? RejectWrite()
    {
        if (_staleRejections > 0)
        {
            _staleRejections--;
            return null;
        }
        _staleRejections = Math.Max(0, _inFlight.Count - _writtenOfInFlight - 1);
        var unanswered = FailAllPending();
        ResetReservations();
        return unanswered;
    }

    // ---------------- fetch planning ----------------

    /// <summary>
    /// Where a fetch is served from: out of range; parked at the log end (long poll); the in-memory tail; the read
    /// cache (with a prefetch of the next run for a sequential reader); joined to the journal read of its offset
    /// already in flight; queued while max-concurrent-journal-reads are running; or a new journal read.
    /// </summary>
    public FetchPlan PlanFetch(FetchRequest request, IActorRef replyTo, DateTime now)
    {
        var maxBytes = Math.Clamp(request.MaxBytes, 1, _settings.MaxFetchBytes);
        if (request.Offset < Log.LogStartOffset || request.Offset > Log.NextOffset)
            return FetchPlan.Answer(Empty(ErrorCode.OffsetOutOfRange, $"offset {request.Offset} is outside [{Log.LogStartOffset}, {Log.NextOffset}]"));
        // A read_committed reader at or past the LSO waits, as one at the log end, until a marker moves it on.
        if (request.Offset >= ReadableEnd(request)) return Park(request, replyTo, now);
        if (Log.ReadTail(request.Offset, maxBytes) is { } fromTail) return FetchPlan.Answer(Records(request, fromTail));
        if (Reads.Read(request.Offset, maxBytes) is { } fromCache)
            return new FetchPlan(Records(request, fromCache), Prefetch(new RecordBatch(fromCache[^1]).NextOffset));

        var fetch = new PendingFetch(request with { MaxBytes = maxBytes }, replyTo);
        // A sequential reader usually finds the prefetch of exactly its next offset under way: it waits for that.
        if (Reads.TryJoin(fetch)) return FetchPlan.Waits;
        if (JournalReadsFull)
        {
            if (_queuedJournalReads.Count >= _settings.MaxWaitingFetches) return FetchPlan.Answer(Empty());
            _queuedJournalReads.Enqueue(fetch);
            return FetchPlan.Waits;
        }
        if (Log.FindSegment(request.Offset) is not { } segment)
            return FetchPlan.Answer(Empty(ErrorCode.OffsetOutOfRange, $"offset {request.Offset} is not in the log"));
        var read = JournalRangeRequest.InSegment(_partition.PersistenceId, segment, request.Offset, maxBytes + _settings.ReadAheadBytes);
        Reads.Started(read.Offset, fetch);
        return new FetchPlan(null, read);
    }

    private FetchPlan Park(FetchRequest request, IActorRef replyTo, DateTime now)
    {
        var wait = TimeSpan.FromMilliseconds(Math.Clamp(request.MaxWaitMs, 0, (int)_settings.MaxFetchWait.TotalMilliseconds));
        if (wait <= TimeSpan.Zero || _parkedFetches.Count >= _settings.MaxWaitingFetches) return FetchPlan.Answer(Empty());
        _parkedFetches.Add(new ParkedFetch(new PendingFetch(request, replyTo), now + wait));
        return FetchPlan.Parked;
    }

    /// <summary>
    /// Keeps a sequential reader ahead of the journal: when fewer than read-ahead-bytes are cached beyond where it
    /// now stands, the next run is read from the exact sequence number the cached run ends at. Null when no read is due.
    /// </summary>
    private JournalRangeRequest? Prefetch(long position)
    {
        if (position >= Log.TailStartOffset || JournalReadsFull) return null;
        if (Reads.PrefetchFrom(position, _settings.ReadAheadBytes) is not { } from || from.Offset >= Log.TailStartOffset) return null;
        var segment = Log.FindSegment(from.Offset);
        var averageBatch = segment is null ? _settings.PrefetchAssumedBatchBytes : segment.Bytes / Math.Max(1, segment.Batches);
        var read = new JournalRangeRequest(_partition.PersistenceId, from.Offset, _settings.ReadAheadBytes, from.SequenceNr, from.SequenceNr, averageBatch);
        Reads.Started(read.Offset, null);
        return read;
    }

    /// <summary>
    /// A journal read that started at <paramref name="offset"/> returned <paramref name="range"/>: it is cached, each
    /// fetch that waited for it is answered, and the next runs to prefetch are returned.
    /// </summary>
    public JournalReadOutcome RangeRead(long offset, JournalRange range)
    {
        var waiting = Reads.Finished(offset);
        Reads.Add(range);
        var outcome = new JournalReadOutcome(new List<FetchAnswer>(waiting.Count), []);
        foreach (var fetch in waiting)
        {
            var batches = PartitionReads.Take(range.Batches, fetch.Request.Offset, fetch.Request.MaxBytes);
            if (batches.Count == 0)
            {
                // Not in the journal any more (retention deleted it while the read ran) or not yet readable: the
                // consumer asks again, and is told if its offset fell below the log start.
                outcome.Answers.Add(new FetchAnswer(fetch, Empty(fetch.Request.Offset < Log.LogStartOffset ? ErrorCode.OffsetOutOfRange : ErrorCode.None)));
                continue;
            }
            outcome.Answers.Add(new FetchAnswer(fetch, Records(fetch.Request, batches)));
            if (Prefetch(new RecordBatch(batches[^1]).NextOffset) is { } next) outcome.Reads.Add(next);
        }
        return outcome;
    }

    /// <summary>A journal read failed: the fetches that waited for it, each answered KAFKA_STORAGE_ERROR.</summary>
    public List<FetchAnswer> RangeFailed(long offset, string cause) =>
        Reads.Finished(offset).Select(f => new FetchAnswer(f, Empty(ErrorCode.KafkaStorageError, "reading the journal failed: " + cause))).ToList();

    /// <summary>
    /// The next journal read queued while the concurrent reads were all taken, if one is free now (a
    /// <see cref="PendingFetch"/> to plan again, or a <see cref="TimestampSearch.Continue"/>).
    /// </summary>
    public object? NextQueuedJournalRead() => _queuedJournalReads.Count > 0 && !JournalReadsFull ? _queuedJournalReads.Dequeue() : null;

    /// <summary>Records arrived: the parked fetches they serve, to be planned again.</summary>
    public List<PendingFetch> TakeServableParkedFetches()
    {
        if (_parkedFetches.Count == 0) return [];
        var ready = new List<PendingFetch>();
        _parkedFetches.RemoveAll(p =>
        {
            if (p.Fetch.Request.Offset >= ReadableEnd(p.Fetch.Request)) return false;
            ready.Add(p.Fetch);
            return true;
        });
        return ready;
    }

    /// <summary>The parked fetches whose max wait has passed by <paramref name="now"/> (all of them at DateTime.MaxValue: the owner stops), answered empty.</summary>
    public List<FetchAnswer> ExpireParkedFetches(DateTime now)
    {
        var expired = new List<FetchAnswer>();
        _parkedFetches.RemoveAll(p =>
        {
            if (p.Deadline > now) return false;
            expired.Add(new FetchAnswer(p.Fetch, Empty()));
            return true;
        });
        return expired;
    }

    /// <summary>Every answer carries the last stable offset (Kafka's Fetch v4+), whatever the reader's isolation level.</summary>
    public FetchResponse Empty(ErrorCode error = ErrorCode.None, string? message = null) =>
        _partition.EmptyFetch(Log.NextOffset, Log.LogStartOffset, error, message) with { LastStableOffset = Log.LastStableOffset };

    /// <summary>Where a fetch's records end: the log end, or the LSO for a read_committed reader.</summary>
    private long ReadableEnd(FetchRequest request) =>
        request.Isolation == IsolationLevel.ReadCommitted ? Log.LastStableOffset : Log.NextOffset;

    /// <summary>
    /// The answer with <paramref name="batches"/>: for a read_committed reader only those below the LSO (it lies at a
    /// batch boundary, the first batch of an open transaction, and the first batch holds the fetch offset, which is
    /// below it, so one always stays), with the aborted transactions of the range it returns, from which the client
    /// drops the aborted records (Kafka's FetchResponse aborted_transactions).
    /// </summary>
    private FetchResponse Records(FetchRequest request, List<byte[]> batches)
    {
        if (request.Isolation != IsolationLevel.ReadCommitted) return Empty() with { Records = FetchBatches.Concat(batches) };
        var stable = Log.LastStableOffset;
        var keep = batches.Count;
        while (keep > 1 && new RecordBatch(batches[keep - 1]).BaseOffset >= stable) keep--;
        if (keep < batches.Count) batches = batches.GetRange(0, keep);
        var end = new RecordBatch(batches[^1]).NextOffset;
        return Empty() with
        {
            Records = FetchBatches.Concat(batches),
            AbortedTransactions = Log.Transactions.AbortedIn(request.Offset, end),
        };
    }

    // ---------------- list offsets ----------------

    /// <summary>
    /// One step of a ListOffsets: the log end or start, or a lookup by timestamp answered from the index and the tail
    /// when it can be, else a journal read of the segment that may hold it (queued while the concurrent reads are
    /// all taken).
    /// </summary>
    public ListOffsetsPlan PlanListOffsets(ListOffsetsRequest request, IActorRef replyTo, long fromOffset)
    {
        switch (request.Timestamp)
        {
            case ListOffsetsRequest.Latest:
                return ListOffsetsPlan.Answer(ErrorCode.None, request.Isolation == IsolationLevel.ReadCommitted ? Log.LastStableOffset : Log.NextOffset);
            case ListOffsetsRequest.Earliest: return ListOffsetsPlan.Answer(ErrorCode.None, Log.LogStartOffset);
            // Kafka's later specials (-3 max timestamp, -4/-5 tiered storage) are not offered.
            case < 0: return ListOffsetsPlan.Answer(ErrorCode.InvalidRequest, -1);
        }
        TimestampLookup lookup;
        try
        {
            lookup = Log.LookupTimestamp(request.Timestamp, fromOffset);
        }
        catch (CorruptRecordException ex)
        {
            return new ListOffsetsPlan(ErrorCode.CorruptMessage, -1, -1, null, ex);
        }
        switch (lookup)
        {
            case TimestampLookup.Found found:
                return new ListOffsetsPlan(ErrorCode.None, found.Offset, found.Timestamp, null);
            case TimestampLookup.InJournal when JournalReadsFull && _queuedJournalReads.Count >= _settings.MaxWaitingFetches:
                return ListOffsetsPlan.Answer(ErrorCode.RequestTimedOut, -1);
            case TimestampLookup.InJournal inJournal when JournalReadsFull:
                _queuedJournalReads.Enqueue(new TimestampSearch.Continue(request, replyTo, inJournal.FromOffset));
                return ListOffsetsPlan.Waits;
            case TimestampLookup.InJournal inJournal:
                _timestampSearches++;
                return new ListOffsetsPlan(ErrorCode.None, -1, -1, inJournal);
            default:
                return ListOffsetsPlan.Answer(ErrorCode.None, -1);
        }
    }

    /// <summary>A timestamp search's journal read is over (answered, handed back, or failed).</summary>
    public void TimestampSearchFinished() => _timestampSearches--;

    // ---------------- retention and deletion ----------------

    /// <summary>
    /// The periodic retention check at <paramref name="nowMs"/>: idempotent producers idle longer than
    /// producer-id-expiration are forgotten, and whole segments older than retention.ms or beyond retention.bytes
    /// (never the active one; see <see cref="PartitionLog.ExpiredSegments"/>) are to be deleted by persisting the
    /// returned event. Nothing while a deletion is under way or the topic is being deleted.
    /// </summary>
    public RetentionDecision DecideRetention(long nowMs)
    {
        if (_retentionInProgress || Deleting) return new RetentionDecision(0, null);
        var expirationMs = (long)_settings.ProducerIdExpiration.TotalMilliseconds;
        var forgotten = Log.Producers.Expire(nowMs, expirationMs) + _producers.Expire(nowMs, expirationMs);
        if (forgotten > 0) Log.Transactions.ForgetProducersNotIn(Log.Producers);
        var expired = Log.ExpiredSegments(nowMs, RetentionMs, RetentionBytes);
        if (expired is not null) _retentionInProgress = true;
        return new RetentionDecision(forgotten, expired);
    }

    /// <summary>The log start moved: cached runs below it go, and a fresh snapshot (returned) keeps recovery from loading an index of deleted segments.</summary>
    public PartitionSnapshot LogStartAdvanced(LogStartOffsetAdvanced e, long sequenceNr)
    {
        Log.Apply(e, sequenceNr);
        Reads.DropBelow(Log.LogStartOffset);
        _eventsSinceSnapshot = 0;
        return Log.ToSnapshot();
    }

    /// <summary>The journal deleted the expired events (or failed to; the next check retries).</summary>
    public void RetentionFinished() => _retentionInProgress = false;

    /// <summary>The topic was deleted: no more writes; returns the batches to answer with an error.</summary>
    public List<PendingAppend> Delete()
    {
        Deleting = true;
        return FailAllPending();
    }

    private sealed record ParkedFetch(PendingFetch Fetch, DateTime Deadline);
}

/// <summary>One write of batches to the journal (a group commit) and how many of them are written so far.</summary>
public sealed class JournalWrite(IReadOnlyList<PendingAppend> appends)
{
    public IReadOnlyList<PendingAppend> Appends { get; } = appends;

    public int Written { get; internal set; }

    public bool Done => Written == Appends.Count;
}

/// <param name="LogAppendTime">The broker's time stamped into the batch for a LogAppendTime topic, else -1 (as
/// Kafka's ProduceResponse says for CreateTime).</param>
public sealed record PendingAppend(BatchAppended Event, IActorRef ReplyTo, Acks Acks, long BaseOffset, long LogAppendTime, string ClientId, string? ClientAddress)
{
    /// <summary>Retries of this batch (same producer id, epoch and sequences) that arrived before it was written.</summary>
    public List<IActorRef>? Duplicates { get; set; }

    /// <summary>The WriteTxnMarkers request this append is the marker of (answered with a <see cref="WriteTxnMarkerResponse"/>), else null.</summary>
    public WriteTxnMarker? Marker { get; init; }
}

/// <summary>A produce waiting for a KIP-890 verification of its producer's transaction.</summary>
public readonly record struct WaitingProduce(ProduceRequest Request, IActorRef ReplyTo);

/// <summary>
/// One verification with the coordinator in flight: the batch asked about, the producer's batches that came after it
/// (answered in order once it is), and whether a marker for the producer was written meanwhile (Kafka's verification
/// guard: then the coordinator's "yes" is about a transaction that has ended).
/// </summary>
public sealed class TransactionVerification(ProduceRequest request, IActorRef replyTo, long producerId, short producerEpoch)
{
    public ProduceRequest Request { get; } = request;
    public IActorRef ReplyTo { get; } = replyTo;
    public long ProducerId { get; } = producerId;
    public short ProducerEpoch { get; } = producerEpoch;
    public List<WaitingProduce> Waiting { get; } = [];
    public bool MarkerWritten { get; set; }
}

public enum ProduceOutcome
{
    /// <summary>Offsets reserved and queued for the next write; acknowledged when written.</summary>
    Accepted,
    /// <summary>Answered with the error (acks=0: dropped and logged).</summary>
    Refused,
    /// <summary>The journal is behind by max-pending-bytes: REQUEST_TIMED_OUT, retriable (acks=0: dropped and counted).</summary>
    OverPendingBytes,
    /// <summary>A retry of a batch already written: answered with its original base offset, nothing written.</summary>
    Duplicate,
    /// <summary>A retry of a batch still being written: answered with the first try.</summary>
    WaitsForFirstTry,
    /// <summary>A transactional batch to verify with its coordinator first (KIP-890): ask, then <see cref="PartitionState.VerificationAnswered"/>.</summary>
    NeedsVerification,
    /// <summary>Waits behind its producer's verification in flight; produced again when that is answered.</summary>
    WaitsForVerification,
}

public readonly record struct ProduceDecision(ProduceOutcome Outcome, ErrorCode Error = ErrorCode.None, string? Message = null, long BaseOffset = -1)
{
    public static ProduceDecision Refuse(ErrorCode error, string message) => new(ProduceOutcome.Refused, error, message);
}

/// <summary>
/// What to do with a fetch: answer <see cref="Reply"/> now, start the journal read <see cref="Read"/> (registered
/// already: it answers the fetch, or is a prefetch next to an answer), or nothing yet (<see cref="IsParked"/> at the
/// log end, or waiting for a read in flight or queued).
/// </summary>
public readonly record struct FetchPlan(FetchResponse? Reply, JournalRangeRequest? Read, bool IsParked = false)
{
    public static FetchPlan Answer(FetchResponse reply) => new(reply, null);
    public static readonly FetchPlan Parked = new(null, null, true);
    public static readonly FetchPlan Waits = new(null, null);
}

public readonly record struct FetchAnswer(PendingFetch Fetch, FetchResponse Response);

public sealed record JournalReadOutcome(List<FetchAnswer> Answers, List<JournalRangeRequest> Reads);

/// <summary>
/// What to do with a ListOffsets step: answer (error, offset, timestamp), start a journal search of
/// <see cref="Search"/>, or nothing yet (queued). <see cref="Corrupt"/>: the batch in memory that did not decode.
/// </summary>
public sealed record ListOffsetsPlan(ErrorCode Error, long Offset, long Timestamp, TimestampLookup.InJournal? Search, Exception? Corrupt = null)
{
    public static ListOffsetsPlan Answer(ErrorCode error, long offset) => new(error, offset, -1, null);
    public static readonly ListOffsetsPlan Waits = new(ErrorCode.None, -1, -1, null) { Queued = true };
    public bool Queued { get; private init; }
}

public enum RecoveryVerdict
{
    /// <summary>The journal holds this owner's epoch already.</summary>
    Current,
    /// <summary>Persist <see cref="LeaderEpochClaimed"/> before any write.</summary>
    ClaimEpoch,
    /// <summary>A newer owner has written here: stop without writing.</summary>
    Stale,
}

/// <param name="ForgottenProducers">Idempotent producers forgotten for idling longer than producer-id-expiration.</param>
/// <param name="Expire">The event that moves the log start past the expired segments, or null when nothing is due.</param>
public readonly record struct RetentionDecision(int ForgottenProducers, LogStartOffsetAdvanced? Expire);
