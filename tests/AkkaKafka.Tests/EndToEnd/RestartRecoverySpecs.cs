using System.Diagnostics;
using System.Net;
using AkkaKafka.Tests.MultiNode.Support;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.EndToEnd;

/// <summary>
/// A broker that restarts with many partitions says ready only once it has recovered every partition it owns: a load
/// balancer or an orchestrator that sends traffic at the first 200 of /health/ready must find each partition taking
/// writes, not queueing them behind the journal replay of thousands of others. One real broker process (Kafka listener
/// and HTTP on free ports), a Confluent.Kafka producer. AKKAKAFKA_RECOVERY_PARTITIONS sets how many partitions (1000 by
/// default, to stay within a minute; 10000 for the long mode).
/// </summary>
[Trait("Speed", "Slow")]
public sealed class RestartRecoverySpecs(ITestOutputHelper output) : IDisposable
{
    private const int PartitionsPerTopic = 100;

    /// <summary>
    /// After ready, the same produce to every partition may take up to twice as long, plus this, as it took before the
    /// restart (when every partition had long recovered): one request writes all partitions, so its time grows with
    /// their number and the machine's load, and it is measured against itself; a produce that waits for partitions
    /// still recovering takes as long as their recovery.
    /// </summary>
    private static readonly TimeSpan PromptMargin = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(120);

    private readonly BrokerProcesses _cluster = new(1, kafka: true, http: true);

    private static int PartitionCount =>
        int.TryParse(Environment.GetEnvironmentVariable("AKKAKAFKA_RECOVERY_PARTITIONS"), out var n) && n > 0 ? n : 1000;

    [Fact]
    public async Task Once_a_restarted_broker_says_ready_a_produce_to_every_partition_it_owns_is_acknowledged_promptly()
    {
        var port = _cluster.Ports[0];
        await _cluster.StartAsync(port, StartBound);
        var partitions = await CreateTopicsAsync(PartitionCount);
        var before = await ProduceToEachAsync(partitions, "before restart");

        _cluster.Kill(port);
        var restart = Stopwatch.StartNew();
        await _cluster.StartAsync(port, StartBound);
        var up = restart.Elapsed;
        using var http = new HttpClient { BaseAddress = _cluster.HttpAddress(port), Timeout = TimeSpan.FromSeconds(10) };
        await Eventually.Async(StartBound, async () =>
        {
            using var response = await http.GetAsync("health/ready");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        });
        var ready = restart.Elapsed;

        var slowest = await ProduceToEachAsync(partitions, "after ready");
        output.WriteLine($"{partitions.Count} partitions: restart to 'is up' {up.TotalSeconds:0.0} s, to ready {ready.TotalSeconds:0.0} s, " +
                         $"every partition acknowledged a produce at {restart.Elapsed.TotalSeconds:0.0} s (slowest {slowest.TotalMilliseconds:0} ms after ready; " +
                         $"{before.TotalMilliseconds:0} ms before the restart)");
        Assert.True(slowest < before * 2 + PromptMargin,
            $"ready at {ready.TotalSeconds:0.0} s, but a produce to some partition took {slowest.TotalSeconds:0.0} s " +
            $"({before.TotalSeconds:0.0} s before the restart): it was still recovering");
    }

    private async Task<IReadOnlyList<TopicPartition>> CreateTopicsAsync(int count)
    {
        var topics = Enumerable.Range(0, (count + PartitionsPerTopic - 1) / PartitionsPerTopic)
            .Select(t => new TopicSpecification { Name = $"recovery-{t}", NumPartitions = Math.Min(PartitionsPerTopic, count - t * PartitionsPerTopic), ReplicationFactor = -1 })
            .ToList();
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.KafkaBootstrap }).Build();
        var timeout = TimeSpan.FromSeconds(60);
        await admin.CreateTopicsAsync(topics, new CreateTopicsOptions { RequestTimeout = timeout, OperationTimeout = timeout });
        return topics.SelectMany(t => Enumerable.Range(0, t.NumPartitions).Select(p => new TopicPartition(t.Name, p))).ToList();
    }

    /// <summary>One record to each partition, all sent at once; returns how long the slowest acknowledgement took.</summary>
    private async Task<TimeSpan> ProduceToEachAsync(IReadOnlyList<TopicPartition> partitions, string what)
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = _cluster.KafkaBootstrap,
            Acks = Acks.All,
            LingerMs = 5,
            // Far beyond the prompt bound: a slow acknowledgement is measured, not turned into a delivery failure.
            MessageTimeoutMs = 120_000,
        }).Build();
        var clock = Stopwatch.StartNew();
        var acknowledged = await Task.WhenAll(partitions.Select(async tp =>
        {
            var result = await producer.ProduceAsync(tp, new Message<Null, string> { Value = $"{what} {tp}" });
            Assert.Equal(PersistenceStatus.Persisted, result.Status);
            return clock.Elapsed;
        }));
        return acknowledged.Max();
    }

    public void Dispose() => _cluster.Dispose();
}
