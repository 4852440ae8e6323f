using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using AkkaKafka.Protocol;

namespace AkkaKafka.Client.Bench;

/// <summary>
/// Broker processes on 127.0.0.1 (consecutive ports, one shared data directory, every port a seed), started with the
/// brokers' default settings, killed and restarted at will. Each broker's output goes to logs/broker-PORT.log in the
/// data directory. Every process is killed, and a temporary data directory deleted, when this is disposed, when this
/// process exits, and on Ctrl-C, SIGTERM, SIGHUP or SIGQUIT (which then end this process as usual), so none outlives
/// the benchmark, short of a SIGKILL of the benchmark itself.
/// </summary>
public sealed class LocalBrokerCluster : IDisposable
{
    public const string Host = "127.0.0.1";
    private readonly BrokerLauncher _launcher;
    private readonly Dictionary<int, BrokerProcess> _running = new();
    private readonly object _lock = new();
    private readonly bool _temporary;
    private readonly List<PosixSignalRegistration> _signals = [];
    private bool _disposed;

    /// <param name="dataDirectory">Where the brokers keep their journal and logs; null: a new temporary directory, deleted afterwards.</param>
    public LocalBrokerCluster(BrokerLauncher launcher, int brokers, int basePort, string? dataDirectory)
    {
        if (brokers < 1) throw new ArgumentOutOfRangeException(nameof(brokers));
        if (basePort < 1 || basePort + brokers - 1 > 65535) throw new ArgumentOutOfRangeException(nameof(basePort));
        _launcher = launcher;
        Ports = Enumerable.Range(basePort, brokers).ToList();
        _temporary = dataDirectory is null;
        DataDirectory = _temporary ? Directory.CreateTempSubdirectory("akkakafka-failover-").FullName : Path.GetFullPath(dataDirectory!);
        LogDirectory = Path.Combine(DataDirectory, "logs");
        try
        {
            Directory.CreateDirectory(LogDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FailoverBenchException($"cannot create data directory '{DataDirectory}': {e.Message}");
        }
        AppDomain.CurrentDomain.ProcessExit += CleanUpOnExit;
        Console.CancelKeyPress += CleanUpOnCancel;
        // .NET ends the process on SIGTERM without raising ProcessExit; these run first and do not cancel the signal.
        foreach (var signal in (PosixSignal[])[PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT])
        {
            try { _signals.Add(PosixSignalRegistration.Create(signal, _ => CleanUp())); }
            catch (PlatformNotSupportedException) { }
        }
    }

    public IReadOnlyList<int> Ports { get; }
    public string DataDirectory { get; }
    public string LogDirectory { get; }
    public IReadOnlyList<HostPort> Addresses => Ports.Select(p => new HostPort(Host, p)).ToList();

    public static string IdOf(int port) => $"{Host}:{port}";

    /// <summary>Starts every broker: the first alone (it forms the cluster), then the others together.</summary>
    public async Task StartAllAsync(TimeSpan timeout, CancellationToken ct)
    {
        foreach (var port in Ports)
            if (!IsFree(port))
                throw new FailoverBenchException($"port {port} on {Host} is in use; pick other ports with --base-port");
        await StartAsync(Ports[0], timeout, ct);
        await Task.WhenAll(Ports.Skip(1).Select(p => StartAsync(p, timeout, ct)));
    }

    /// <summary>Starts the broker on <paramref name="port"/> and waits until it says it is up (joined the cluster).</summary>
    public async Task StartAsync(int port, TimeSpan timeout, CancellationToken ct)
    {
        var info = new ProcessStartInfo(_launcher.FileName)
        {
            WorkingDirectory = DataDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in _launcher.LeadingArguments) info.ArgumentList.Add(a);
        // --kafka-port 0 and --http-port 0: the bench speaks Akka only, and three brokers on one machine cannot all bind
        // Kafka's 9092 or HTTP's 8080.
        foreach (var a in (string[])["broker", "--host", Host, "--port", port.ToString(), "--kafka-port", "0", "--http-port", "0", "--data", DataDirectory]) info.ArgumentList.Add(a);
        foreach (var seed in Ports) foreach (var a in (string[])["--seed", IdOf(seed)]) info.ArgumentList.Add(a);

        BrokerProcess broker;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_running.ContainsKey(port)) throw new InvalidOperationException($"broker {IdOf(port)} is already running");
            broker = BrokerProcess.Start(info, Path.Combine(LogDirectory, $"broker-{port}.log"));
            _running[port] = broker;
        }
        var up = await broker.WhenUp.WaitAsync(timeout, ct).ContinueWith(t => t.IsCompletedSuccessfully && t.Result, TaskScheduler.Default);
        if (!up)
        {
            ct.ThrowIfCancellationRequested();
            var why = broker.LastError is { } e ? ": " + e : $" (see {Path.Combine(LogDirectory, $"broker-{port}.log")})";
            throw new FailoverBenchException(broker.ExitedBeforeUp
                ? $"broker {IdOf(port)} exited before it was up{why}"
                : $"broker {IdOf(port)} did not come up within {timeout.TotalSeconds:0} s{why}");
        }
    }

    /// <summary>SIGKILL: the broker gets no chance to leave the cluster. Returns once the process is gone.</summary>
    public void Kill(int port)
    {
        BrokerProcess? broker;
        lock (_lock) _running.Remove(port, out broker);
        broker?.Kill();
    }

    /// <summary>Kills every broker, then deletes the data directory if it is a temporary one. Safe to call more than once.</summary>
    private void CleanUp()
    {
        List<BrokerProcess> all;
        lock (_lock)
        {
            _disposed = true;
            all = _running.Values.ToList();
            _running.Clear();
        }
        foreach (var broker in all) broker.Kill();
        if (_temporary) DeleteDirectory(DataDirectory);
    }

    private void CleanUpOnExit(object? sender, EventArgs e) => CleanUp();

    private void CleanUpOnCancel(object? sender, ConsoleCancelEventArgs e) => CleanUp();

    private static void DeleteDirectory(string path)
    {
        // A broker that was just killed may still be closing its files for a moment.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Thread.Sleep(200);
            }
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        CleanUp();
        AppDomain.CurrentDomain.ProcessExit -= CleanUpOnExit;
        Console.CancelKeyPress -= CleanUpOnCancel;
        foreach (var registration in _signals) registration.Dispose();
    }

    /// <summary>One broker process, its output appended to a log file, and whether it has said "is up".</summary>
    private sealed class BrokerProcess
    {
        private readonly Process _process;
        private readonly StreamWriter _log;
        private readonly TaskCompletionSource<bool> _up = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private BrokerProcess(Process process, StreamWriter log)
        {
            _process = process;
            _log = log;
        }

        public Task<bool> WhenUp => _up.Task;
        public bool ExitedBeforeUp => _up.Task is { IsCompleted: true, Result: false };
        public string? LastError { get; private set; }

        public static BrokerProcess Start(ProcessStartInfo info, string logFile)
        {
            var log = new StreamWriter(logFile, append: true) { AutoFlush = true };
            log.WriteLine($"==== {DateTime.UtcNow:O} starting: {info.FileName} {string.Join(" ", info.ArgumentList)}");
            var process = new Process { StartInfo = info, EnableRaisingEvents = true };
            var broker = new BrokerProcess(process, log);
            process.OutputDataReceived += (_, e) => broker.OnLine(e.Data, error: false);
            process.ErrorDataReceived += (_, e) => broker.OnLine(e.Data, error: true);
            process.Exited += (_, _) => broker._up.TrySetResult(false);
            try
            {
                process.Start();
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                log.Dispose();
                throw new FailoverBenchException($"cannot start '{info.FileName}': {e.Message}");
            }
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return broker;
        }

        private void OnLine(string? line, bool error)
        {
            if (line is null) return;
            lock (_log)
            {
                try { _log.WriteLine(line); } catch (ObjectDisposedException) { }
            }
            if (error && line.StartsWith("error:", StringComparison.Ordinal)) LastError = line;
            if (!error && line.Contains(" is up", StringComparison.Ordinal)) _up.TrySetResult(true);
        }

        public void Kill()
        {
            try
            {
                // kill(pid, SIGKILL) and nothing else: the broker is this one process (dotnet runs the program in it),
                // and walking the process tree first would delay the signal past the moment the benchmark recorded.
                if (!_process.HasExited) _process.Kill();
                _process.WaitForExit(5000);
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception) { }
            lock (_log)
            {
                try { _log.WriteLine($"==== {DateTime.UtcNow:O} killed"); } catch (ObjectDisposedException) { }
                _log.Dispose();
            }
            _process.Dispose();
        }
    }
}
