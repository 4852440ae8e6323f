using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using AkkaKafka.Tests.EndToEnd;
using AkkaKafka.Tests.MultiNode.Support;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// A real Kafka producer (librdkafka through Confluent.Kafka) writing to three brokers while the owner of one
/// partition is killed with SIGKILL. What the producer was told was written must be there afterwards: the controller
/// gives the dead broker's partitions to the survivors, the producer finds the new leaders through Metadata and
/// retries, and the journal that every broker shares holds each acknowledged batch. Delivery is at least once
/// (idempotence is not implemented), so duplicates are counted and reported, not failed.
/// </summary>
/// <remarks>In the end-to-end collection, which runs alone: with downing after 1 s of silence, brokers starved by
/// another collection's processes could be downed without being killed.</remarks>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class KafkaOwnerFailoverSpecs(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Downing ~2.5 s after a broker goes silent instead of ~5 s (as ChaosSpecs), so the spec stays short.</summary>
    internal const string FastDowning = """
        akka.cluster.failure-detector.heartbeat-interval = 500ms
        akka.cluster.failure-detector.acceptable-heartbeat-pause = 1s
        akka.cluster.split-brain-resolver.stable-after = 1s
        """;

    private const string Topic = "failover";
    private const int Partitions = 6;
    private static readonly TimeSpan ProduceFor = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan KillAfter = TimeSpan.FromSeconds(4);

    private readonly KafkaBrokers _brokers = new(3, FastDowning);
    private readonly ConcurrentQueue<string> _clientLog = new();

    public Task InitializeAsync() => _brokers.StartAllAsync();

    public Task DisposeAsync()
    {
        _brokers.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Records_acknowledged_to_a_Kafka_producer_survive_the_SIGKILL_of_a_partitions_owner()
    {
        var spec = Stopwatch.StartNew();
        var created = await _brokers.RunAsync(TimeSpan.FromSeconds(60), null, "topic", "create", Topic, "--partitions", Partitions.ToString(), "--bootstrap", _brokers.Bootstrap);
        Assert.True(created.ExitCode == 0, created + Tails());
        var leaders = await AwaitLeadersAsync(_brokers.KafkaBootstrap, TimeSpan.FromSeconds(30));
        var victimKafkaPort = leaders[0];
        var victim = _brokers.PortOfKafka(victimKafkaPort);
        var survivors = _brokers.KafkaPorts.Where(p => p != victimKafkaPort).Select(p => $"127.0.0.1:{p}").ToList();
        output.WriteLine($"partition leaders (Kafka ports): {string.Join(", ", leaders)}; killing broker {victim} (Kafka {victimKafkaPort}), leader of partition 0{(victim == _brokers.Ports[0] ? " and the first started (the controller)" : "")}");

        var acked = new ConcurrentDictionary<int, TopicPartitionOffset>();
        var failed = new ConcurrentDictionary<int, string>();
        var killedAt = TimeSpan.MaxValue;
        var firstAfterKill = int.MaxValue;
        var sent = 0;
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig
               {
                   // All three: the producer must not depend on the broker that dies to learn the cluster.
                   BootstrapServers = _brokers.KafkaBootstrap,
                   Acks = Acks.All,
                   LingerMs = 5,
                   MessageTimeoutMs = 30_000,
                   RequestTimeoutMs = 10_000,
                   SocketTimeoutMs = 10_000,
                   TopicMetadataRefreshIntervalMs = 2_000,
                   ClientId = "failover-producer",
               })
               .SetLogHandler((_, m) => _clientLog.Enqueue($"{m.Level} {m.Facility} {m.Message}"))
               .Build())
        {
            var producing = Stopwatch.StartNew();
            while (producing.Elapsed < ProduceFor)
            {
                if (killedAt == TimeSpan.MaxValue && producing.Elapsed >= KillAfter)
                {
                    _brokers.Kill(victim);
                    killedAt = producing.Elapsed;
                    firstAfterKill = sent;
                    output.WriteLine($"killed broker {victim} at {killedAt.TotalSeconds:F1} s, after {sent} records sent");
                }
                var seq = sent++;
                producer.Produce(Topic, new Message<string, string> { Key = $"k{seq}", Value = seq.ToString() }, report =>
                {
                    if (report.Error.IsError) failed[seq] = report.Error.Reason;
                    else acked[seq] = report.TopicPartitionOffset;
                });
                await Task.Delay(5);
            }
            var unflushed = producer.Flush(TimeSpan.FromSeconds(40));
            var ackedAfterKill = acked.Keys.Count(seq => seq >= firstAfterKill);
            output.WriteLine($"sent {sent}, acknowledged {acked.Count} ({ackedAfterKill} sent after the kill), failed {failed.Count}, unflushed {unflushed}");
            foreach (var reason in failed.Values.GroupBy(r => r)) output.WriteLine($"  failed {reason.Count()}x: {reason.Key}");
        }

        Assert.True(acked.Count > 0, "nothing was acknowledged" + Tails());
        // The dead broker's partitions came back: records sent after the kill were acknowledged on partition 0 too.
        Assert.True(acked.Any(a => a.Key >= firstAfterKill && a.Value.Partition.Value == 0),
            "nothing sent to partition 0 after the kill was acknowledged: the producer never found its new leader" + Tails());

        var seen = ReadAll(string.Join(",", survivors), acked, TimeSpan.FromSeconds(20));
        var lost = acked.Keys.Where(seq => !seen.ContainsKey(seq)).Order().ToList();
        var duplicates = seen.Values.Count(n => n > 1);
        output.WriteLine($"read back {seen.Values.Sum()} records: {seen.Count} distinct, {duplicates} sequence numbers duplicated (at least once, no idempotence); lost {lost.Count}");
        output.WriteLine($"spec took {spec.Elapsed.TotalSeconds:F0} s");
        Assert.True(lost.Count == 0,
            $"{lost.Count} acknowledged records are missing, e.g. {string.Join(", ", lost.Take(20).Select(s => $"{s}@{acked[s]}"))}" + Tails());
    }

    /// <summary>Each partition's leader's Kafka port, once every partition has one and all three brokers are listed.</summary>
    private async Task<int[]> AwaitLeadersAsync(string bootstrap, TimeSpan within)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap, SocketTimeoutMs = 5_000 })
            .SetLogHandler((_, m) => _clientLog.Enqueue($"{m.Level} {m.Facility} {m.Message}"))
            .Build();
        return await Eventually.Async(within, () =>
        {
            string last;
            try
            {
                var metadata = admin.GetMetadata(Topic, TimeSpan.FromSeconds(5));
                var topic = metadata.Topics.SingleOrDefault(t => t.Topic == Topic);
                var ports = metadata.Brokers.ToDictionary(b => b.BrokerId, b => b.Port);
                if (ports.Count == 3 && topic is { Partitions.Count: Partitions } && topic.Partitions.All(p => ports.ContainsKey(p.Leader)))
                    return Task.FromResult(topic.Partitions.OrderBy(p => p.PartitionId).Select(p => ports[p.Leader]).ToArray());
                last = $"brokers {string.Join(", ", metadata.Brokers.Select(b => $"{b.BrokerId}@{b.Host}:{b.Port}"))}; " +
                       $"partitions {string.Join(", ", topic?.Partitions.Select(p => $"{p.PartitionId}->{p.Leader}") ?? [])} {topic?.Error}";
            }
            catch (KafkaException e)
            {
                last = e.Message;
            }
            throw new XunitException($"the partitions of {Topic} never all had leaders: {last}");
        }, Tails);
    }

    /// <summary>
    /// Reads every partition from the beginning (assigned, not subscribed: no group coordinator needed) until every
    /// acknowledged record has been seen or time runs out; how often each sequence number was read.
    /// </summary>
    private Dictionary<int, int> ReadAll(string bootstrap, IReadOnlyDictionary<int, TopicPartitionOffset> acked, TimeSpan within)
    {
        var seen = new Dictionary<int, int>();
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
            {
                BootstrapServers = bootstrap,
                GroupId = "failover-reader",
                EnableAutoCommit = false,
                AutoOffsetReset = AutoOffsetReset.Earliest,
                SocketTimeoutMs = 10_000,
            })
            .SetLogHandler((_, m) => _clientLog.Enqueue($"{m.Level} {m.Facility} {m.Message}"))
            .Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(Topic, p, Offset.Beginning)));
        var deadline = DateTime.UtcNow + within;
        var missing = acked.Count;
        while (missing > 0 && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (result is null || result.IsPartitionEOF || !int.TryParse(result.Message.Value, out var seq)) continue;
            seen[seq] = seen.GetValueOrDefault(seq) + 1;
            if (seen[seq] == 1 && acked.ContainsKey(seq)) missing--;
        }
        consumer.Close();
        return seen;
    }

    private string Tails() => "\n" + _brokers.LogTails() + "\n--- client log ---\n" + string.Join("\n", _clientLog.TakeLast(40));
}
