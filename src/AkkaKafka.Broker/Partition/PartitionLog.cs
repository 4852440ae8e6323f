using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Broker.Partition;

/// <summary>
/// The state of one partition, rebuilt from its events: log start and end offsets, the leader epoch, a sparse index
/// of segments, and a bounded in-memory tail of the newest batches. No actor, no I/O: the PartitionActor feeds it
/// events, and tests can drive it directly.
/// </summary>
/// <remarks>
/// Mutable on purpose: a partition applies thousands of batches a second and copying the index on every append would
/// cost more than the rest of the hot path. Only <see cref="PartitionActor"/> touches it, from its own thread.
/// </remarks>
public sealed class PartitionLog
{
    private readonly List<Segment> _segments = [];
    private readonly LinkedList<TailBatch> _tail = new();
    private readonly long _tailBytesLimit;
    private readonly int _segmentBatches;
    private readonly long _segmentBytes;
    private long _tailBytes;

    public PartitionLog(long tailBytesLimit, int segmentBatches, long segmentBytes)
    {
        _tailBytesLimit = tailBytesLimit;
        _segmentBatches = segmentBatches;
        _segmentBytes = segmentBytes;
    }

    /// <summary>The log end offset: the offset the next record gets. Only persisted records count.</summary>
    public long NextOffset { get; private set; }

    public long LogStartOffset { get; private set; }

    public long LeaderEpoch { get; private set; } = -1;

    public IReadOnlyList<Segment> Segments => _segments;

    /// <summary>
    /// The idempotent producers' state as the journal holds it (only written batches count), rebuilt from the
    /// batches' headers on recovery and kept in snapshots.
    /// </summary>
    public ProducerStateTable Producers { get; } = new();

    /// <summary>Open transactions, aborted transactions and markers' coordinator epochs, as the written batches say.</summary>
    public TransactionIndex Transactions { get; } = new();

    /// <summary>
    /// The last stable offset: the first offset of the earliest open transaction, else the log end; never below the
    /// log start (retention may delete the start of a transaction still open, as Kafka's does: its LSO then moves up).
    /// </summary>
    public long LastStableOffset => Math.Max(LogStartOffset, Transactions.LastStableOffset(NextOffset));

    /// <summary>Offset of the oldest record held in memory; reads below it go to the journal.</summary>
    public long TailStartOffset => _tail.First?.Value.BaseOffset ?? NextOffset;

    public long TailBytes => _tailBytes;

    public long SizeInBytes
    {
        get
        {
            long total = 0;
            foreach (var s in _segments) total += s.Bytes;
            return total;
        }
    }

    public void Apply(IPartitionEvent e, long sequenceNr)
    {
        switch (e)
        {
            case BatchAppended b: ApplyBatch(b.Batch, sequenceNr); break;
            case LeaderEpochClaimed c: LeaderEpoch = Math.Max(LeaderEpoch, c.Epoch); break;
            case LogStartOffsetAdvanced a: AdvanceLogStart(a.LogStartOffset); break;
        }
    }

    private void ApplyBatch(byte[] bytes, long sequenceNr)
    {
        var batch = new RecordBatch(bytes);
        var maxTimestamp = NewestTimestampOf(batch);
        var baseOffset = batch.BaseOffset;
        var nextOffset = batch.NextOffset;
        if (_segments.Count == 0 && NextOffset == 0 && LogStartOffset == 0) LogStartOffset = baseOffset;
        NextOffset = nextOffset;

        var last = _segments.Count > 0 ? _segments[^1] : null;
        if (last is null || last.Batches >= _segmentBatches || last.Bytes + bytes.Length > _segmentBytes)
            _segments.Add(new Segment(sequenceNr, sequenceNr, baseOffset, nextOffset, bytes.Length, maxTimestamp, 1));
        else
            _segments[^1] = last with
            {
                LastSequenceNr = sequenceNr,
                NextOffset = nextOffset,
                Bytes = last.Bytes + bytes.Length,
                MaxTimestamp = Math.Max(last.MaxTimestamp, maxTimestamp),
                Batches = last.Batches + 1,
            };

        // A marker carries no sequence: it must not move the producer's sequence on (Kafka's markers do not either).
        if (batch.ProducerId >= 0 && !batch.IsControl) Producers.Record(batch.ProducerId, ProducerBatch.Of(batch));
        ApplyTransactional(batch);

        _tail.AddLast(new TailBatch(sequenceNr, baseOffset, nextOffset, bytes));
        _tailBytes += bytes.Length;
        // Keep at least the newest batch so a consumer at the end never needs the journal.
        while (_tailBytes > _tailBytesLimit && _tail.Count > 1) RemoveOldestTailBatch();
    }

