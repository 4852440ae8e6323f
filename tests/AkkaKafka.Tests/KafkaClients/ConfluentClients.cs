using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using Xunit;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>Confluent.Kafka producers and lookups as the Kafka-client specs use them: bounded, and failing with the reason.</summary>
public static class ConfluentClients
{
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    /// <summary>acks=all, Kafka's Java default partitioning for keys (murmur2), no idempotence (not supported yet).</summary>
    public static IProducer<string, string> Producer(string bootstrap) => new ProducerBuilder<string, string>(new ProducerConfig
    {
        BootstrapServers = bootstrap,
        Acks = Acks.All,
        Partitioner = Confluent.Kafka.Partitioner.Murmur2Random,
        EnableIdempotence = false,
        LingerMs = 5,
        MessageTimeoutMs = 30000,
        SocketTimeoutMs = 20000,
    }).Build();

    /// <summary>
    /// Produces key{i}/{i} for i in [from, to] and waits for every delivery report; fails unless all were acknowledged
    /// with an offset. Returns the reports.
    /// </summary>
    public static List<DeliveryReport<string, string>> ProduceKeyed(IProducer<string, string> producer, string topic, int from, int to, Func<string> diagnostics)
    {
        var reports = new ConcurrentQueue<DeliveryReport<string, string>>();
        for (var i = from; i <= to; i++)
        {
            var message = new Message<string, string> { Key = $"key{i}", Value = i.ToString() };
            while (true)
            {
                try
                {
                    producer.Produce(topic, message, reports.Enqueue);
                    break;
                }
                catch (ProduceException<string, string> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(100)); // the local queue is full: let deliveries drain it
                }
            }
        }
        var unsent = producer.Flush(TimeSpan.FromSeconds(90));
        var failed = reports.Where(r => r.Error.IsError || r.Offset == Offset.Unset).ToList();
        Assert.True(unsent == 0 && failed.Count == 0 && reports.Count == to - from + 1,
            $"produced {to - from + 1}: {reports.Count} reports, {unsent} not delivered in time, {failed.Count} failed, first: {failed.FirstOrDefault()?.Error}\n{diagnostics()}");
        return reports.ToList();
    }

    public static int Murmur2Partition(string key, int partitions) =>
        AkkaKafka.Protocol.Records.Murmur2.Partition(Encoding.UTF8.GetBytes(key), partitions);

    /// <summary>The group's committed offsets for the partitions, read with OffsetFetch by a consumer that never joins.</summary>
    public static async Task<Dictionary<int, long>> CommittedAsync(string bootstrap, string group, string topic, int partitions, KafkaBroker broker)
    {
        Dictionary<int, long>? committed = null;
        await broker.AwaitAsync(() =>
        {
            using var reader = new ConsumerBuilder<string, string>(GroupMember.Config(bootstrap, group)).Build();
            try
            {
                committed = reader.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(10))
                    .ToDictionary(o => o.Partition.Value, o => o.Offset.Value);
                return Task.FromResult<string?>(null);
            }
            catch (KafkaException e)
            {
                // The coordinator may still be starting (after a restart): ask again until the deadline.
                return Task.FromResult<string?>($"OffsetFetch failed: {e.Error}");
            }
        }, TimeSpan.FromSeconds(60), $"reading group {group}'s committed offsets");
        return committed!;
    }

    /// <summary>Each partition's log end offset (high watermark).</summary>
    public static Dictionary<int, long> LogEnds(string bootstrap, string topic, int partitions)
    {
        using var reader = new ConsumerBuilder<string, string>(GroupMember.Config(bootstrap, "unused-" + Guid.NewGuid().ToString("N"))).Build();
        return Enumerable.Range(0, partitions).ToDictionary(p => p,
            p => reader.QueryWatermarkOffsets(new TopicPartition(topic, p), RequestTimeout).High.Value);
    }
}
