using System.Diagnostics;
using AkkaKafka.Client.Producer;
using AkkaKafka.Protocol;

namespace AkkaKafka.Client.Bench;

/// <summary>
/// Sends one small record to every partition of a topic at a fixed interval (explicit partition, acks=all), whether or
/// not earlier ones were acknowledged, and tells watchers when each partition first acknowledged a record that was
/// sent after a given moment. Records sent before that moment do not count, however late they complete.
/// </summary>
internal sealed class SteadyProducer : IAsyncDisposable
{
    private readonly Producer.Producer _producer;
    private readonly string _topic;
    private readonly int _partitions;
    private readonly TimeSpan _interval;
    private readonly List<AckWatch> _watches = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly byte[] _value = new byte[16];
    private Task _loop = Task.CompletedTask;
    private long _failed;
    private bool _stopped;

    public SteadyProducer(ClusterConnection connection, string topic, int partitions, TimeSpan interval)
    {
        _producer = new Producer.Producer(connection, Acks.All, "failover-bench");
        _topic = topic;
        _partitions = partitions;
        _interval = interval;
    }

    /// <summary>Records that failed for good (a non-retriable error, or the producer's delivery timeout).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    public void Start() => _loop = Task.Run(RunAsync);

    /// <summary>Completes with each partition's first acknowledgement (a Stopwatch timestamp) of a record sent at or after <paramref name="since"/>.</summary>
    public AckWatch Watch(long since, IReadOnlyCollection<int> partitions)
    {
        var watch = new AckWatch(since, partitions);
        lock (_watches) _watches.Add(watch);
        return watch;
    }

    public void Unwatch(AckWatch watch)
    {
        lock (_watches) _watches.Remove(watch);
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(_interval);
        try
        {
            do
            {
                for (var p = 0; p < _partitions; p++)
                {
                    var partition = p;
                    var sent = Stopwatch.GetTimestamp();
                    _ = _producer.SendAsync(new ProducerRecord(_topic, _value, Partition: partition))
                        .ContinueWith(t => OnCompleted(partition, sent, t.IsCompletedSuccessfully), TaskScheduler.Default);
                }
            } while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException) { }
    }

    private void OnCompleted(int partition, long sent, bool acknowledged)
    {
        var now = Stopwatch.GetTimestamp();
        if (!acknowledged)
        {
            if (!Volatile.Read(ref _stopped)) Interlocked.Increment(ref _failed);
            return;
        }
        lock (_watches)
            foreach (var w in _watches)
                w.OnAcknowledged(partition, sent, now);
    }

    public async ValueTask DisposeAsync()
    {
        // No flush: with brokers gone it would wait out the delivery timeout. Disposing the connection fails the rest.
        Volatile.Write(ref _stopped, true);
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}

/// <summary>First acknowledgement per partition of records sent at or after <see cref="Since"/>; completes when every partition has one.</summary>
internal sealed class AckWatch(long since, IReadOnlyCollection<int> partitions)
{
    private readonly HashSet<int> _partitions = [.. partitions];
    private readonly Dictionary<int, long> _firstAck = new();
    private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long Since { get; } = since;
    public Task AllAcknowledged => _all.Task;

    /// <summary>Stopwatch timestamps of the first acknowledgement per partition so far.</summary>
    public IReadOnlyDictionary<int, long> FirstAcks
    {
        get { lock (_firstAck) return new Dictionary<int, long>(_firstAck); }
    }

    internal void OnAcknowledged(int partition, long sent, long acknowledged)
    {
        if (sent < Since || !_partitions.Contains(partition)) return;
        lock (_firstAck)
        {
            if (!_firstAck.TryAdd(partition, acknowledged)) return;
            if (_firstAck.Count == _partitions.Count) _all.TrySetResult();
        }
    }
}
