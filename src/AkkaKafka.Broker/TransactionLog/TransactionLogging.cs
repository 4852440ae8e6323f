using Akka.Actor;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Broker.TransactionLog;

internal static class TransactionLogging
{
    /// <summary>Logs a fetch that returned records (empty long polls are not transactions).</summary>
    public static void PublishFetch(ActorSystem system, FetchRequest request, byte[] records)
    {
        if (records.Length == 0) return;
        long first = -1, last = -1;
        foreach (var batch in RecordBatches.Read(records))
        {
            // The first batch may start before the requested offset; the client skips those records.
            if (first < 0) first = Math.Max(batch.BaseOffset, request.Offset);
            last = batch.LastOffset;
        }
        if (first < 0) return;
        system.EventStream.Publish(new TransactionLogEntry(TransactionLogEntry.Fetch, request.ClientId, request.ClientAddress,
            request.Topic, request.Partition, first, last, (int)(last - first + 1), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
    }
}
