using System.Diagnostics;
using AkkaKafka.Tests.EndToEnd;
using AkkaKafka.Tests.MultiNode.Support;
using AkkaKafka.Tests.Support;
using Npgsql;
using Xunit;

namespace AkkaKafka.Tests.FaultTolerance;

/// <summary>
/// A highly available PostgreSQL of Debian's pg_auto_failover (postgresql-NN-auto-failover, pg-auto-failover-cli) on
/// 127.0.0.1, as the README's recipe sets it up: a monitor, a primary and a standby with synchronous replication, each
/// a `pg_autoctl run` of user postgres (pg_autoctl refuses root). Everything, data directories, sockets and
/// pg_autoctl's own configuration and state files, lives in one temporary directory; every process is killed by pid
/// (with its process tree) and the directory removed on dispose.
/// <para>The monitor decides faster than its defaults (it marks a node unhealthy after ~20 s of failed health checks
/// and waits 30 s for a lost primary to demote itself): see <see cref="FastFailover"/>.</para>
/// </summary>
public sealed class AutoFailoverFormation : IAsyncDisposable
{
    public sealed class Node(string name, int port, string dataDirectory)
    {
        public string Name => name;
        public int Port => port;
        public string DataDirectory => dataDirectory;
        /// <summary>The node's `pg_autoctl run`: its keeper, which starts, restarts and reconfigures its postgres.</summary>
        public CliProcess? Keeper { get; set; }
    }

