using System.Collections.Concurrent;
using System.Text;
using AkkaKafka.Client.Producer;

namespace AkkaKafka.Client.Verification;

/// <summary>
/// One checked producer (acks=all): record n has key "p{id}-k{n mod keys}" and value "p{id}-k{n mod keys}-{n}"
/// (<see cref="RecordValue"/>), so the client's partitioner spreads the keys and each key's sequence numbers must come
/// back in order. Sends are paced to <paramref name="interval"/> apart with at most <paramref name="window"/>
/// unacknowledged; a full window waits, it never drops. Every outcome goes to the <see cref="DeliveryRecorder"/>.
/// </summary>
internal sealed class SequencedProducer(int id, ClusterConnection connection, string topic, int keys, TimeSpan interval, int window, DeliveryRecorder recorder)
{
    private readonly Producer.Producer _producer = new(connection, clientId: $"verify-producer-{id}");
    private readonly SemaphoreSlim _window = new(window, window);
    private readonly ConcurrentDictionary<string, bool> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    private async Task RunAsync(CancellationToken ct)
    {
        var started = DateTime.UtcNow;
        for (long seq = 1; !ct.IsCancellationRequested; seq++)
        {
            var due = started + interval * (seq - 1);
            try
            {
                if (due > DateTime.UtcNow) await Task.Delay(due - DateTime.UtcNow, ct);
                await _window.WaitAsync(ct);
            }
            catch (OperationCanceledException) { return; }
            var key = $"p{id}-k{seq % keys}";
            var value = RecordValue.Format(key, seq);
            recorder.Sent(value);
            _pending[value] = true;
            _producer.Send(new ProducerRecord(topic, Encoding.UTF8.GetBytes(value), Encoding.UTF8.GetBytes(key)), (metadata, error) =>
            {
                // Once the drain has given up on a record its fate stays "unknown": a late answer does not rewrite the history.
                if (!_pending.TryRemove(value, out _)) return;
                recorder.Completed(value, metadata is { Offset: >= 0 } m && error is null ? new Ack(value, m.Partition, m.Offset) : null,
                    error ?? (metadata is null ? new InvalidOperationException("no metadata") : null));
                _window.Release();
            });
        }
    }

    /// <summary>Stops sending and waits (bounded) until every record sent is acknowledged or has failed; the rest become unknown.</summary>
    public async Task StopAsync(TimeSpan drain)
    {
        await _stop.CancelAsync();
        await _loop;
        var deadline = DateTime.UtcNow + drain;
        while (!_pending.IsEmpty && DateTime.UtcNow < deadline) await Task.Delay(100);
        foreach (var value in _pending.Keys)
            if (_pending.TryRemove(value, out _)) recorder.Unknown(value, $"no answer within {drain.TotalSeconds:0}s after the run");
        try
        {
            await _producer.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException) { }
    }
}
