using System.Collections.Concurrent;
using AkkaKafka.Client.Verification;

namespace AkkaKafka.Tests.FaultTolerance;

/// <summary>
/// What the chaos producers share, whichever client sends: unique values "{stream}-{seq}" to explicit partitions in
/// turn, paced, at most <paramref name="window"/> records unresolved at a time, every outcome recorded. While
/// partitions fail over the window fills and the loop waits: records are never dropped by the test itself.
/// A subclass sends one record and hands its outcome to <see cref="Resolve"/>.
/// </summary>
public abstract class SendLoop(string stream, int partitions, DeliveryRecorder recorder, int window)
{
    private readonly SemaphoreSlim _window = new(window, window);
    // Value -> partition of every record sent and not yet resolved; entered before the send, so an outcome that
    // arrives at once still finds it.
    private readonly ConcurrentDictionary<string, int> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    /// <summary>Sends after each record are paced by this much, so the log grows steadily rather than as fast as SQLite allows.</summary>
    public TimeSpan Pace { get; init; } = TimeSpan.FromMilliseconds(10);

    public int Sent { get; private set; }

    /// <summary>The stream part of this loop's values ("p1", "c3").</summary>
    public string Stream => stream;

    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    /// <summary>Sends one record; its outcome, now or later, goes to <see cref="Resolve"/>.</summary>
    protected abstract void Send(string value, int partition);

    /// <summary>Records the outcome of <paramref name="value"/> (once: a second outcome is ignored) and frees its place in the window.</summary>
    protected void Resolve(string value, Action<DeliveryRecorder> record)
    {
        if (!_pending.TryRemove(value, out _)) return;
        record(recorder);
        _window.Release();
    }

    /// <summary>Waits (bounded) until every record sent is resolved: then the whole window is free again.</summary>
    protected virtual async Task DrainAsync(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        for (var i = 0; i < window; i++)
            if (!await _window.WaitAsync(Retry.Remaining(deadline))) return;
    }

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
            var value = RecordValue.Format(stream, seq);
            var partition = (seq - 1) % partitions;
            recorder.Sent(value);
            Sent = seq;
            _pending[value] = partition;
            Send(value, partition);
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
        await DrainAsync(drain);
        return _pending.GroupBy(p => p.Value).OrderBy(g => g.Key)
            .Select(g => $"{stream} partition {g.Key}: {g.Count()} unresolved ({g.Select(p => p.Key).Min(StringComparer.Ordinal)}...)")
            .ToList();
    }
}
