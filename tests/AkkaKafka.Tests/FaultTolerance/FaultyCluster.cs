using System.Text;
using AkkaKafka.Broker.Hosting;
using AkkaKafka.Client;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Tests.EndToEnd;
using AkkaKafka.Tests.MultiNode.Support;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AkkaKafka.Tests.FaultTolerance;

/// <summary>
/// Real broker processes (<see cref="BrokerProcesses"/>) that a spec crashes (SIGKILL), freezes (SIGSTOP) and thaws
/// (SIGCONT), plus an admin connection that watches membership and ownership through the controller. Every wait is
/// bounded; every broker's output is kept (one file per process) and left on disk if the spec fails.
/// </summary>
public sealed class FaultyCluster : IAsyncDisposable
{
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(2);
    private readonly ITestOutputHelper _output;
    private readonly HashSet<int> _frozen = [];
    private readonly Dictionary<int, int> _incarnation = new();
    private readonly Dictionary<int, int> _outputAtThaw = new();
    /// <summary>
    /// Per faulted broker, how much of every other broker's output there was when the fault began (by pid): what they
    /// print about it afterwards is looked for from there. Taken when waiting started instead, a second broker frozen
    /// in the same round was missed when the others had downed both at once before the wait for it began (ZombieSpecs
    /// then fell back on asking a controller that the frozen pair kept from its journal, and timed out).
    /// </summary>
    private readonly Dictionary<int, Dictionary<int, int>> _outputAtFault = new();
    private ClusterConnection? _admin;

    /// <param name="kafka">Give every broker a Kafka listener (<see cref="BrokerProcesses"/>'s kafka option), for Kafka clients.</param>
    public FaultyCluster(int brokers, ITestOutputHelper output, string? brokerConfig = null, bool kafka = false)
    {
        _output = output;
        // Verbose: downing, removal and a controller starting are read from the brokers' own Akka log.
        Processes = new BrokerProcesses(brokers, brokerConfig, kafka: kafka, verbose: true);
        LogDirectory = Directory.CreateTempSubdirectory("akkakafka-fault-logs-").FullName;
    }

    public BrokerProcesses Processes { get; }
    public IReadOnlyList<int> Ports => Processes.Ports;

    /// <summary>Every broker process's output, one file per process; removed on dispose unless <see cref="KeepLogs"/> or AKKAKAFKA_KEEP_LOGS=1.</summary>
    public string LogDirectory { get; }

    public bool KeepLogs { get; set; }

    public static string Id(int port) => $"127.0.0.1:{port}";

    public ClusterConnection Admin => _admin ?? throw new InvalidOperationException("cluster not started");

    public async Task StartAsync()
    {
        await Processes.StartAllAsync();
        foreach (var port in Ports) _incarnation[port] = 1;
        _admin = Clients.Connect(Ports, "fault-admin");
        await AwaitAllUpAsync(TimeSpan.FromSeconds(60));
    }

    // ---------------- faults ----------------

    public void Crash(int port)
    {
        MarkFault(port);
        SaveLog(port, "killed");
        Processes.Kill(port);
    }

    /// <summary>SIGTERM: the broker leaves gracefully; killed if it has not exited within <paramref name="within"/>.</summary>
    /// <returns>Whether it exited by itself in time.</returns>
    public async Task<bool> TerminateAsync(int port, TimeSpan within)
    {
        var process = Processes[port];
        MarkFault(port);
        process.Terminate();
        var exited = await process.WaitForExitAsync(within, killOnTimeout: false);
        SaveLog(port, exited ? $"terminated-{process.ExitCode}" : "terminate-ignored");
        Processes.Kill(port);
        return exited;
    }

    public void Freeze(int port)
    {
        MarkFault(port);
        Processes[port].Pause();
        _frozen.Add(port);
    }

    private void MarkFault(int port) =>
        _outputAtFault[port] = Ports.Where(p => p != port && IsRunning(p)).ToDictionary(p => Processes[p].Pid, p => Processes[p].Stdout.Length);

