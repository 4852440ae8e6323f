using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Client.Consumer;

/// <summary>
/// The records of one partition's fetch answer that an application is handed, as Kafka's consumer picks them
/// (Fetcher/CompletedFetch): transaction markers (control batches) are never handed over, whatever the isolation
/// level; with read_committed, a transactional batch of a producer whose transaction the answer lists as aborted is
/// skipped, from the aborted transaction's first offset up to that producer's abort marker. Records below the fetch
/// position (a batch may start before it) are skipped too. Pure: the fetcher feeds it one answer at a time.
/// </summary>
internal sealed class FetchedRecords
{
    private readonly List<Record> _records = [];

    private FetchedRecords(long position) => Position = position;

    /// <summary>The records to hand over, in offset order (those read before a corrupt batch, when one was met).</summary>
    public IReadOnlyList<Record> Records => _records;

    /// <summary>Where the next fetch starts: past every batch read, markers and skipped aborted batches included.</summary>
    public long Position { get; private set; }

    /// <summary>What stopped the reading: a batch that does not decode (the rest is fetched again), or null.</summary>
    public Exception? Corrupt { get; private set; }

    public static FetchedRecords Read(ReadOnlyMemory<byte> records, long position, IsolationLevel isolation,
        IReadOnlyList<FetchResponseData.AbortedTransaction>? aborted)
    {
        var read = new FetchedRecords(position);
        try
        {
            read.ReadBatches(records, isolation, aborted);
        }
        catch (Exception e) when (e is CorruptRecordException or InvalidDataException or ArgumentException)
        {
            read.Corrupt = e;
        }
        return read;
    }

    private void ReadBatches(ReadOnlyMemory<byte> records, IsolationLevel isolation, IReadOnlyList<FetchResponseData.AbortedTransaction>? aborted)
    {
        // Kafka's consumer: the aborted transactions by first offset; a producer enters the aborted set when a batch
        // at or after its aborted transaction's first offset is reached, and leaves it at its abort marker.
        var pending = new Queue<FetchResponseData.AbortedTransaction>((aborted ?? []).OrderBy(a => a.FirstOffset));
        var abortedProducers = new HashSet<long>();
        foreach (var batch in RecordBatches.Read(records))
        {
            if (batch.NextOffset <= Position) continue;
            var skip = batch.IsControl;
            if (isolation == IsolationLevel.ReadCommitted && batch.ProducerId >= 0)
            {
                while (pending.TryPeek(out var next) && next.FirstOffset <= batch.LastOffset) abortedProducers.Add(pending.Dequeue().ProducerId);
                if (batch.IsControl)
                {
                    if (ControlRecords.ReadMarker(batch).Result == TransactionResult.Abort) abortedProducers.Remove(batch.ProducerId);
                }
                else if (batch.IsTransactional && abortedProducers.Contains(batch.ProducerId))
                {
                    skip = true;
                }
            }
            if (!skip)
                foreach (var record in batch.Records())
                    if (record.Offset >= Position) _records.Add(record);
            Position = batch.NextOffset;
        }
    }
}
