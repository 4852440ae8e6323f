using System.Text;
using AkkaKafka.Client.Consumer;

namespace AkkaKafka.Client.Verification;

/// <summary>
/// A consumer assigned every partition of a topic from the earliest offset, reading for as long as a check runs and
/// recording what it got, in arrival order (<see cref="DeliveryRecorder.Read"/>).
/// </summary>
public sealed class LiveConsumer(ClusterConnection connection, DeliveryRecorder recorder, string clientId = "verify-live-consumer")
{
    private readonly Consumer.Consumer _consumer = new(connection, clientId);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    /// <summary>Assigns the partitions (asking again for up to <paramref name="within"/> while the cluster settles) and starts reading.</summary>
    public async Task StartAsync(string topic, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        await Retry.UntilAsync(deadline, () => _consumer.AssignAsync(topic, new StartPosition.Earliest()));
        _loop = Task.Run(async () =>
        {
            try
            {
                await foreach (var r in _consumer.ReadAllAsync(_stop.Token))
                    recorder.Read(r.Partition, new LogEntry(r.Offset, Encoding.UTF8.GetString(r.Value ?? [])));
            }
            catch (OperationCanceledException) { }
        });
    }

    /// <summary>Waits (bounded) until the consumer has read up to <paramref name="ends"/>; false if it has not.</summary>
    public async Task<bool> CatchUpAsync(IReadOnlyList<PartitionRead> ends, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if (ends.All(e => recorder.LiveNext(e.Partition) >= e.End)) return true;
            await Task.Delay(200);
        }
        return ends.All(e => recorder.LiveNext(e.Partition) >= e.End);
    }

    public Task StopAsync() => StopAsync(_stop, _loop, _consumer);

    /// <summary>Stops a reading loop and its consumer, waiting a bounded time for each.</summary>
    internal static async Task StopAsync(CancellationTokenSource stop, Task loop, Consumer.Consumer consumer)
    {
        await stop.CancelAsync();
        try
        {
            await loop.WaitAsync(TimeSpan.FromSeconds(10));
            await consumer.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            // The connection's ActorSystem goes down with its owner; nothing read after this point is recorded.
        }
    }
}