    /// <summary>
    /// Transactional batches and markers move the transaction index. A marker was checked before it was written; one
    /// that does not decode (a journal written by hand) must not stop recovery, so it closes nothing and is logged by
    /// nobody: the LSO then waits on that producer, which is the safe side for a read_committed reader.
    /// </summary>
    private void ApplyTransactional(RecordBatch batch)
    {
        try
        {
            Transactions.Apply(batch);
        }
        catch (CorruptRecordException)
        {
        }
    }

    /// <summary>
    /// Batches appended since validation on append carry a checked maxTimestamp; older journals may hold Sarama's -1
    /// as sent, which <see cref="RecordBatch.NewestTimestamp"/> replaces with the records' own. A stored batch that
    /// does not decode keeps its header's figure: it was accepted once, and recovery must not stop on it.
    /// </summary>
    private static long NewestTimestampOf(RecordBatch batch)
    {
        try
        {
            return batch.NewestTimestamp();
        }
        catch (CorruptRecordException)
        {
            return batch.MaxTimestamp;
        }
    }

    private void AdvanceLogStart(long logStartOffset)
    {
        if (logStartOffset <= LogStartOffset) return;
        LogStartOffset = logStartOffset;
        _segments.RemoveAll(s => s.NextOffset <= logStartOffset);
        while (_tail.First is { } first && first.Value.NextOffset <= logStartOffset) RemoveOldestTailBatch();
        Transactions.DropBelow(logStartOffset);
    }

    private void RemoveOldestTailBatch()
    {
        _tailBytes -= _tail.First!.Value.Bytes.Length;
        _tail.RemoveFirst();
    }

    /// <summary>
    /// Whole batches from the tail that hold <paramref name="offset"/> and later, about <paramref name="maxBytes"/>
    /// in all but always at least one batch (as Kafka's KIP-74). Null when the offset is older than the tail.
    /// </summary>
    public List<byte[]>? ReadTail(long offset, int maxBytes)
    {
        if (offset < TailStartOffset || offset >= NextOffset) return null;
        // Walk back from the newest: consumers are almost always near the end.
        var node = _tail.Last;
        while (node is not null && node.Value.BaseOffset > offset) node = node.Previous;
        return FetchBatches.Take(TailFrom(node), maxBytes);
    }

    private static IEnumerable<byte[]> TailFrom(LinkedListNode<TailBatch>? node)
    {
        for (; node is not null; node = node.Next) yield return node.Value.Bytes;
    }

