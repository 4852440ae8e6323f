using AkkaKafka.Client.Verification;
using Confluent.Kafka;

namespace AkkaKafka.Tests.FaultTolerance;

/// <summary>
/// <see cref="ProducerLoop"/>'s twin on Confluent.Kafka (librdkafka) through the brokers' Kafka listeners: acks=all,
/// idempotence on, values "c{id}-{seq}" to explicit partitions in turn, at most <paramref name="window"/> unacknowledged.
/// librdkafka's own verdict says whether a failed record was definitely not written (NotPersisted) or may have been.
/// </summary>
public sealed class ConfluentProducerLoop(int id, string bootstrap, string topic, int partitions, DeliveryRecorder recorder, bool idempotence, int window = 32)
    : SendLoop($"c{id}", partitions, recorder, window), IDisposable
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

    protected override void Send(string value, int partition)
    {
        try
        {
            _producer.Produce(new TopicPartition(topic, new Confluent.Kafka.Partition(partition)), new Message<Null, string> { Value = value }, report => Completed(value, report));
        }
        catch (ProduceException<Null, string> e)
        {
            // Refused before it left the client (queue full, a fatal idempotence error): never written.
            Resolve(value, r => r.Failed(value, e.Error.Reason));
        }
    }

    private void Completed(string value, DeliveryReport<Null, string> report) => Resolve(value, r =>
    {
        if (!report.Error.IsError) r.Acked(new Ack(value, report.Partition.Value, report.Offset.Value));
        else if (report.Status == PersistenceStatus.NotPersisted) r.Failed(value, report.Error.Reason);
        else r.Unknown(value, report.Error.Reason);
    });

    /// <summary>librdkafka's own flush: sends what it still holds and waits (bounded) for every delivery report.</summary>
    protected override Task DrainAsync(TimeSpan within) => Task.Run(() => _producer.Flush(within));

    public void Dispose() => _producer.Dispose();
}
