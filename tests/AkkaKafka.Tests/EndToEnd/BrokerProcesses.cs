namespace AkkaKafka.Tests.EndToEnd;

/// <summary>
/// Real broker processes on free loopback ports sharing one temporary data directory; started, killed and
/// restarted by the specs, and all killed (and the directory removed) on dispose.
/// </summary>
public sealed class BrokerProcesses : IDisposable
{
    private readonly Dictionary<int, CliProcess> _running = new();

    /// <param name="count">How many brokers.</param>
    /// <param name="extraConfig">HOCON appended to the brokers' test.hocon (e.g. faster failure detection).</param>
    /// <param name="kafka">
    /// Give every broker a Kafka listener on a free port of its own (and broker id 1, 2, … in start order of
    /// <see cref="Ports"/>), for specs with Kafka clients. Off by default: most specs need only the Akka side.
    /// </param>
    /// <param name="http">Give every broker HTTP (metrics, health, API, console) on a free port of its own; off by default.</param>
    /// <param name="verbose">
    /// Akka's INFO log on the brokers' stdout too (--verbose), for specs that read what the cluster decided (downing,
    /// removal, a controller starting) from the brokers' own logs; off by default, as a user runs a broker.
    /// </param>
    /// <param name="brokerFlags">Flags every broker gets besides the usual ones (e.g. --tls-cert and --tls-key).</param>
    public BrokerProcesses(int count, string? extraConfig = null, bool kafka = false, bool http = false, bool verbose = false,
        IReadOnlyList<string>? brokerFlags = null)
    {
        _verbose = verbose;
        _brokerFlags = brokerFlags ?? [];
        WorkDirectory = Directory.CreateTempSubdirectory("akkakafka-e2e-").FullName;
        Ports = Enumerable.Range(0, count).Select(_ => CliProcess.FreePort()).ToList();
        KafkaPorts = kafka ? Enumerable.Range(0, count).Select(_ => CliProcess.FreePort()).ToList() : [];
        HttpPorts = http ? Enumerable.Range(0, count).Select(_ => CliProcess.FreePort()).ToList() : [];
        // Short failure detection so specs that kill brokers finish quickly; no effect on the happy path.
        File.WriteAllText(ConfigFile, """
            akka.cluster.shutdown-after-unsuccessful-join-seed-nodes = 10s
            akka.loglevel = INFO

            """ + (extraConfig ?? ""));
    }

    private readonly bool _verbose;
    private readonly IReadOnlyList<string> _brokerFlags;

    public string WorkDirectory { get; }
    public string DataDirectory => Path.Combine(WorkDirectory, "data");
    public string ConfigFile => Path.Combine(WorkDirectory, "test.hocon");
    public IReadOnlyList<int> Ports { get; }
    public string Bootstrap => string.Join(",", Ports.Select(p => $"127.0.0.1:{p}"));

    /// <summary>Each broker's Kafka listener port, in the order of <see cref="Ports"/>; empty without <c>kafka: true</c>.</summary>
    public IReadOnlyList<int> KafkaPorts { get; }

    /// <summary>Kafka clients' bootstrap servers ("127.0.0.1:p1,127.0.0.1:p2").</summary>
    public string KafkaBootstrap => string.Join(",", KafkaPorts.Select(p => $"127.0.0.1:{p}"));

    /// <summary>Each broker's HTTP port, in the order of <see cref="Ports"/>; empty without <c>http: true</c>.</summary>
    public IReadOnlyList<int> HttpPorts { get; }

    /// <summary>The base address of the HTTP port of the broker on Akka <paramref name="port"/> (with <c>http: true</c>).</summary>
    public Uri HttpAddress(int port) => new($"http://127.0.0.1:{HttpPorts[IndexOf(port)]}/");

    /// <summary>The Kafka node id of the broker on Akka <paramref name="port"/> (with <c>kafka: true</c>).</summary>
    public int BrokerId(int port) => IndexOf(port) + 1;

    /// <summary>The Kafka listener port of the broker on Akka <paramref name="port"/> (with <c>kafka: true</c>).</summary>
    public int KafkaPort(int port) => KafkaPorts[IndexOf(port)];

    private int IndexOf(int port) => Ports.ToList().IndexOf(port) is var i and >= 0 ? i : throw new ArgumentException($"no broker on {port}");

    public CliProcess this[int port] => _running[port];

    public string[] BrokerArgs(int port, params string[] extra)
    {
        // Without kafka: true no Kafka listener (--kafka-port 0): many brokers run at once and must not fight over 9092.
        // With it, a port and a node id fixed per broker, so a restarted broker is found where clients knew it.
        string[] kafka = KafkaPorts.Count == 0 ? ["--kafka-port", "0"]
            : new[] { "--kafka-port", KafkaPort(port).ToString(), "--broker-id", BrokerId(port).ToString() };
        var args = new List<string> { "broker", "--port", port.ToString(), "--data", DataDirectory, "--config", ConfigFile };
        // Without http: true no HTTP (--http-port 0): many brokers run at once and must not fight over 8080.
        args.AddRange(["--http-port", HttpPorts.Count == 0 ? "0" : HttpPorts[IndexOf(port)].ToString()]);
        args.AddRange(kafka);
        if (_verbose) args.Add("--verbose");
        args.AddRange(_brokerFlags);
        foreach (var seed in Ports) args.AddRange(["--seed", $"127.0.0.1:{seed}"]);
        args.AddRange(extra);
        return args.ToArray();
    }

    /// <summary>Starts a broker and waits until it reports that it is up.</summary>
    public async Task<CliProcess> StartAsync(int port, TimeSpan? timeout = null)
    {
        var broker = CliProcess.Start(WorkDirectory, BrokerArgs(port));
        _running[port] = broker;
        if (!await broker.WaitForOutputAsync("is up", timeout ?? TimeSpan.FromSeconds(60)))
        {
            // An exited broker's last lines may still be in the pipe: drain them, they usually say why.
            if (broker.HasExited) await broker.WaitForExitAsync(TimeSpan.FromSeconds(5));
            throw new InvalidOperationException($"broker on {port} did not come up{(broker.HasExited ? $" (exit code {broker.ExitCode})" : "")}:\n{broker.Stdout}\n{broker.Stderr}");
        }
        return broker;
    }

    /// <summary>Starts all brokers: the first alone (it forms the cluster), then the rest together.</summary>
    public async Task StartAllAsync()
    {
        await StartAsync(Ports[0]);
        await Task.WhenAll(Ports.Skip(1).Select(p => StartAsync(p)));
    }

    public void Kill(int port)
    {
        if (_running.Remove(port, out var broker))
        {
            broker.Kill();
            broker.Dispose();
        }
    }

    public async Task StopGracefullyAsync(int port, TimeSpan timeout)
    {
        if (!_running.Remove(port, out var broker)) return;
        broker.Terminate();
        await broker.WaitForExitAsync(timeout);
        broker.Dispose();
    }

    public Task<CliResult> RunAsync(TimeSpan timeout, string? stdin, params string[] args) =>
        CliProcess.RunAsync(WorkDirectory, timeout, stdin, args);

    public void Dispose()
    {
        foreach (var broker in _running.Values) broker.Dispose();
        _running.Clear();
        try { Directory.Delete(WorkDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
