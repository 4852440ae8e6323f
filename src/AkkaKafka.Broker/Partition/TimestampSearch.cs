using Akka.Actor;
using Akka.Event;
using AkkaKafka.Broker.Storage;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Broker.Partition;

/// <summary>
/// Serves the journal part of one ListOffsets by timestamp: reads one fetch-sized run of batches with the
/// <see cref="JournalBatchReader"/> (as old fetches are read, off the PartitionActor's thread), searches it, and
/// either answers the requester or hands the search back to the PartitionActor to continue after what it read.
/// Then it stops.
/// </summary>
public sealed class TimestampSearch : UntypedActor
{
    private readonly PartitionIdentity _partition;
    private readonly ListOffsetsRequest _request;
    private readonly IActorRef _replyTo;
    private readonly TimestampLookup.InJournal _where;
    private readonly int _maxBytes;
    private readonly JournalBatchReader _reader;

    public TimestampSearch(PartitionIdentity partition, ListOffsetsRequest request, IActorRef replyTo, TimestampLookup.InJournal where,
        int maxBytes, JournalBatchReader reader)
    {
        _partition = partition;
        _request = request;
        _replyTo = replyTo;
        _where = where;
        _maxBytes = maxBytes;
        _reader = reader;
    }

    public static Props Props(PartitionIdentity partition, ListOffsetsRequest request, IActorRef replyTo, TimestampLookup.InJournal where,
        int maxBytes, JournalBatchReader reader) =>
        Akka.Actor.Props.Create(() => new TimestampSearch(partition, request, replyTo, where, maxBytes, reader));

    protected override void PreStart()
    {
        _reader.ReadAsync(JournalRangeRequest.InSegment(_partition.PersistenceId, _where.Segment, _where.FromOffset, _maxBytes))
            .PipeTo(Self, success: range => range, failure: cause => new Status.Failure(cause));
    }

    protected override void OnReceive(object message)
    {
        if (message is Status.Failure failure)
        {
            Context.GetLogger().Warning(failure.Cause, "{0}: reading the journal failed while listing offsets by timestamp", _partition.PersistenceId);
            Reply(ErrorCode.KafkaStorageError, -1, -1);
            return;
        }
        if (message is not JournalRange read) return;

        TimestampLookup.Found? found;
        long readUpTo = _where.Segment.NextOffset;
        try
        {
            var batches = read.Batches.Select(b => new RecordBatch(b)).ToList();
            found = TimestampLookup.FirstInBatches(batches, _request.Timestamp, _where.FromOffset);
            // Nothing read (retention deleted it meanwhile) skips the segment; otherwise go on after the last batch.
            if (batches.Count > 0) readUpTo = Math.Max(batches[^1].NextOffset, _where.FromOffset + 1);
        }
        catch (CorruptRecordException ex)
        {
            Context.GetLogger().Error(ex, "{0}: a stored batch does not decode while listing offsets by timestamp", _partition.PersistenceId);
            Reply(ErrorCode.CorruptMessage, -1, -1);
            return;
        }

        if (found is not null)
            Reply(ErrorCode.None, found.Offset, found.Timestamp);
        else
        {
            Context.Parent.Tell(new Continue(_request, _replyTo, readUpTo));
            Context.Stop(Self);
        }
    }

    private void Reply(ErrorCode error, long offset, long timestamp)
    {
        _replyTo.Tell(new ListOffsetsResponse(_partition.Topic, _partition.Partition, error, offset, timestamp));
        Context.Stop(Self);
    }

    /// <summary>The record was not in what was read: the PartitionActor looks up again from <see cref="FromOffset"/>.</summary>
    public sealed record Continue(ListOffsetsRequest Request, IActorRef ReplyTo, long FromOffset);
}