    /// <summary>
    /// The monitor's failure detection, tuned down as the README's recipe says for a formation on one machine or a
    /// quiet LAN: health checks every second with a 1 s timeout, a node silent for 2 s is unhealthy, and a primary that
    /// stopped answering is taken as demoted after 3 s. Safe against two primaries because replication is synchronous:
    /// a cut-off old primary cannot commit without its standby.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> FastFailover = new Dictionary<string, string>
    {
        ["pgautofailover.health_check_period"] = "1000",
        ["pgautofailover.health_check_timeout"] = "1000",
        ["pgautofailover.health_check_max_retries"] = "1",
        ["pgautofailover.health_check_retry_delay"] = "500",
        ["pgautofailover.node_considered_unhealthy_timeout"] = "2000",
        ["pgautofailover.primary_demote_timeout"] = "3000",
    };

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "akkakafka-pgaf-" + Guid.NewGuid().ToString("N")[..8]);
    private string? _bin;
    private Node? _monitor;

    public Node Primary { get; private set; } = null!;
    public Node Standby { get; private set; } = null!;

    /// <summary>What a broker is given: both nodes, and Npgsql told to find the one that takes writes (rechecked every second).</summary>
    public string ConnectionString =>
        $"Host=127.0.0.1:{Primary.Port},127.0.0.1:{Standby.Port};Username=postgres;Database=postgres;" +
        "Target Session Attributes=read-write;Host Recheck Seconds=1";

    /// <summary>Starts the monitor, then the primary, then the standby (a pg_basebackup of the primary), and waits until the standby is in sync.</summary>
    public async Task StartAsync()
    {
        _bin = FindServerBinaries(out var why);
        if (_bin is null) SkipOrFail(why);
        Directory.CreateDirectory(_directory);
        var owned = await CliProcess.RunProgramAsync("chown", ["postgres", _directory], CommandTimeout, null);
        if (owned.ExitCode != 0) SkipOrFail($"cannot hand a directory to user postgres (needs root): {owned.Stderr.Trim()}");

        _monitor = new Node("monitor", CliProcess.FreePort(), Path.Combine(_directory, "monitor"));
        await InitDbAsync(_monitor);
        await CheckedAsync(Autoctl("create", "monitor", "--pgdata", _monitor.DataDirectory, "--pgport", _monitor.Port.ToString(), "--listen", "127.0.0.1",
            "--hostname", "127.0.0.1", "--auth", "trust", "--no-ssl", "--pgctl", Path.Combine(_bin!, "pg_ctl")));
        Run(_monitor);
        await Eventually.Async(TimeSpan.FromSeconds(30), async () =>
        {
            await using var connection = await OpenAsync(_monitor, "pg_auto_failover");
            foreach (var (name, value) in FastFailover) await ExecuteAsync(connection, $"ALTER SYSTEM SET {name} = '{value}'");
            await ExecuteAsync(connection, "SELECT pg_reload_conf()");
        });

        Primary = new Node("node_a", CliProcess.FreePort(), Path.Combine(_directory, "node_a"));
        Standby = new Node("node_b", CliProcess.FreePort(), Path.Combine(_directory, "node_b"));
        await InitDbAsync(Primary);
        await CreateNodeAsync(Primary);
        Run(Primary);
        await AwaitStatesAsync(TimeSpan.FromSeconds(30), (Primary, ["single"]));
        // No initdb for the standby: pg_autoctl copies the primary (pg_basebackup), its settings included.
        await CreateNodeAsync(Standby);
        Run(Standby);
        await AwaitStatesAsync(TimeSpan.FromSeconds(60), (Primary, ["primary"]), (Standby, ["secondary"]));
    }

    /// <summary>The primary's synchronous_standby_names and synchronous_commit: a commit is acknowledged once the standby has flushed it.</summary>
    public async Task<(string StandbyNames, string Commit)> SynchronousReplicationAsync(Node node)
    {
        await using var connection = await OpenAsync(node, "postgres");
        await using var command = new NpgsqlCommand("SELECT current_setting('synchronous_standby_names'), current_setting('synchronous_commit')", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetString(0), reader.GetString(1));
    }

    /// <summary>Whether <paramref name="node"/> is out of recovery (pg_promote done). pg_auto_failover keeps it read-only until the monitor has the old primary demoted.</summary>
    public Task<bool> PromotedAsync(Node node) => QueryAsync(node, "SELECT NOT pg_is_in_recovery()");

    /// <summary>Whether <paramref name="node"/> takes writes: promoted, and a new session is not read-only (what Target Session Attributes=read-write looks for).</summary>
    public Task<bool> TakesWritesAsync(Node node) => QueryAsync(node, "SELECT NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off'");

    private static async Task<bool> QueryAsync(Node node, string sql)
    {
        await using var connection = await OpenAsync(node, "postgres");
        await using var command = new NpgsqlCommand(sql, connection);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// The node's machine dies: SIGKILL of its postgres (the postmaster, pid from postmaster.pid) and of its keeper
    /// with it. The keeper alone would restart postgres in place within a second, and whether that or the monitor's
    /// failover came first would be a race. Returns the postmaster's pid.
    /// </summary>
    public int KillMachine(Node node)
    {
        var postmaster = PostmasterPid(node) ?? throw new InvalidOperationException($"{node.Name} has no postmaster.pid");
        using (var process = Process.GetProcessById(postmaster)) process.Kill();
        node.Keeper?.Kill();
        return postmaster;
    }

    /// <summary>The monitor's view, one line per node (name, reported and assigned state), for a failing spec's message.</summary>
    public async Task<string> StateAsync()
    {
        try
        {
            await using var connection = await OpenAsync(_monitor!, "pg_auto_failover");
            await using var command = new NpgsqlCommand("SELECT nodename, nodeport, reportedstate::text, goalstate::text FROM pgautofailover.node ORDER BY nodeid", connection);
            await using var reader = await command.ExecuteReaderAsync();
            var lines = new List<string>();
            while (await reader.ReadAsync()) lines.Add($"{reader.GetString(0)} :{reader.GetInt32(1)} reported {reader.GetString(2)}, assigned {reader.GetString(3)}");
            return string.Join("; ", lines);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return $"monitor unreachable: {e.Message}";
        }
    }

    /// <summary>The last lines each keeper logged (pg_autoctl logs to stderr).</summary>
    public string KeeperLogs() =>
        string.Join("\n", new[] { _monitor, Primary, Standby }.Where(n => n?.Keeper is not null)
            .Select(n => $"--- {n!.Name}\n{string.Join("\n", n.Keeper!.Stderr.Split('\n').TakeLast(30))}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in new[] { Standby, Primary, _monitor }.Where(n => n is not null))
        {
            node!.Keeper?.Dispose();
            // A postmaster outlives its keeper only if it was started apart from it; never leave one running.
            if (PostmasterPid(node) is { } pid && IsPostmasterOf(pid, node))
                try { using var process = Process.GetProcessById(pid); process.Kill(); await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)); }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or TimeoutException) { }
        }
        try { Directory.Delete(_directory, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static void SkipOrFail(string why)
    {
        if (PostgresJournal.RunningOnCi) throw new InvalidOperationException($"CI=true but {why}");
        Skip.If(true, why);
    }

    /// <summary>The newest PostgreSQL server whose pg_auto_failover extension is installed, and pg_autoctl.</summary>
    private static string? FindServerBinaries(out string why)
    {
        var bins = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderBy(d => d).Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "pg_ctl"))).ToList()
            : [];
        var withExtension = bins.Where(b => File.Exists(Path.Combine(b, "..", "lib", "pgautofailover.so"))).LastOrDefault();
        var autoctl = File.Exists("/usr/bin/pg_autoctl") || bins.Any(b => File.Exists(Path.Combine(b, "pg_autoctl")));
        why = bins.Count == 0 ? "no PostgreSQL server binaries in /usr/lib/postgresql"
            : withExtension is null ? "pg_auto_failover's extension is not installed (apt-get install postgresql-NN-auto-failover)"
            : !autoctl ? "pg_autoctl is not installed (apt-get install pg-auto-failover-cli)" : "";
        return why == "" ? withExtension : null;
    }

    /// <summary>initdb with the settings every node keeps (a basebackup copies them): sockets in the temporary directory, modest memory (pg_auto_failover would size shared_buffers for a dedicated server).</summary>
    private async Task InitDbAsync(Node node)
    {
        await CheckedAsync(AsPostgres(Path.Combine(_bin!, "initdb"), "-D", node.DataDirectory, "-A", "trust", "-U", "postgres"));
        // Root may append to the file postgres owns; it stays postgres's.
        await File.AppendAllTextAsync(Path.Combine(node.DataDirectory, "postgresql.auto.conf"),
            $"unix_socket_directories = '{_directory}'\nshared_buffers = '128MB'\n");
    }

    private Task CreateNodeAsync(Node node) =>
        CheckedAsync(Autoctl("create", "postgres", "--pgdata", node.DataDirectory, "--pgport", node.Port.ToString(), "--listen", "127.0.0.1",
            "--hostname", "127.0.0.1", "--name", node.Name, "--auth", "trust", "--no-ssl", "--pgctl", Path.Combine(_bin!, "pg_ctl"),
            "--monitor", $"postgres://autoctl_node@127.0.0.1:{_monitor!.Port}/pg_auto_failover?sslmode=disable"));

    private void Run(Node node) =>
        node.Keeper = CliProcess.StartProgram("runuser", Autoctl("run", "--pgdata", node.DataDirectory), _directory, redirectInput: false);

    private async Task AwaitStatesAsync(TimeSpan within, params (Node Node, string[] States)[] expected)
    {
        try
        {
            await Eventually.Async(within, async () =>
            {
                var state = await StateAsync();
                foreach (var (node, states) in expected)
                    Assert.True(states.Any(s => state.Contains($"{node.Name} :{node.Port} reported {s}, assigned {s}", StringComparison.Ordinal)),
                        $"{node.Name} not yet {string.Join(" or ", states)}: {state}");
            });
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"{e.Message}\n{KeeperLogs()}", e);
        }
    }

    /// <summary>pg_autoctl as user postgres, its configuration and state files under the temporary directory, the server's binaries first on its PATH.</summary>
    private string[] Autoctl(params string[] args) =>
        ["-u", "postgres", "--", "env", $"XDG_CONFIG_HOME={_directory}/config", $"XDG_DATA_HOME={_directory}/share", $"XDG_RUNTIME_DIR={_directory}/run",
            $"PGHOST={_directory}", $"PATH={_bin}:/usr/bin:/bin", "pg_autoctl", .. args];

    private static string[] AsPostgres(params string[] command) => ["-u", "postgres", "--", .. command];

    private async Task CheckedAsync(string[] runuserArgs)
    {
        var result = await CliProcess.RunProgramAsync("runuser", runuserArgs, CommandTimeout, null, _directory);
        if (result.ExitCode != 0) throw new InvalidOperationException($"runuser {string.Join(' ', runuserArgs)}: {result}");
    }

    private static async Task<NpgsqlConnection> OpenAsync(Node node, string database)
    {
        var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={node.Port};Username=postgres;Database={database};Pooling=false;Timeout=3");
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static int? PostmasterPid(Node node)
    {
        var file = Path.Combine(node.DataDirectory, "postmaster.pid");
        try
        {
            return File.Exists(file) && int.TryParse(File.ReadLines(file).FirstOrDefault(), out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool IsPostmasterOf(int pid, Node node)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains(node.DataDirectory, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