    public void Thaw(int port)
    {
        _frozen.Remove(port);
        _outputAtThaw[port] = Processes[port].Stdout.Length;
        Processes[port].Resume();
    }

    /// <summary>Waits until the process exits by itself; if it has not within <paramref name="within"/>, kills it.</summary>
    /// <returns>
    /// Whether it exited by itself, its exit code if it did, and whether it started a controller of its own after
    /// it was thawed: it then took itself for the surviving side and ran a second cluster beside the real one.
    /// </returns>
    public async Task<(bool ExitedByItself, int? ExitCode, bool StartedOwnController)> AwaitExitAsync(int port, TimeSpan within)
    {
        var process = Processes[port];
        var exited = await process.WaitForExitAsync(within, killOnTimeout: false);
        int? code = exited ? process.ExitCode : null;
        var output = process.Stdout;
        var sinceThaw = output[Math.Min(output.Length, _outputAtThaw.GetValueOrDefault(port))..];
        var ownController = sinceThaw.Contains($"started on {Id(port)}", StringComparison.Ordinal);
        SaveLog(port, exited ? $"exited-{code}" : "did-not-exit");
        Processes.Kill(port);
        return (exited, code, ownController);
    }

    /// <summary>
    /// Starts the broker again on its port and data. A start that ends with the process exiting (its join refused
    /// while its previous incarnation is still being removed, or a signal from outside) is tried again, up to
    /// three times; each such attempt is reported through <paramref name="onFailedStart"/>.
    /// </summary>
    public async Task RestartAsync(int port, Action<string>? onFailedStart = null)
    {
        if (IsRunning(port)) throw new InvalidOperationException($"broker {Id(port)} is still running");
        _outputAtFault.Remove(port);
        for (var attempt = 1; ; attempt++)
        {
            _incarnation[port] = _incarnation.GetValueOrDefault(port) + 1;
            try
            {
                await Processes.StartAsync(port, TimeSpan.FromSeconds(60));
                return;
            }
            catch (InvalidOperationException e) when (attempt < 3 && !IsRunning(port))
            {
                var reason = e.Message.Split('\n').LastOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal)) ?? e.Message.Split('\n')[0];
                onFailedStart?.Invoke($"{Id(port)} exited while starting ({reason}); starting it again");
                SaveLog(port, "failed-start");
                Processes.Kill(port);
            }
        }
    }

    public bool IsRunning(int port)
    {
        try
        {
            return !Processes[port].HasExited;
        }
        catch (KeyNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Restarts every broker that is not running and not frozen: <paramref name="expected"/> (the one a fault was
    /// injected into) and any that exited although no fault was injected into them (downed by a false suspicion on a
    /// busy machine, or with the rest of the cluster when too few were left); returns the latter, for the spec's output.
    /// </summary>
    public async Task<IReadOnlyList<int>> RestartExitedAsync(int? expected = null, Action<string>? onFailedStart = null)
    {
        var exited = Ports.Where(p => !_frozen.Contains(p) && !IsRunning(p)).ToList();
        foreach (var port in exited.Where(p => p != expected))
        {
            SaveLog(port, "exited-unexpectedly");
            Processes.Kill(port);
        }
        // The first seed forms a new cluster only when no other seed answers; start it first if everything is gone.
        foreach (var port in exited.OrderBy(p => p == Ports[0] ? 0 : 1)) await RestartAsync(port, onFailedStart);
        return exited.Where(p => p != expected).ToList();
    }

    // ---------------- observations ----------------

    /// <summary>The controller's view, or null if no controller answered quickly (one is failing over).</summary>
    public async Task<ClusterStatus?> TryStatusAsync()
    {
        try
        {
            return await Admin.AskAsync<ClusterStatus>(GetClusterStatus.Instance, StatusTimeout);
        }
        catch (ClusterUnavailableException)
        {
            return null;
        }
    }

    private static IEnumerable<ClusterMember> MembersAt(ClusterStatus status, int port) =>
        status.Members.Where(m => m.Address.EndsWith($"@{Id(port)}", StringComparison.Ordinal));

    /// <summary>
    /// Waits until the cluster has downed the broker (or, with <paramref name="removed"/>, removed it); returns how
    /// long that took. Seen either in the controller's status or in the log of the broker that took the decision:
    /// the controller may itself be failing over, and a broker frozen inside a journal write keeps a new controller
    /// from starting (it cannot write) until it wakes up, while downing needs no journal.
    /// </summary>
    public async Task<TimeSpan> AwaitDownedAsync(int port, TimeSpan within, bool removed = false)
    {
        var started = DateTime.UtcNow;
        var marker = removed
            ? $"Leader is removing unreachable node [akka.tcp://akkakafka@{Id(port)}]"
            : $"node [akka.tcp://akkakafka@{Id(port)}] as [Down]";
        var others = Ports.Where(p => p != port && IsRunning(p)).Select(p => Processes[p]).ToList();
        var atFault = _outputAtFault.GetValueOrDefault(port) ?? [];
        var from = others.ToDictionary(p => p.Pid, p => atFault.TryGetValue(p.Pid, out var length) ? length : p.Stdout.Length);
        await Eventually.Async(within, async () =>
        {
            if (others.Any(p => p.Stdout.IndexOf(marker, Math.Min(from[p.Pid], p.Stdout.Length), StringComparison.Ordinal) >= 0))
                return;
            // With too few brokers left the others down themselves (keep-majority): nobody is left to down it.
            if (others.All(p => p.HasExited))
                return;
            var last = "no answer";
            if (await TryStatusAsync() is { } status)
            {
                last = Describe(status);
                var live = MembersAt(status, port).Where(m => removed || m.Status is "Up" or "Up (unreachable)" or "Joining" or "WeaklyUp" or "Leaving");
                if (!live.Any()) return;
            }
            throw new XunitException($"{Id(port)} was not {(removed ? "removed" : "downed")}; last status: {last}");
        });
        return DateTime.UtcNow - started;
    }

    /// <summary>
    /// Waits until exactly the spec's brokers are members, all Up and reachable (old incarnations removed);
    /// restarts any that exited on their own meanwhile.
    /// </summary>
    public async Task<TimeSpan> AwaitAllUpAsync(TimeSpan within, Action<int>? onUnexpectedExit = null)
    {
        var started = DateTime.UtcNow;
        await Eventually.Async(within, async () =>
        {
            foreach (var port in await RestartExitedAsync()) onUnexpectedExit?.Invoke(port);
            var last = "no answer";
            if (await TryStatusAsync() is { } status)
            {
                last = Describe(status);
                if (status.Members.Count == Ports.Count && Ports.All(p => MembersAt(status, p).Any(m => m.Status == "Up")))
                    return;
            }
            throw new XunitException($"the cluster did not return to {Ports.Count} Up members; last status: {last}");
        });
        return DateTime.UtcNow - started;
    }

    /// <summary>Waits until the controller's metadata assigns every partition of <paramref name="topic"/> to a live broker.</summary>
    public async Task<TopicMetadata> AwaitOwnersAsync(string topic, TimeSpan within, Func<PartitionAssignment, bool>? condition = null)
    {
        return await Eventually.Async(within, async () =>
        {
            var last = "no answer";
            if (await TryStatusAsync() is { } status && status.Metadata.Topic(topic) is { } t)
            {
                last = string.Join(", ", t.Partitions.Select(p => $"{p.Partition}->{p.Owner ?? "none"}@{p.Epoch}"));
                var live = status.Metadata.Brokers.Where(b => b.Status == "Up").Select(b => b.Id).ToHashSet();
                if (t.Partitions.All(p => p.Owner is { } o && live.Contains(o)) && t.Partitions.All(condition ?? (_ => true)))
                    return t;
            }
            throw new XunitException($"partitions of {topic} did not reach the expected owners; last: {last}");
        });
    }

    /// <summary>
    /// File locks the broker holds on the shared SQLite files (from /proc/locks), e.g. "journal.db-shm WRITE 120-120":
    /// a frozen broker that holds SQLite's write lock stalls every other broker's journal writes.
    /// </summary>
    public IReadOnlyList<string> SqliteLocksHeldBy(int port)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/proc/locks")) return [];
        var pid = Processes[port].Pid.ToString();
        var files = new Dictionary<long, string>();
        if (Directory.Exists(Processes.DataDirectory))
        {
            var stat = new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%i %n", .. Directory.GetFiles(Processes.DataDirectory)]) { RedirectStandardOutput = true };
            using var process = System.Diagnostics.Process.Start(stat)!;
            foreach (var line in process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries))
                files[long.Parse(line[..line.IndexOf(' ')])] = Path.GetFileName(line[(line.IndexOf(' ') + 1)..]);
            process.WaitForExit(5000);
        }
        return File.ReadAllLines("/proc/locks")
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 8 && f[4] == pid)
            .Select(f => $"{(long.TryParse(f[5].Split(':')[^1], out var ino) && files.TryGetValue(ino, out var name) ? name : f[5])} {f[3]} {f[6]}-{f[7]}")
            .ToList();
    }

    /// <summary>
    /// Whether <see cref="SqliteLocksHeldBy"/> shows the journal's WAL write lock (byte 120 of journal.db-shm, see
    /// WALINDEX_LOCK_OFFSET in sqlite3.c): the holder is inside a write transaction and every other writer waits.
    /// </summary>
    public static bool HoldsSqliteWriteLock(IEnumerable<string> locks) =>
        locks.Any(l => l.StartsWith($"{JournalStorage.JournalFile}-shm WRITE 120-", StringComparison.Ordinal));

    public static string Describe(ClusterStatus status) =>
        string.Join(", ", status.Members.Select(m => $"{m.Address[(m.Address.IndexOf('@') + 1)..]} {m.Status}")) + $"; controller {status.Leader}";

    // ---------------- logs and cleanup ----------------

    /// <summary>The output of every broker process so far: of those that ended (saved) and of those running now.</summary>
    public IReadOnlyList<string> AllOutput()
    {
        var ended = Directory.GetFiles(LogDirectory, "broker-*.log").Select(File.ReadAllText);
        var running = Ports.Where(IsRunning).Select(p => Processes[p].Stdout);
        return ended.Concat(running).ToList();
    }

    private void SaveLog(int port, string how)
    {
        CliProcess process;
        try
        {
            process = Processes[port];
        }
        catch (KeyNotFoundException)
        {
            return;
        }
        var file = Path.Combine(LogDirectory, $"broker-{port}-{_incarnation.GetValueOrDefault(port)}-{how}.log");
        var exit = process.HasExited ? $"exit code {process.ExitCode}" : "still running";
        File.WriteAllText(file, process.Stdout + $"\n--- stderr ({exit}) ---\n" + process.Stderr, Encoding.UTF8);
    }

    public async ValueTask DisposeAsync()
    {
        await Clients.CloseAsync(_admin);
        foreach (var port in Ports) SaveLog(port, IsRunning(port) ? "at-end" : "exited-at-end");
        // SIGKILL ends frozen processes too.
        foreach (var port in Ports) Processes.Kill(port);
        var keep = KeepLogs || Environment.GetEnvironmentVariable("AKKAKAFKA_KEEP_LOGS") == "1";
        if (keep && Directory.Exists(Processes.DataDirectory))
        {
            // The journal as the brokers left it, for a failed spec's post-mortem.
            var copy = Directory.CreateDirectory(Path.Combine(LogDirectory, "data")).FullName;
            foreach (var file in Directory.GetFiles(Processes.DataDirectory)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }
        Processes.Dispose();
        if (keep) _output.WriteLine($"broker logs kept in {LogDirectory}");
        else
            try { Directory.Delete(LogDirectory, recursive: true); } catch (IOException) { }
    }
}
