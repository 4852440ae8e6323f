using System.Text;
using AkkaKafka.Client.Consumer;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Client.Verification;

/// <summary>Reads partitions from their log start to their end with a fresh consumer: the log as it finally is.</summary>
public static class LogReader
{
    /// <summary>
    /// Reads every one of <paramref name="partitions"/> from its log start (what retention left) to its end; a
    /// partition whose read runs out of time comes back short, and the checker reports the missing offsets.
    /// </summary>
    public static async Task<IReadOnlyList<PartitionRead>> ReadAsync(ClusterConnection connection, string topic, IReadOnlyList<int> partitions, TimeSpan within)
    {
        var admin = new AdminClient(connection);
        var deadline = DateTime.UtcNow + within;
        var starts = new Dictionary<int, long>();
        var ends = new Dictionary<int, long>();
        foreach (var p in partitions)
        {
            starts[p] = await Retry.UntilAsync(deadline, () => admin.ListOffsetAsync(topic, p, ListOffsetsRequest.Earliest));
            ends[p] = await Retry.UntilAsync(deadline, () => admin.ListOffsetAsync(topic, p, ListOffsetsRequest.Latest));
        }

        var consumer = new Consumer.Consumer(connection, "verify-log-reader");
        var entries = partitions.ToDictionary(p => p, _ => new List<LogEntry>());
        var next = partitions.ToDictionary(p => p, p => starts[p]);
        try
        {
            foreach (var p in partitions)
                await Retry.UntilAsync(deadline, () => consumer.AssignAsync(topic, new StartPosition.At(starts[p]), [p]));
            using var cts = new CancellationTokenSource(Retry.Remaining(deadline));
            while (partitions.Any(p => next[p] < ends[p]))
            {
                await foreach (var r in consumer.ReadAllAsync(cts.Token))
                {
                    entries[r.Partition].Add(new LogEntry(r.Offset, Encoding.UTF8.GetString(r.Value ?? [])));
                    next[r.Partition] = r.Offset + 1;
                    if (partitions.All(p => next[p] >= ends[p])) break;
                }
                // Something written after the ends were taken (a send retried late): read on to the new end.
                foreach (var p in partitions)
                    ends[p] = await Retry.UntilAsync(deadline, () => admin.ListOffsetAsync(topic, p, ListOffsetsRequest.Latest));
            }
        }
        catch (OperationCanceledException)
        {
            // Out of time: the read stops where it is and the checker reports what is missing.
        }
        finally
        {
            try
            {
                await consumer.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException) { }
        }
        return partitions.Select(p => new PartitionRead(p, starts[p], ends[p], entries[p])).ToList();
    }
}
