using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Broker.Partition;

/// <summary>
/// Where the answer to a ListOffsets by timestamp lies: the earliest record whose timestamp is at or after the one
/// asked for. Decided by <see cref="PartitionLog.LookupTimestamp"/> from the segment index and the in-memory tail.
/// </summary>
public abstract record TimestampLookup
{
    private TimestampLookup() { }

    /// <summary>The record was in memory: its offset and its timestamp.</summary>
    public sealed record Found(long Offset, long Timestamp) : TimestampLookup;

    /// <summary>No record in the log is that new: Kafka answers offset -1 and timestamp -1.</summary>
    public sealed record None : TimestampLookup
    {
        public static readonly None Instance = new();
    }

    /// <summary>
    /// The first candidate batch is older than the tail: read <see cref="Segment"/> from <see cref="FromOffset"/> in the
    /// journal and search the batches read; if they do not hold the record, look up again after them.
    /// </summary>
    public sealed record InJournal(Segment Segment, long FromOffset) : TimestampLookup;

    /// <summary>
    /// The first record at or after <paramref name="fromOffset"/> whose timestamp is at least <paramref name="timestamp"/>,
    /// searching batches in offset order. A batch's maxTimestamp skips it without decoding unless it can hold the record (or, stored before validation on
    /// append, says -1: see <see cref="RecordBatch.NewestTimestamp"/>).
    /// </summary>
    /// <exception cref="CorruptRecordException">When a candidate batch's records do not decode.</exception>
    public static Found? FirstInBatches(IEnumerable<RecordBatch> batches, long timestamp, long fromOffset)
    {
        foreach (RecordBatch batch in batches)
        {
            if (batch.NextOffset <= fromOffset || batch.NewestTimestamp() < timestamp) continue;
            // Records are inflated (any codec) only for the one batch that holds the answer.
            foreach (Record record in batch.Records())
            {
                if (record.Offset >= fromOffset && record.Timestamp >= timestamp) return new Found(record.Offset, record.Timestamp);
            }
        }

        return null;
    }
}
