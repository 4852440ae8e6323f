using Akka.Configuration;
using AkkaKafka.Broker.Hosting;

namespace AkkaKafka.Tests.Support;

/// <summary>
/// Starts real one-node broker clusters (SQLite journal) for a spec, on free loopback ports and one data directory
/// that outlives each node, so a spec can stop a node and start a new one on the same data. Stops and deletes
/// everything on dispose.
/// </summary>
public sealed class BrokerNodes : IAsyncDisposable
{
    private const string Overrides = """
        akka.loglevel = WARNING
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        akkakafka.broker.metadata-refresh-interval = 1s
        """;

    private readonly TempDataDirectory _dataDirectory = TempDataDirectory.Create();
    private readonly List<BrokerNode> _running = [];

    public string DataDirectory => _dataDirectory.Path;

    /// <summary>Starts a node that seeds itself (port 0 cannot be used: the node must name its own address as seed).</summary>
    /// <param name="configure">Changes to the options, e.g. the Kafka flags (the node has no Kafka listener unless it sets a port).</param>
    public async Task<BrokerNode> StartAsync(Func<BrokerOptions, BrokerOptions>? configure = null)
    {
        var options = new BrokerOptions
        {
            Host = "127.0.0.1",
            Port = FreePort.Next(),
            KafkaPort = 0,
            HttpPort = 0,
            DataDirectory = _dataDirectory.Path,
            Journal = JournalKind.Sqlite,
            Overrides = ConfigurationFactory.ParseString(Overrides),
            JoinTimeout = TimeSpan.FromSeconds(30),
        };
        if (configure is not null) options = configure(options);
        var node = await BrokerNode.StartAsync(options);
        _running.Add(node);
        return node;
    }

    /// <summary>Stops the node (the whole ActorSystem) and waits until it has terminated.</summary>
    public async Task StopAsync(BrokerNode node)
    {
        _running.Remove(node);
        await node.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _running.ToList()) await StopAsync(node);
        _dataDirectory.Dispose();
    }
}
