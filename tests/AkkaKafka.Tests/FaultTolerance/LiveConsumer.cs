using System.Text;
using AkkaKafka.Client;
using AkkaKafka.Client.Consumer;
using AkkaKafka.Tests.MultiNode.Support;

namespace AkkaKafka.Tests.FaultTolerance;

/// <summary>A consumer assigned every partition from the earliest offset, reading for as long as the spec runs.</summary>
public sealed class LiveConsumer(ClusterConnection connection, DeliveryRecorder recorder)
{
    private readonly Consumer _consumer = new(connection, "chaos-live-consumer");
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public async Task StartAsync(string topic)
    {
        await Eventually.Async(TimeSpan.FromSeconds(30), () => _consumer.AssignAsync(topic, new StartPosition.Earliest()));
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
        return false;
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _loop.WaitAsync(TimeSpan.FromSeconds(10));
        await _consumer.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }
}
