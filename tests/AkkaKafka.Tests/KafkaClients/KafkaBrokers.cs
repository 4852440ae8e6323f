using System.Net.Sockets;
using AkkaKafka.Tests.EndToEnd;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// Real broker processes, each with a Kafka listener on its own free port, for specs that talk to them as Kafka
/// clients do. Wraps <see cref="BrokerProcesses"/> (same directories, seeds and config) rather than changing its
/// defaults: most end-to-end specs run several brokers at once without a Kafka listener. Every process started here
/// is killed on dispose.
/// </summary>
public sealed class KafkaBrokers : IDisposable
{
    private readonly BrokerProcesses _cluster;
    private readonly Dictionary<int, CliProcess> _running = new();
    private readonly Dictionary<int, string> _logs = new();

    public KafkaBrokers(int count, string? extraConfig = null)
    {
        _cluster = new BrokerProcesses(count, extraConfig);
        KafkaPorts = Enumerable.Range(0, count).Select(_ => CliProcess.FreePort()).ToList();
    }

    /// <summary>The brokers' cluster (Akka) ports, which the akkakafka CLI's --bootstrap takes.</summary>
    public IReadOnlyList<int> Ports => _cluster.Ports;
    public IReadOnlyList<int> KafkaPorts { get; }
    public string Bootstrap => _cluster.Bootstrap;
    public string KafkaBootstrap => string.Join(",", KafkaPorts.Select(p => $"127.0.0.1:{p}"));
    public string WorkDirectory => _cluster.WorkDirectory;

    public int KafkaPortOf(int port) => KafkaPorts[IndexOf(port)];
    public int PortOfKafka(int kafkaPort) => Ports[KafkaPorts.ToList().IndexOf(kafkaPort)];
    public CliProcess this[int port] => _running[port];
    public bool IsRunning(int port) => _running.TryGetValue(port, out var broker) && !broker.HasExited;

    private int IndexOf(int port)
    {
        var index = Ports.ToList().IndexOf(port);
        return index >= 0 ? index : throw new ArgumentException($"no broker on port {port}", nameof(port));
    }

    /// <summary>
    /// BrokerProcesses' arguments with its "--kafka-port 0" replaced in place: System.CommandLine refuses a
    /// single-value option given twice, so appending a second --kafka-port would not override the first.
    /// </summary>
    public string[] BrokerArgs(int port)
    {
        var args = _cluster.BrokerArgs(port, "--kafka-advertised-host", "127.0.0.1");
        var at = Array.IndexOf(args, "--kafka-port");
        if (at < 0 || at + 1 >= args.Length) throw new InvalidOperationException("BrokerProcesses.BrokerArgs no longer passes --kafka-port");
        args[at + 1] = KafkaPortOf(port).ToString();
        return args;
    }

    /// <summary>Starts a broker and waits until it says it is up and its Kafka port accepts connections.</summary>
    public async Task<CliProcess> StartAsync(int port, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        var broker = CliProcess.Start(WorkDirectory, BrokerArgs(port));
        _running[port] = broker;
        if (!await broker.WaitForOutputAsync("is up", deadline - DateTime.UtcNow) || !await KafkaPortOpensAsync(KafkaPortOf(port), deadline))
        {
            if (broker.HasExited) await broker.WaitForExitAsync(TimeSpan.FromSeconds(5));
            throw new InvalidOperationException($"broker on {port} (Kafka {KafkaPortOf(port)}) did not come up" +
                $"{(broker.HasExited ? $" (exit code {broker.ExitCode})" : "")}:\n{broker.Stdout}\n{broker.Stderr}");
        }
        return broker;
    }

    /// <summary>Starts all brokers: the first alone (it forms the cluster and becomes the controller), then the rest together.</summary>
    public async Task StartAllAsync()
    {
        await StartAsync(Ports[0]);
        await Task.WhenAll(Ports.Skip(1).Select(p => StartAsync(p)));
    }

    /// <summary>SIGKILL; the broker's output is kept for <see cref="Logs"/>.</summary>
    public void Kill(int port)
    {
        if (!_running.Remove(port, out var broker)) return;
        broker.Kill();
        broker.WaitForExitAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
        _logs[port] = broker.Stdout + broker.Stderr;
        broker.Dispose();
    }

    public Task<CliResult> RunAsync(TimeSpan timeout, string? stdin, params string[] args) => _cluster.RunAsync(timeout, stdin, args);

    /// <summary>A broker's stdout and stderr, running or killed.</summary>
    public string Logs(int port) => _running.TryGetValue(port, out var broker) ? broker.Stdout + broker.Stderr : _logs.GetValueOrDefault(port, "");

    /// <summary>The last lines of every broker's output, for the message of a failing assertion.</summary>
    public string LogTails(int lines = 40) => string.Join("\n", Ports.Select(p =>
        $"--- broker {p} (Kafka {KafkaPortOf(p)}{(IsRunning(p) ? "" : ", not running")}) ---\n" +
        string.Join("\n", Logs(p).Split('\n').TakeLast(lines))));

    private static async Task<bool> KafkaPortOpensAsync(int port, DateTime deadline)
    {
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await client.ConnectAsync("127.0.0.1", port, attempt.Token);
                return true;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                await Task.Delay(100);
            }
        }
        return false;
    }

    public void Dispose()
    {
        foreach (var broker in _running.Values) broker.Dispose();
        _running.Clear();
        _cluster.Dispose();
    }
}
