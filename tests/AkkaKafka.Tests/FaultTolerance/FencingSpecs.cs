using AkkaKafka.Client.Verification;
using System.Text;
using Akka.Actor;
using AkkaKafka.Client;
using AkkaKafka.Client.Producer;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;
using AkkaKafka.Tests.EndToEnd;
using AkkaKafka.Tests.MultiNode.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.FaultTolerance;

/// <summary>
/// A partition owner that freezes (SIGSTOP: a long GC pause, a stalled VM) is downed and replaced while it cannot
/// notice. When it wakes up it still believes it owns the partition, and produce requests that reached it while it
/// was frozen are waiting in its mailbox. It must not write them: the new owner claimed a newer epoch in the journal,
/// so the stale owner's write collides and fails. And, being downed, it must shut itself down.
/// <para>Runs with the brokers' own failure-detection settings (hocon/broker.hocon), not the chaos spec's faster ones.</para>
/// </summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class FencingSpecs(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Topic = "fenced";
    private const int Partitions = 3;
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(45);

    private readonly FaultyCluster _cluster = new(3, output);
    private readonly DeliveryRecorder _recorder = new();
    private readonly List<ClusterConnection> _connections = [];

    public Task InitializeAsync() => _cluster.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var c in _connections) await Clients.CloseAsync(c);
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task A_paused_owner_is_fenced_and_stops_it_never_writes_after_being_replaced()
    {
        _cluster.KeepLogs = true; // until the checks pass
        var admin = new AdminClient(_cluster.Admin);
        await Eventually.Async(TimeSpan.FromSeconds(30), async () => Assert.True((await admin.CreateTopicAsync(Topic, Partitions)).IsSuccess));
        await _cluster.AwaitOwnersAsync(Topic, Within);

        var producer = new ProducerLoop(1, Connect("fencing-producer"), Topic, Partitions, _recorder);
        producer.Start();
        await Eventually.Async(Within, () =>
        {
            Assert.True(_recorder.HasAckOnEveryPartition(Partitions), "no acknowledgement yet from every partition");
            return Task.CompletedTask;
        });

        // A partition owned by a broker that is not the controller: the controller stays up and reassigns at once
        // (a frozen controller is the chaos spec's business).
        var status = await Eventually.Async(Within, async () => await _cluster.TryStatusAsync() ?? throw new TimeoutException("no status"));
        var before = status.Metadata.Topic(Topic)!.Partitions.First(p => p.Owner != status.Metadata.Controller);
        var x = before.Partition;
        var oldOwner = before.Owner ?? throw new InvalidOperationException($"partition {before.Partition} has no owner");
        var ownerPort = int.Parse(oldOwner[(oldOwner.LastIndexOf(':') + 1)..]);
        output.WriteLine($"partition {x} is owned by {before.Owner} at epoch {before.Epoch}; controller {status.Metadata.Controller}; freezing the owner");

        // Produce requests straight to the frozen owner's broker actor, as one-hop clients send them: they wait in its
        // socket until it wakes up, and it will take them for its own partition. The connection to it is made before it freezes (a new one
        // could not finish its handshake with a frozen process).
        var probes = Connect("fencing-probe");
        var ownerBroker = probes.System.ActorSelection($"akka.tcp://{Names.BrokerSystem}@{FaultyCluster.Id(ownerPort)}{Names.BrokerPath}");
        Assert.NotNull((await ownerBroker.Ask<ActorIdentity>(new Identify(null), Within)).Subject);
        await FreezeOutsideAWriteTransactionAsync(ownerPort);
        var staleWrites = Enumerable.Range(1, 3).Select(i => ProduceDirectlyAsync(probes, ownerPort, x, $"stale-{i}")).ToList();

        var after = await _cluster.AwaitOwnersAsync(Topic, Within, p => p.Partition != x || (p.Owner != before.Owner && p.Epoch > before.Epoch));
        var newOwner = after.Partitions[x];
        var marker = await new Producer(probes).SendAsync(new ProducerRecord(Topic, Encoding.UTF8.GetBytes("after-takeover"), Partition: x)).WaitAsync(Within);
        _recorder.Sent("after-takeover");
        _recorder.Acked(new Ack("after-takeover", marker.Partition, marker.Offset));
        output.WriteLine($"partition {x} now owned by {newOwner.Owner} at epoch {newOwner.Epoch}; it acknowledged a produce at offset {marker.Offset}; waking the old owner");

        _cluster.Thaw(ownerPort);
        var acksAtThaw = _recorder.AckCount;
        var exit = _cluster.AwaitExitAsync(ownerPort, TimeSpan.FromSeconds(30));
        // A reply, or none because the old owner shut down first: either way no acknowledgement.
        await Task.WhenAny(Task.WhenAll(staleWrites), Task.Delay(TimeSpan.FromSeconds(20)));
        var staleReplies = staleWrites.Select((w, i) => w.IsCompletedSuccessfully ? w.Result : new DirectReply($"stale-{i + 1}", false, "no reply")).ToList();
        foreach (var reply in staleReplies) output.WriteLine("produce sent to the frozen owner: " + reply);
        var (exitedByItself, exitCode, ownController) = await exit;
        output.WriteLine((exitedByItself ? $"the old owner exited by itself with code {exitCode}" : "the old owner was still running 30 s after SIGCONT; killed") +
                         (ownController ? "; it had started a controller of its own (a second cluster)" : ""));

        // Records keep flowing to every partition, X included, after the old owner woke up.
        await Eventually.Async(Within, () =>
        {
            Assert.True(_recorder.AckCount >= acksAtThaw + 30, "traffic did not go on after the old owner woke up");
            return Task.CompletedTask;
        });
        // Delivery timeout (45 s) plus one request timeout: by then every send has an answer, one way or the other.
        var unresolved = await producer.StopAsync(TimeSpan.FromSeconds(50));
        var final = await LogReader.ReadAsync(_cluster.Ports.Where(p => p != ownerPort), Topic, Enumerable.Range(0, Partitions).ToList(), Within);
        var result = LogChecker.Check(_recorder.SentValues, _recorder.Acks, _recorder.FailedValues, final, new Dictionary<int, IReadOnlyList<LogEntry>>());
        foreach (var u in unresolved) output.WriteLine("still unresolved when the producer stopped: " + u);
        output.WriteLine($"{result}; partition {x}: [{final[x].Start},{final[x].End})");

        Assert.Empty(unresolved);
        Assert.All(staleReplies, r => Assert.False(r.Acknowledged, $"the replaced owner acknowledged a write: {r}"));
        Assert.DoesNotContain(final.SelectMany(f => f.Entries), e => e.Value.StartsWith("stale-", StringComparison.Ordinal));
        Assert.Equal(0, result.Lost);
        Assert.Equal(0, result.Reused);
        Assert.Equal(0, result.Skipped);
        Assert.Equal(0, result.Reordered);
        Assert.True(exitedByItself, "a downed broker must shut itself down, but the old owner was still running 30 s after it woke up" +
                                    (ownController ? ", running a cluster of its own with its own controller" : ""));
        Assert.Equal(1, exitCode);
        _cluster.KeepLogs = false;
    }

    /// <summary>
    /// Freezes the broker, but not while it holds the write lock of the SQLite journal every broker shares: frozen
    /// there, it stalls every broker's journal writes, so nothing (not even the controller's reassignment) can be
    /// written until it wakes up, and there is no replacement to fence. That stall is a property of one shared SQLite
    /// file (JournalOutageSpecs covers the controller's recovery from it); this spec is about the replacement.
    /// </summary>
    private async Task FreezeOutsideAWriteTransactionAsync(int port)
    {
        for (var attempt = 1; ; attempt++)
        {
            _cluster.Freeze(port);
            var locks = _cluster.SqliteLocksHeldBy(port);
            if (!FaultyCluster.HoldsSqliteWriteLock(locks) || attempt == 10)
            {
                output.WriteLine($"frozen (attempt {attempt}); its SQLite locks: {string.Join("; ", locks)}");
                return;
            }
            output.WriteLine($"frozen inside a journal write ({string.Join("; ", locks)}); thawing and freezing again");
            _cluster.Thaw(port);
            await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt)); // not a wait for the cluster: a different moment to freeze
        }
    }

    private sealed record DirectReply(string Value, bool Acknowledged, string Outcome)
    {
        public override string ToString() => $"{Value}: {Outcome}";
    }

    /// <summary>A produce (acks=all) to one broker's BrokerActor by its address, bypassing ClusterClient and routing elsewhere.</summary>
    private static async Task<DirectReply> ProduceDirectlyAsync(ClusterConnection connection, int port, int partition, string value)
    {
        var batch = new RecordBatchBuilder();
        batch.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, Encoding.UTF8.GetBytes(value));
        var request = new ProduceRequestData(-1, 30_000, [new(Topic, [new(partition, batch.Build())])]);
        var version = KafkaEnvelope.NewestVersion(ApiKey.Produce);
        var broker = connection.System.ActorSelection($"akka.tcp://{Names.BrokerSystem}@{FaultyCluster.Id(port)}{Names.BrokerPath}");
        try
        {
            // As the producer sends it: a Kafka Produce is served only by the broker it reaches, which answers
            // NOT_LEADER_OR_FOLLOWER for a partition it does not own instead of passing it on, so what the woken broker
            // does with it is its own doing.
            var frame = await broker.Ask<KafkaResponseFrame>(KafkaEnvelope.Request(request, version, "fencing-probe"), TimeSpan.FromMinutes(2));
            var response = KafkaEnvelope.Response(frame, ApiKey.Produce, version, ProduceResponseData.Read).Responses.Single().Partitions.Single();
            return response.ErrorCode == ErrorCode.None
                ? new DirectReply(value, true, $"acknowledged at offset {response.BaseOffset}")
                : new DirectReply(value, false, $"refused: {response.ErrorCode} {response.ErrorMessage}");
        }
        catch (AskTimeoutException)
        {
            return new DirectReply(value, false, "no reply");
        }
    }

    private ClusterConnection Connect(string name)
    {
        var connection = Clients.Connect(_cluster.Ports, name);
        _connections.Add(connection);
        return connection;
    }
}
