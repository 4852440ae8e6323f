using AkkaKafka.Client.Verification;
using System.Collections.Concurrent;
using System.Text;
using AkkaKafka.Client;
using AkkaKafka.Client.Producer;

namespace AkkaKafka.Tests.FaultTolerance;

/// <summary>
/// A producer (acks=all) sending unique values "p{id}-{seq}" to explicit partitions in turn, at most
/// <paramref name="window"/> records unacknowledged at a time, recording every acknowledgement and every failure.
/// While partitions fail over the window fills and the loop waits: records are never dropped by the test itself.
/// </summary>
public sealed class ProducerLoop(int id, ClusterConnection connection, string topic, int partitions, DeliveryRecorder recorder, int window = 32)
{
    private readonly Producer _producer = new(connection, clientId: $"chaos-producer-{id}");
    private readonly SemaphoreSlim _window = new(window, window);
    private readonly ConcurrentDictionary<string, (int Partition, Task Send)> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    /// <summary>Sends after each record are paced by this much, so the log grows steadily rather than as fast as SQLite allows.</summary>
    public TimeSpan Pace { get; init; } = TimeSpan.FromMilliseconds(10);

    public int Sent { get; private set; }

    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    private async Task RunAsync(CancellationToken ct)
    {
        var seq = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await _window.WaitAsync(ct);
            }
            catch (OperationCanceledException) { return; }
            seq++;
            var value = RecordValue.Format($"p{id}", seq);
            var partition = (seq - 1) % partitions;
            recorder.Sent(value);
            Sent = seq;
            var send = _producer.SendAsync(new ProducerRecord(topic, Encoding.UTF8.GetBytes(value), Partition: partition));
            _pending[value] = (partition, send.ContinueWith(t =>
            {
                recorder.Completed(value, t.IsCompletedSuccessfully ? new Ack(value, t.Result.Partition, t.Result.Offset) : null,
                    t.Exception?.GetBaseException());
                _pending.TryRemove(value, out _);
                _window.Release();
            }, TaskScheduler.Default));
            try
            {
                await Task.Delay(Pace, ct);
            }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>Stops sending and waits (bounded) until every record sent so far is acknowledged or has failed.</summary>
    /// <returns>The records still unresolved when the wait ran out, as "partition N: count (first value)".</returns>
    public async Task<IReadOnlyList<string>> StopAsync(TimeSpan drain)
    {
        await _stop.CancelAsync();
        await _loop;
        try
        {
            await Task.WhenAll(_pending.Values.Select(p => p.Send).ToArray()).WaitAsync(drain);
        }
        catch (TimeoutException) { }
        return _pending.GroupBy(p => p.Value.Partition).OrderBy(g => g.Key)
            .Select(g => $"p{id} partition {g.Key}: {g.Count()} unresolved ({g.Select(p => p.Key).Min(StringComparer.Ordinal)}...)")
            .ToList();
    }
}
