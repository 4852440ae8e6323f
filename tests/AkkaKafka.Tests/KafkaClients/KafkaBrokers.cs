using System.Net.Sockets;
using AkkaKafka.Tests.EndToEnd;
using AkkaKafka.Tests.MultiNode.Support;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// <see cref="BrokerProcesses"/> with Kafka listeners (<c>kafka: true</c>) for specs that kill brokers under Kafka
/// clients: a broker counts as started only once its Kafka port accepts connections, and a killed broker's output is
/// kept so a failing spec can still show what it said before it died. Every process is killed on dispose.
/// </summary>
public sealed class KafkaBrokers : IDisposable
{
    private readonly Dictionary<int, string> _killedLogs = new();

    /// <param name="http">Also an HTTP port per broker (<see cref="BrokerProcesses.HttpPorts"/>).</param>
    public KafkaBrokers(int count, string? extraConfig = null, bool http = false) => Cluster = new BrokerProcesses(count, extraConfig, kafka: true, http: http);

    public BrokerProcesses Cluster { get; }

    /// <summary>The brokers' cluster (Akka) ports, which the akkakafka CLI's --bootstrap takes.</summary>
    public IReadOnlyList<int> Ports => Cluster.Ports;
    public IReadOnlyList<int> KafkaPorts => Cluster.KafkaPorts;
    public string Bootstrap => Cluster.Bootstrap;
    public string KafkaBootstrap => Cluster.KafkaBootstrap;

    public int PortOfKafka(int kafkaPort) => Ports[KafkaPorts.ToList().IndexOf(kafkaPort)];
    public CliProcess this[int port] => Cluster[port];
    public bool IsRunning(int port) => !_killedLogs.ContainsKey(port);

    /// <summary>Starts all brokers (the first alone, it forms the cluster) and waits until every Kafka port accepts connections.</summary>
    public async Task StartAllAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        await Cluster.StartAllAsync();
        foreach (var port in Ports)
        {
            if (!await KafkaPortOpensAsync(Cluster.KafkaPort(port), deadline))
                throw new InvalidOperationException($"broker {port} is up but its Kafka port {Cluster.KafkaPort(port)} never opened:\n{LogTails()}");
        }
    }

    /// <summary>SIGKILL; the broker's output is kept for <see cref="Logs"/>.</summary>
    public void Kill(int port)
    {
        var broker = Cluster[port];
        broker.Kill();
        broker.WaitForExitAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
        _killedLogs[port] = broker.Stdout + broker.Stderr;
        Cluster.Kill(port);
    }

    public Task<CliResult> RunAsync(TimeSpan timeout, string? stdin, params string[] args) => Cluster.RunAsync(timeout, stdin, args);

    /// <summary>A broker's stdout and stderr, running or killed.</summary>
    public string Logs(int port) => _killedLogs.TryGetValue(port, out var log) ? log : Cluster[port].Stdout + Cluster[port].Stderr;

    /// <summary>The last lines of every broker's output, for the message of a failing assertion.</summary>
    public string LogTails(int lines = 40) => string.Join("\n", Ports.Select(p =>
        $"--- broker {p} (Kafka {Cluster.KafkaPort(p)}{(IsRunning(p) ? "" : ", killed")}) ---\n" +
        string.Join("\n", Logs(p).Split('\n').TakeLast(lines))));

    private static Task<bool> KafkaPortOpensAsync(int port, DateTime deadline) =>
        Eventually.Holds(deadline - DateTime.UtcNow, async () =>
        {
            using var client = new TcpClient();
            using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.ConnectAsync("127.0.0.1", port, attempt.Token);
            return true;
        });

    public void Dispose() => Cluster.Dispose();
}
