using Akka.Cluster;
using Akka.Configuration;
using AkkaKafka.Broker;
using AkkaKafka.Broker.Hosting;
using AkkaKafka.Protocol;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AkkaKafka.Tests.MultiNode.Support;

/// <summary>
/// A broker cluster inside the test process: N nodes on free loopback ports, one fresh data directory shared by all
/// (the SQLite journal every broker reads and writes, as brokers on one machine do), and the same seed list on every
/// node (all addresses, node 1 first). Nodes are numbered from 1 as the specs name them.
/// <para>Nodes can leave gracefully, crash (their ActorSystem stops without leaving the cluster, so the others see
/// it go silent and the split-brain resolver downs it), and start again on the same port and data directory.
/// Disposing terminates every node still running and deletes the data directory, with bounded waits.</para>
/// </summary>
public sealed class ClusterFixture : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ConvergenceTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Shorter timings than hocon/broker.hocon so that failover fits in a few seconds:
    /// a silent node is suspected after ~1.3 s and downed 1 s after that; metadata is re-published every second.
    /// Nothing here changes what the brokers decide, only how soon.
    /// ActorSystem.Terminate does not run CoordinatedShutdown here, so it stops a node the way a crash does
    /// (no leave, no singleton hand-over); a graceful stop runs CoordinatedShutdown explicitly (BrokerNode.StopAsync).
    /// </summary>
    private static readonly Config TestTimings = ConfigurationFactory.ParseString("""
        # Node logs go to the spec's output (TestOutputLog), not to the console.
        akka.loggers = []
        akka.loglevel = INFO
        akka.stdout-loglevel = OFF
        akka.cluster.failure-detector.heartbeat-interval = 300ms
        akka.cluster.failure-detector.acceptable-heartbeat-pause = 1s
        akka.cluster.split-brain-resolver.stable-after = 1s
        akka.cluster.down-removal-margin = 0s
        # Node 1 starts alone: it waits this long for the other seeds before forming the cluster by itself.
        akka.cluster.seed-node-timeout = 1s
        # A restarted node whose old incarnation is still being removed is turned away once; it asks again this soon.
        akka.cluster.retry-unsuccessful-join-after = 1s
        akka.coordinated-shutdown.run-by-actor-system-terminate = off
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        akkakafka.broker.metadata-refresh-interval = 1s
        # The nodes share this process: a stall of it (a loaded CI machine, a GC) stalls them all, so no node was downed
        # by the others and none may down itself. With it on, a 2.3 s stall under load downed a node during start-up.
        akkakafka.broker.down-after-stall = off
        """);

    private readonly IReadOnlyList<int> _ports;
    // Each node's Kafka listener port, when the cluster has Kafka listeners (else none).
    private readonly IReadOnlyList<int>? _kafkaPorts;
    private readonly BrokerNode?[] _nodes;
    private readonly List<BrokerNode> _everStarted = [];
    private readonly ITestOutputHelper? _output;

    private ClusterFixture(IReadOnlyList<int> ports, IReadOnlyList<int>? kafkaPorts, string dataDirectory, ITestOutputHelper? output)
    {
        _ports = ports;
        _kafkaPorts = kafkaPorts;
        _nodes = new BrokerNode?[ports.Count];
        DataDirectory = dataDirectory;
        _output = output;
    }

    public string DataDirectory { get; }

    /// <summary>Every node's address, node 1 first: the seed list of every node and a client's bootstrap list.</summary>
    public IReadOnlyList<HostPort> Addresses => _ports.Select(p => new HostPort("127.0.0.1", p)).ToList();

    public int Size => _ports.Count;

    /// <summary>The numbers (1-based) of the nodes currently running.</summary>
    public IReadOnlyList<int> Running => Enumerable.Range(1, Size).Where(n => _nodes[n - 1] is not null).ToList();

    /// <summary>Starts node 1 alone (it forms the cluster, so it is the oldest), then the others one after another.</summary>
    /// <param name="kafkaListeners">Whether each node also has a Kafka listener, each on a free port of its own (<see cref="KafkaPort"/>).</param>
    public static async Task<ClusterFixture> StartAsync(int size, ITestOutputHelper? output = null, bool kafkaListeners = false)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "akkakafka-multinode-" + Guid.NewGuid().ToString("N")[..8]);
        var ports = FreePorts.Take(kafkaListeners ? 2 * size : size);
        var cluster = new ClusterFixture(ports.Take(size).ToList(), kafkaListeners ? ports.Skip(size).ToList() : null, dataDirectory, output);
        try
        {
            // One at a time, each Up before the next starts: node n is the n-th oldest, whatever its port.
            for (var n = 1; n <= size; n++) await cluster.StartNodeAsync(n);
            await cluster.AwaitConvergenceAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The running node number <paramref name="number"/> (1-based).</summary>
    public BrokerNode Node(int number) =>
        _nodes[number - 1] ?? throw new InvalidOperationException($"node {number} is not running");

    /// <summary>The port of node <paramref name="number"/>'s Kafka listener (a cluster started with Kafka listeners).</summary>
    public int KafkaPort(int number) => (_kafkaPorts ?? throw new InvalidOperationException("the cluster was started without Kafka listeners"))[number - 1];

    /// <summary>The broker id ("127.0.0.1:port") of node <paramref name="number"/>, as metadata and ClusterStatus name it.</summary>
    public string BrokerId(int number) => Addresses[number - 1].ToString();

    /// <summary>The node number of a broker id (as found in metadata).</summary>
    public int NumberOf(string brokerId)
    {
        for (var n = 1; n <= Size; n++)
            if (BrokerId(n) == brokerId) return n;
        throw new ArgumentException($"{brokerId} is not a node of this cluster");
    }

    /// <summary>Leaves the cluster gracefully (CoordinatedShutdown: leave, singleton hand-over) and waits until the node has stopped.</summary>
    public async Task StopGracefullyAsync(int number)
    {
        var node = Node(number);
        _nodes[number - 1] = null;
        await node.StopAsync().WaitAsync(StopTimeout);
        await node.WhenTerminated.WaitAsync(StopTimeout);
    }

    /// <summary>Stops the node the way a crash does: its ActorSystem ends without leaving the cluster.</summary>
    public async Task CrashAsync(int number)
    {
        var node = Node(number);
        _nodes[number - 1] = null;
        await node.System.Terminate().WaitAsync(StopTimeout);
    }

    /// <summary>
    /// Starts a stopped node again on its old port and the shared data directory; returns once every running node
    /// sees it Up (its old incarnation gone).
    /// </summary>
    public async Task<BrokerNode> RestartAsync(int number)
    {
        if (_nodes[number - 1] is not null) throw new InvalidOperationException($"node {number} is still running");
        var node = await StartNodeAsync(number);
        await AwaitConvergenceAsync();
        return node;
    }

    /// <summary>
    /// Waits until every running node sees exactly the running nodes as members, all Up and reachable. A node is Up
    /// in its own view before the others know it; only after this does the controller count every node as a broker.
    /// </summary>
    public Task AwaitConvergenceAsync() => Eventually.Async(ConvergenceTimeout, () =>
    {
        var expected = Running.Select(BrokerId).Order().ToList();
        foreach (var n in Running)
        {
            var state = Cluster.Get(Node(n).System).State;
            var members = state.Members.Select(m => $"{BrokerIds.Of(m.Address)} {m.Status}").Order().ToList();
            if (!members.SequenceEqual(expected.Select(id => $"{id} Up")) || !state.Unreachable.IsEmpty)
                throw new XunitException($"node {n} sees [{string.Join(", ", members)}], unreachable [{string.Join(", ", state.Unreachable.Select(m => BrokerIds.Of(m.Address)))}]; " +
                                         $"expected all of [{string.Join(", ", expected)}] Up");
        }
        return Task.CompletedTask;
    });

    private async Task<BrokerNode> StartNodeAsync(int number)
    {
        var node = await BrokerNode.StartAsync(new BrokerOptions
        {
            Host = "127.0.0.1",
            Port = _ports[number - 1],
            // No Kafka listener unless asked for: several brokers run in one process and cannot all bind Kafka's 9092.
            KafkaPort = _kafkaPorts?[number - 1] ?? 0,
            HttpPort = 0,
            Seeds = Addresses,
            DataDirectory = DataDirectory,
            Overrides = TestTimings,
            JoinTimeout = TimeSpan.FromSeconds(30),
        });
        _nodes[number - 1] = node;
        _everStarted.Add(node);
        if (_output is not null) TestOutputLog.Attach(node.System, _output, $"node{number} {BrokerId(number)}");
        return node;
    }

    /// <summary>
    /// Terminates every node still running (no graceful leave: the whole cluster goes), including any whose stop
    /// timed out in a failed spec, and deletes the data directory.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Array.Clear(_nodes);
        var stops = _everStarted.Where(n => !n.WhenTerminated.IsCompleted).Select(async node =>
        {
            try
            {
                await node.System.Terminate().WaitAsync(StopTimeout);
            }
            catch (TimeoutException)
            {
                _output?.WriteLine($"a node at {Cluster.Get(node.System).SelfAddress} did not terminate within {StopTimeout.TotalSeconds}s");
            }
        });
        await Task.WhenAll(stops);

        // Pooled connections keep the SQLite files open (which matters where open files cannot be deleted).
        SqliteConnection.ClearAllPools();
        try
        {
            if (Directory.Exists(DataDirectory)) Directory.Delete(DataDirectory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _output?.WriteLine($"could not delete {DataDirectory}: {e.Message}");
        }
    }
}
