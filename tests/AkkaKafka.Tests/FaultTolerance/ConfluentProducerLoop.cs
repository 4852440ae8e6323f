using System.Collections.Concurrent;
using AkkaKafka.Client.Verification;
using Confluent.Kafka;

namespace AkkaKafka.Tests.FaultTolerance;

/// <summary>
/// <see cref="ProducerLoop"/>'s twin on Confluent.Kafka (librdkafka) through the brokers' Kafka listeners: acks=all,
/// idempotence on, values "c{id}-{seq}" to explicit partitions in turn, at most <paramref name="window"/> unacknowledged.
/// librdkafka's own verdict says whether a failed record was definitely not written (NotPersisted) or may have been.
/// </summary>
public sealed class ConfluentProducerLoop(int id, string bootstrap, string topic, int partitions, DeliveryRecorder recorder, bool idempotence, int window = 32) : IDisposable
{
    private readonly IProducer<Null, string> _producer = new ProducerBuilder<Null, string>(new ProducerConfig
    {
        BootstrapServers = bootstrap,
        Acks = Acks.All,
        EnableIdempotence = idempotence,
        LingerMs = 5,
        // As the Akka producers' timings in Clients.Timings: a request lost with a broker is retried after a few
        // seconds, and a record stuck for 45 s is given up.
        RequestTimeoutMs = 5000,
        MessageTimeoutMs = 45000,
        SocketTimeoutMs = 10000,
        ClientId = $"chaos-confluent-{id}",
    })
        // librdkafka logs every refused connection to a killed broker on stderr; the delivery reports say what matters.
        .SetLogHandler((_, _) => { })
        .SetErrorHandler((_, _) => { })
        .Build();
    private readonly SemaphoreSlim _window = new(window, window);
    private readonly ConcurrentDictionary<string, int> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

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
            var value = RecordValue.Format($"c{id}", seq);
            var partition = (seq - 1) % partitions;
            recorder.Sent(value);
            Sent = seq;
            _pending[value] = partition;
            try
            {
                _producer.Produce(new TopicPartition(topic, new Confluent.Kafka.Partition(partition)), new Message<Null, string> { Value = value }, report => Completed(value, report));
            }
            catch (ProduceException<Null, string> e)
            {
                // Refused before it left the client (queue full, a fatal idempotence error): never written.
                _pending.TryRemove(value, out _);
                recorder.Failed(value, e.Error.Reason);
                _window.Release();
            }
            try
            {
                await Task.Delay(Pace, ct);
            }
            catch (OperationCanceledException) { return; }
        }
    }

    private void Completed(string value, DeliveryReport<Null, string> report)
    {
        if (!_pending.TryRemove(value, out _)) return;
        if (!report.Error.IsError) recorder.Acked(new Ack(value, report.Partition.Value, report.Offset.Value));
        else if (report.Status == PersistenceStatus.NotPersisted) recorder.Failed(value, report.Error.Reason);
        else recorder.Unknown(value, report.Error.Reason);
        _window.Release();
    }

    /// <summary>Stops sending and waits (bounded) for every delivery report.</summary>
    /// <returns>The records still unresolved when the wait ran out, as "partition N: count (first value)".</returns>
    public async Task<IReadOnlyList<string>> StopAsync(TimeSpan drain)
    {
        await _stop.CancelAsync();
        await _loop;
        await Task.Run(() => _producer.Flush(drain));
        return _pending.GroupBy(p => p.Value).OrderBy(g => g.Key)
            .Select(g => $"c{id} partition {g.Key}: {g.Count()} unresolved ({g.Select(p => p.Key).Min(StringComparer.Ordinal)}...)")
            .ToList();
    }

    public void Dispose() => _producer.Dispose();
}
