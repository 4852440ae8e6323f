using System.Collections.Concurrent;
using System.Text;
using AkkaKafka.Client;
using AkkaKafka.Client.Consumer;
using AkkaKafka.Client.Producer;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Tests.EndToEnd;
using AkkaKafka.Tests.KafkaClients;
using AkkaKafka.Tests.MultiNode.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.FaultTolerance;

/// <summary>
/// Issue 18 item 7: the group coordinator's broker is SIGKILLed while two groups read, one of Akka consumers and one of
/// Confluent.Kafka consumers (Kafka's classic protocol). The coordinator that takes over recovers each group's members,
/// generation and assignment from the journal, so the members go on as they were: same member ids, same generation,
/// same partitions, and no record read twice (before, every member got UNKNOWN_MEMBER_ID, joined again as a new member
/// and re-read what it had handed out since its last commit).
/// </summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class CoordinatorFailoverGroupSpecs(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Topic = "moving";
    private const int Partitions = 4;
    private const int RecordsPerPhase = 200;
    private static readonly TimeSpan ReadWithin = TimeSpan.FromSeconds(60);

    // As ChaosSpecs: the killed broker is downed ~2.5 s after it goes silent, so the coordinator moves well inside the
    // members' 10 s session (librdkafka gives its membership up by itself after a session without a heartbeat).
    private const string FastDowning = """
        akka.cluster.failure-detector.heartbeat-interval = 500ms
        akka.cluster.failure-detector.acceptable-heartbeat-pause = 1s
        akka.cluster.split-brain-resolver.stable-after = 1s
        """;

    private readonly FaultyCluster _cluster = new(3, output, FastDowning, kafka: true);
    private readonly List<ClusterConnection> _connections = [];
    private readonly List<Consumer> _akkaMembers = [];
    private readonly List<GroupMember> _kafkaMembers = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly ConcurrentQueue<(int Partition, long Offset)> _akkaReads = new();
    private readonly ConcurrentQueue<(int Partition, long Offset)> _kafkaReads = new();
    private readonly ConcurrentQueue<string> _kafkaErrors = new();

    public Task InitializeAsync() => _cluster.StartAsync();

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            // The members go down with their connections below.
        }
        foreach (var m in _kafkaMembers) m.Dispose();
        foreach (var m in _akkaMembers)
        {
            try { await m.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)); }
            catch (TimeoutException) { }
        }
        foreach (var c in _connections) await Clients.CloseAsync(c);
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task Akka_and_Kafka_group_members_keep_their_ids_generation_and_partitions_when_the_coordinators_broker_is_killed()
    {
        _cluster.KeepLogs = true;
        var admin = new AdminClient(_cluster.Admin);
        await Eventually.Async(TimeSpan.FromSeconds(30), async () => Assert.True((await admin.CreateTopicAsync(Topic, Partitions)).IsSuccess));
        await _cluster.AwaitOwnersAsync(Topic, TimeSpan.FromSeconds(30));
        var producer = new Producer(Connect("failover-producer"));

        await StartAkkaMembersAsync("akka-movers");
        StartKafkaMembers("kafka-movers");
        await ProduceAsync(producer, 0);
        await AwaitReadAsync(RecordsPerPhase);
        // Both groups settled: each member reads some partitions (the Kafka group may have needed a rebalance to get there).
        await Eventually.Async(TimeSpan.FromSeconds(30), async () =>
        {
            Assert.All(_akkaMembers, m => Assert.NotEmpty(m.Assignment));
            var kafkaGroup = await admin.DescribeGroupAsync("kafka-movers");
            Assert.Equal((GroupStates.Stable, 2), (kafkaGroup.State, kafkaGroup.Members.Count));
        });
        var akkaBefore = await SnapshotAsync(admin, "akka-movers");
        var kafkaBefore = await SnapshotAsync(admin, "kafka-movers");
        var akkaMembersBefore = _akkaMembers.Select(m => (m.MemberId, Assignment: Sorted(m.Assignment))).ToList();

        var coordinator = (await _cluster.TryStatusAsync())?.Leader ?? throw new InvalidOperationException("no controller");
        var victim = _cluster.Ports.Single(p => FaultyCluster.Id(p) == coordinator);
        output.WriteLine($"SIGKILL {coordinator}, which runs the group coordinator beside the controller");
        _cluster.Crash(victim);
        await _cluster.AwaitDownedAsync(victim, TimeSpan.FromSeconds(30));
        await _cluster.AwaitOwnersAsync(Topic, TimeSpan.FromSeconds(30), a => a.Owner != coordinator);
        await ProduceAsync(producer, RecordsPerPhase);
        await AwaitReadAsync(2 * RecordsPerPhase);

        var akkaAfter = await SnapshotAsync(admin, "akka-movers");
        var kafkaAfter = await SnapshotAsync(admin, "kafka-movers");
        output.WriteLine($"Akka group: {akkaBefore.Generations} -> {akkaAfter.Generations}; {_akkaReads.Count} reads of {2 * RecordsPerPhase} records");
        output.WriteLine($"Kafka group: {kafkaBefore.Generations} -> {kafkaAfter.Generations}; {_kafkaReads.Count} reads of {2 * RecordsPerPhase} records");
        foreach (var e in _kafkaErrors.Take(10)) output.WriteLine("Confluent.Kafka: " + e);
        Assert.Equal(akkaBefore, akkaAfter);
        Assert.Equal(kafkaBefore, kafkaAfter);
        Assert.Equal(akkaMembersBefore, _akkaMembers.Select(m => (m.MemberId, Assignment: Sorted(m.Assignment))).ToList());
        // Each member kept reading its partitions from where it was: nothing handed out twice.
        Assert.Equal(0, _akkaReads.Count - _akkaReads.Distinct().Count());
        Assert.Equal(0, _kafkaReads.Count - _kafkaReads.Distinct().Count());
        _cluster.KeepLogs = false;
    }

    /// <summary>
    /// What must not change when the coordinator moves: the members and each one's partitions, as Kafka's DescribeGroups
    /// shows them, and the generation each member is in, as the members see it (Kafka's DescribeGroups has none): an Akka
    /// consumer's own generation; for a Confluent.Kafka member, how many assignments it was given (one per generation).
    /// A member whose generation the coordinator no longer knew would be fenced and join a new one.
    /// </summary>
    private sealed record GroupShape(string Members, string Generations)
    {
        public override string ToString() => $"{Members} ({Generations})";
    }

    private async Task<GroupShape> SnapshotAsync(AdminClient admin, string group)
    {
        var d = await Eventually.Async(TimeSpan.FromSeconds(30), () => admin.DescribeGroupAsync(group));
        var members = string.Join("; ", d.Members.OrderBy(m => m.MemberId, StringComparer.Ordinal)
            .Select(m => $"{m.MemberId} reads {Sorted(m.Assignment)}"));
        var generations = group == "akka-movers"
            ? string.Join(", ", _akkaMembers.Select(m => $"{m.MemberId} in generation {m.Generation}"))
            : string.Join(", ", _kafkaMembers.Select((m, i) => $"member {i + 1} assigned {m.Assignments} times"));
        return new GroupShape(members, generations);
    }

    private static string Sorted(IEnumerable<TopicPartition> partitions) =>
        string.Join(",", partitions.OrderBy(tp => tp.Topic, StringComparer.Ordinal).ThenBy(tp => tp.Partition).Select(tp => $"{tp.Topic}-{tp.Partition}"));

    private async Task StartAkkaMembersAsync(string group)
    {
        for (var i = 1; i <= 2; i++)
        {
            var connection = Connect($"{group}-{i}");
            var member = await Clients.SubscribeAsync(connection, $"{group}-member-{i}", group, Topic,
                within: TimeSpan.FromSeconds(60), perAttempt: TimeSpan.FromSeconds(15));
            _akkaMembers.Add(member);
            _loops.Add(Task.Run(async () =>
            {
                try
                {
                    await foreach (var r in member.ReadAllAsync(_stop.Token)) _akkaReads.Enqueue((r.Partition, r.Offset));
                }
                catch (OperationCanceledException) { }
            }));
        }
    }

    /// <summary>
    /// Two Confluent.Kafka members polled in turn on one thread (a consumer is not thread-safe), committing after every
    /// record; a commit refused while the coordinator moves is made again with the next poll.
    /// </summary>
    private void StartKafkaMembers(string group)
    {
        _kafkaMembers.Add(new GroupMember(_cluster.Processes.KafkaBootstrap, group, Topic, configure: Verbose));
        _kafkaMembers.Add(new GroupMember(_cluster.Processes.KafkaBootstrap, group, Topic, configure: Verbose));
        _loops.Add(Task.Factory.StartNew(() =>
        {
            while (!_stop.IsCancellationRequested)
                foreach (var member in _kafkaMembers)
                {
                    try
                    {
                        if (member.Poll(TimeSpan.FromMilliseconds(100)) is { } r) _kafkaReads.Enqueue((r.Partition.Value, r.Offset.Value));
                    }
                    catch (Confluent.Kafka.KafkaException e)
                    {
                        _kafkaErrors.Enqueue(e.Message);
                    }
                }
        }, TaskCreationOptions.LongRunning));
    }

    // AKKAKAFKA_SPEC_RDKAFKA_DEBUG=cgrp prints librdkafka's group decisions (why a member rejoined).
    private static void Verbose(Confluent.Kafka.ConsumerConfig config) =>
        config.Debug = Environment.GetEnvironmentVariable("AKKAKAFKA_SPEC_RDKAFKA_DEBUG") is { Length: > 0 } debug ? debug : null;

    private static async Task ProduceAsync(Producer producer, int from)
    {
        var sends = Enumerable.Range(from, RecordsPerPhase)
            .Select(i => producer.SendAsync(new ProducerRecord(Topic, Encoding.UTF8.GetBytes($"v{i}"), Partition: i % Partitions)));
        await Task.WhenAll(sends).WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>Both groups have read every offset up to <paramref name="records"/> in all (the topic holds only these).</summary>
    private async Task AwaitReadAsync(int records) =>
        await Eventually.Async(ReadWithin, () =>
        {
            Assert.Equal(records, _akkaReads.Distinct().Count());
            Assert.Equal(records, _kafkaReads.Distinct().Count());
            return Task.CompletedTask;
        });

    private ClusterConnection Connect(string name)
    {
        var connection = Clients.Connect(_cluster.Ports, name);
        _connections.Add(connection);
        return connection;
    }
}
