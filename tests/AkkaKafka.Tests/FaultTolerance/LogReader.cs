using System.Text;
using AkkaKafka.Client;
using AkkaKafka.Client.Consumer;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Tests.MultiNode.Support;

namespace AkkaKafka.Tests.FaultTolerance;

/// <summary>Reads partitions from their log start to their end with a fresh consumer: the log as it finally is.</summary>
public static class LogReader
{
    public static async Task<IReadOnlyList<PartitionRead>> ReadAsync(IEnumerable<int> ports, string topic, IReadOnlyList<int> partitions, TimeSpan within)
    {
        var connection = Clients.Connect(ports, "log-reader");
        try
        {
            var admin = new AdminClient(connection);
            var deadline = DateTime.UtcNow + within;
            var starts = new Dictionary<int, long>();
            var ends = new Dictionary<int, long>();
            foreach (var p in partitions)
            {
                starts[p] = await Eventually.Async(Remaining(deadline), () => admin.ListOffsetAsync(topic, p, ListOffsetsRequest.Earliest));
                ends[p] = await Eventually.Async(Remaining(deadline), () => admin.ListOffsetAsync(topic, p, ListOffsetsRequest.Latest));
            }

            var consumer = new Consumer(connection, "log-reader");
            var entries = partitions.ToDictionary(p => p, _ => new List<LogEntry>());
            var next = partitions.ToDictionary(p => p, p => starts[p]);
            try
            {
                foreach (var p in partitions)
                    await Eventually.Async(Remaining(deadline), () => consumer.AssignAsync(topic, new StartPosition.At(starts[p]), [p]));
                using var cts = new CancellationTokenSource(Remaining(deadline));
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
                        ends[p] = await Eventually.Async(Remaining(deadline), () => admin.ListOffsetAsync(topic, p, ListOffsetsRequest.Latest));
                }
            }
            catch (OperationCanceledException)
            {
                // Out of time: the read stops where it is and the checker reports what is missing.
            }
            finally
            {
                await consumer.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            }
            return partitions.Select(p => new PartitionRead(p, starts[p], ends[p], entries[p])).ToList();
        }
        finally
        {
            await Clients.CloseAsync(connection);
        }
    }

    private static TimeSpan Remaining(DateTime deadline) => deadline - DateTime.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1);
}
