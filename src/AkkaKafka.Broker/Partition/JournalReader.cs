using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;
using AkkaKafka.Broker.Http;
using AkkaKafka.Broker.TransactionLog;

namespace AkkaKafka.Broker.Partition;

/// <summary>
/// Serves one fetch for records older than the partition's in-memory tail by replaying a bounded range of the
/// partition's journal events, then stops. Runs beside the PartitionActor so a slow read never blocks writes.
/// </summary>
public sealed class JournalReader : UntypedActor
{
    private const int MaxEventsPerRead = 2000;
    private readonly PartitionIdentity _partition;
    private readonly FetchRequest _request;
    private readonly IActorRef _replyTo;
    private readonly Segment _segment;
    private readonly long _highWatermark;
    private readonly long _logStartOffset;
    private readonly IActorRef _journal;
    private readonly List<byte[]> _batches = [];
    private long _fromSequenceNr;
    private long _wanted;
    private long _replayed;
    private long _lastSequenceNr;
    private int _bytes;
    private bool _startedBeyondOffset;
    private bool _full;
    private readonly long _readAheadBytes;
    private readonly List<byte[]> _ahead = [];
    private long _aheadBytes;
    private readonly bool _logTransactions;

    /// <param name="logTransactions">False when the broker reads for itself (a ListOffsets by timestamp), not for a consumer's fetch.</param>
    public JournalReader(PartitionIdentity partition, FetchRequest request, IActorRef replyTo, Segment segment, long highWatermark, long logStartOffset, IActorRef journal, long readAheadBytes = 0, bool logTransactions = true)
    {
        _logTransactions = logTransactions;
        _readAheadBytes = readAheadBytes;
        _partition = partition;
        _request = request;
        _replyTo = replyTo;
        _segment = segment;
        _highWatermark = highWatermark;
        _logStartOffset = logStartOffset;
        _journal = journal;
        _fromSequenceNr = EstimateSequenceNr(segment, request.Offset);
    }

    public static Props Props(PartitionIdentity partition, FetchRequest request, IActorRef replyTo, Segment segment, long highWatermark, long logStartOffset, IActorRef journal, long readAheadBytes = 0, bool logTransactions = true) =>
        Akka.Actor.Props.Create(() => new JournalReader(partition, request, replyTo, segment, highWatermark, logStartOffset, journal, readAheadBytes, logTransactions));

    /// <summary>
    /// Batches inside a segment are nearly evenly spread over its sequence numbers, so interpolating skips most of
    /// the segment; if the guess lands past the offset the read starts again from the segment's first event.
    /// </summary>
    internal static long EstimateSequenceNr(Segment segment, long offset)
    {
        var offsets = Math.Max(1, segment.NextOffset - segment.BaseOffset);
        var span = segment.LastSequenceNr - segment.FirstSequenceNr;
        var guess = segment.FirstSequenceNr + (long)((double)(offset - segment.BaseOffset) / offsets * span) - 2;
        return Math.Clamp(guess, segment.FirstSequenceNr, segment.LastSequenceNr);
    }

    protected override void PreStart()
    {
        Replay();
        Context.SetReceiveTimeout(TimeSpan.FromSeconds(30));
    }

    private void Replay()
    {
        // Enough events for the requested bytes at the segment's average batch size, plus slack for the guess.
        var averageBatch = Math.Max(1, _segment.Bytes / Math.Max(1, _segment.Batches));
        _wanted = Math.Clamp((_request.MaxBytes + _readAheadBytes) / averageBatch + 4, 4, MaxEventsPerRead);
        _replayed = 0;
        _journal.Tell(new ReplayMessages(_fromSequenceNr, long.MaxValue, _wanted, _partition.PersistenceId, Self));
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ReplayedMessage replayed:
                _replayed++;
                _lastSequenceNr = replayed.Persistent.SequenceNr;
                if (replayed.Persistent.Payload is BatchAppended appended) Collect(appended.Batch);
                break;
            case RecoverySuccess:
                if (_startedBeyondOffset && _fromSequenceNr > _segment.FirstSequenceNr)
                {
                    _fromSequenceNr = _segment.FirstSequenceNr;
                    _startedBeyondOffset = false;
                    _full = false;
                    _ahead.Clear();
                    _aheadBytes = 0;
                    _batches.Clear();
                    _bytes = 0;
                    Replay();
                    return;
                }
                if (_batches.Count == 0 && _replayed == _wanted)
                {
                    // The whole window lay below the offset (batches of very different sizes spoil the estimate):
                    // read on rather than answer "no records" for an offset inside the log, which stalls the consumer.
                    _fromSequenceNr = _lastSequenceNr + 1;
                    Replay();
                    return;
                }
                // What was read past the reply is handed to the partition: a sequential reader's next fetch is
                // then served from memory instead of another journal query.
                if (_ahead.Count > 0) Context.Parent.Tell(new ReadAheadLoaded(_ahead.ToList()));
                var records = Concat(_batches);
                Reply(_partition.EmptyFetch(_highWatermark, _logStartOffset) with { Records = records });
                BrokerMetrics.For(Context.System).Fetched(_partition.Topic, _request.Offset, records);
                if (_logTransactions && TransactionLogEntry.IsLogged(_partition.Topic)) TransactionLogging.PublishFetch(Context.System, _request, records);
                break;
            case ReplayMessagesFailure f:
                Context.GetLogger().Warning(f.Cause, "Reading {0} from the journal failed", _partition.PersistenceId);
                Reply(_partition.EmptyFetch(_highWatermark, _logStartOffset, ErrorCode.KafkaStorageError, "reading the journal failed: " + f.Cause.Message));
                break;
            case ReceiveTimeout:
                Reply(_partition.EmptyFetch(_highWatermark, _logStartOffset, ErrorCode.RequestTimedOut, "reading the journal timed out"));
                break;
        }
    }

    private void Collect(byte[] bytes)
    {
        var batch = new RecordBatch(bytes);
        if (_batches.Count == 0 && batch.BaseOffset > _request.Offset)
        {
            _startedBeyondOffset = true;
            return;
        }
        if (batch.NextOffset <= _request.Offset || _startedBeyondOffset) return;
        if (!_full && _batches.Count > 0 && _bytes + bytes.Length > _request.MaxBytes)
            _full = true; // stop at the first batch that does not fit: a smaller one after it would leave a hole
        if (_full)
        {
            if (_aheadBytes + bytes.Length <= _readAheadBytes && _aheadBytes >= 0)
            {
                _ahead.Add(bytes);
                _aheadBytes += bytes.Length;
            }
            else
                _aheadBytes = -1; // the read-ahead must stay contiguous: nothing after a batch that did not fit
            return;
        }
        _batches.Add(bytes);
        _bytes += bytes.Length;
    }

    private void Reply(FetchResponse response)
    {
        _replyTo.Tell(response);
        Context.Stop(Self);
    }

    /// <summary>Batches read past a fetch's reply, contiguous, oldest first.</summary>
    public sealed record ReadAheadLoaded(List<byte[]> Batches);

    internal static byte[] Concat(List<byte[]> batches)
    {
        if (batches.Count == 1) return batches[0];
        var total = 0;
        foreach (var b in batches) total += b.Length;
        var result = new byte[total];
        var position = 0;
        foreach (var b in batches)
        {
            b.CopyTo(result, position);
            position += b.Length;
        }
        return result;
    }
}