    /// <summary>The segment holding <paramref name="offset"/>, for a read from the journal.</summary>
    public Segment? FindSegment(long offset)
    {
        int lo = 0, hi = _segments.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var s = _segments[mid];
            if (offset < s.BaseOffset) hi = mid - 1;
            else if (offset >= s.NextOffset) lo = mid + 1;
            else return s;
        }
        return null;
    }

    /// <summary>
    /// The first step of a ListOffsets by timestamp (Kafka's fetchOffsetByTimestamp): the earliest record at or after
    /// <paramref name="fromOffset"/> whose timestamp is at least <paramref name="timestamp"/>. Segments whose newest
    /// timestamp is older are skipped without reading them; a candidate in the tail is searched here; an older one
    /// must be read from the journal (the caller then looks up again after what it read, if the record was not there).
    /// </summary>
    /// <exception cref="CorruptRecordException">When a candidate batch in the tail does not decode.</exception>
    public TimestampLookup LookupTimestamp(long timestamp, long fromOffset)
    {
        fromOffset = Math.Max(fromOffset, LogStartOffset);
        // Timestamps need not grow with offsets (producers set them), so the first segment that can hold a record
        // that new is the one to search, whatever comes after it.
        foreach (var segment in _segments)
        {
            if (segment.NextOffset <= fromOffset || segment.MaxTimestamp < timestamp) continue;
            var start = Math.Max(fromOffset, segment.BaseOffset);
            if (start < TailStartOffset) return new TimestampLookup.InJournal(segment, start);
            // From here on every batch is in memory: one pass over the tail finishes the search.
            var found = TimestampLookup.FirstInBatches(TailBatchesFrom(start), timestamp, start);
            return (TimestampLookup?)found ?? TimestampLookup.None.Instance;
        }
        return TimestampLookup.None.Instance;
    }

    private IEnumerable<RecordBatch> TailBatchesFrom(long offset)
    {
        foreach (var batch in _tail)
            if (batch.NextOffset > offset) yield return new RecordBatch(batch.Bytes);
    }

    /// <summary>
    /// The retention decision: whole segments older than <paramref name="retentionMs"/>, or beyond
    /// <paramref name="retentionBytes"/> counted from the newest, are dropped; the active (newest) segment never is.
    /// Returns null when nothing is due.
    /// </summary>
    public LogStartOffsetAdvanced? ExpiredSegments(long nowMs, long retentionMs, long retentionBytes)
    {
        if (_segments.Count < 2) return null;
        var total = SizeInBytes;
        Segment? lastExpired = null;
        for (var i = 0; i < _segments.Count - 1; i++)
        {
            var s = _segments[i];
            var tooOld = retentionMs >= 0 && s.MaxTimestamp < nowMs - retentionMs;
            var tooBig = retentionBytes >= 0 && total - s.Bytes >= retentionBytes;
            if (!tooOld && !tooBig) break;
            total -= s.Bytes;
            lastExpired = s;
        }
        return lastExpired is null ? null : new LogStartOffsetAdvanced(lastExpired.NextOffset, lastExpired.LastSequenceNr);
    }

    public PartitionSnapshot ToSnapshot() => new(NextOffset, LogStartOffset, LeaderEpoch, _segments.ToList(), Producers.ToSnapshot(), Transactions.ToSnapshot());

    /// <summary>
    /// Loads a snapshot. A segment whose newest timestamp is unknown (below 0: every batch in it came with Sarama's
    /// -1 before the broker validated headers, and the snapshot only kept the figure) counts as written at
    /// <paramref name="recoveredAtMs"/>, as Kafka falls back to a segment file's modification time: retention keeps
    /// it a full retention time from the upgrade instead of deleting it at the next check.
    /// </summary>
    public void Restore(PartitionSnapshot snapshot, long recoveredAtMs)
    {
        NextOffset = snapshot.NextOffset;
        LogStartOffset = snapshot.LogStartOffset;
        LeaderEpoch = snapshot.LeaderEpoch;
        _segments.Clear();
        foreach (var segment in snapshot.Segments)
            _segments.Add(segment.MaxTimestamp < 0 ? segment with { MaxTimestamp = recoveredAtMs } : segment);
        Producers.Restore(snapshot.Producers ?? []);
        Transactions.Restore(snapshot.Transactions);
        _tail.Clear();
        _tailBytes = 0;
    }

    private readonly record struct TailBatch(long SequenceNr, long BaseOffset, long NextOffset, byte[] Bytes);
}
