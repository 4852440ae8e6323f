using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Persistence.Sql.Config;
using LinqToDB;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace AkkaKafka.Broker.Hosting;

/// <summary>
/// Checks and prepares the journal's database before the actor system starts, so a missing, unwritable or
/// unreachable store is one clear error at start-up instead of failed writes later.
/// </summary>
public static class JournalStorage
{
    public const string JournalFile = "journal.db";
    public const string SnapshotFile = "snapshots.db";

    /// <summary>Returns (journal, snapshot) connection strings.</summary>
    public static async Task<(string Journal, string Snapshots)> PrepareAsync(BrokerOptions options, CancellationToken cancellationToken = default)
    {
        switch (options.Journal)
        {
            case JournalKind.Sqlite:
                var dir = Path.GetFullPath(options.DataDirectory);
                try
                {
                    Directory.CreateDirectory(dir);
                    var probe = Path.Combine(dir, $".write-probe-{Environment.ProcessId}");
                    await File.WriteAllTextAsync(probe, "ok", cancellationToken);
                    File.Delete(probe);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new BrokerStartupException($"data directory '{dir}' is not writable: {e.Message}");
                }
                return (PrepareSqlite(Path.Combine(dir, JournalFile)), PrepareSqlite(Path.Combine(dir, SnapshotFile)));

            case JournalKind.Postgres:
                if (string.IsNullOrWhiteSpace(options.ConnectionString))
                    throw new BrokerStartupException("--journal postgres needs a connection string \"Host=...;Username=...;Password=...;Database=...\": " +
                        $"--connection-string-file FILE or {Protocol.Security.Secrets.ConnectionStringVariable} (--connection-string would show the password to ps)");
                await CheckPostgresAsync(options.ConnectionString, cancellationToken);
                return (options.ConnectionString, options.ConnectionString);

            default:
                throw new BrokerStartupException($"unknown journal '{options.Journal}'");
        }
    }

    /// <summary>
    /// WAL lets readers (fetches, recovery) run beside the one writer, and brokers on one machine can share the file;
    /// the mode is stored in the file, so setting it once here covers every later connection. Microsoft.Data.Sqlite
    /// retries a busy database until the command timeout, which the connection string sets (the busy timeout).
    /// </summary>
    private static string PrepareSqlite(string path)
    {
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        try
        {
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL;";
            var mode = command.ExecuteScalar() as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                throw new BrokerStartupException($"SQLite file '{path}' could not be switched to WAL mode (got '{mode}')");
        }
        catch (SqliteException e)
        {
            throw new BrokerStartupException($"cannot open SQLite journal '{path}': {e.Message}");
        }
        return connectionString;
    }

    /// <summary>PRAGMA synchronous of the SQLite journal: what an acknowledged write survives (hocon/sqlite.hocon).</summary>
    public const string SynchronousPath = "akkakafka.storage.sqlite.synchronous";

    /// <summary>
    /// The key's name before it moved out of the journal plugin's block. It has no default any more, so it is there
    /// only when an operator's --config sets it: honoured, so an upgrade does not silently change what a write survives.
    /// </summary>
    public const string FormerSynchronousPath = "akka.persistence.journal.sql.sqlite-synchronous";

    /// <summary>
    /// The actor system's setup: for SQLite, every connection the journal and snapshot store open first sets
    /// <c>PRAGMA synchronous</c> from <see cref="SynchronousPath"/> (a per-connection setting, so it cannot live in the
    /// file or the connection string). With WAL, <c>normal</c> writes each commit to the WAL file before
    /// the write is acknowledged (a killed broker loses nothing) and syncs at checkpoints, so an OS crash or power cut
    /// can lose the last acknowledged writes; <c>full</c> syncs the WAL file before a commit returns.
    /// </summary>
    public static ActorSystemSetup Setup(Akka.Configuration.Config config, BrokerOptions options, string journal, string snapshots)
    {
        var setup = BootstrapSetup.Create().WithConfig(config);
        if (options.Journal != JournalKind.Sqlite) return ActorSystemSetup.Create(setup);
        var path = config.HasPath(FormerSynchronousPath) ? FormerSynchronousPath : SynchronousPath;
        var synchronous = (config.GetString(path) ?? "").ToUpperInvariant();
        if (synchronous is not ("OFF" or "NORMAL" or "FULL" or "EXTRA"))
            throw new BrokerStartupException($"{path} must be full, normal, extra or off (got '{synchronous.ToLowerInvariant()}')");
        var pragma = $"PRAGMA synchronous={synchronous};";
        var perPlugin = new MultiDataOptionsSetup();
        perPlugin.AddDataOptions("akka.persistence.journal.sql", WithPragma(journal, pragma));
        perPlugin.AddDataOptions("akka.persistence.query.journal.sql", WithPragma(journal, pragma));
        perPlugin.AddDataOptions("akka.persistence.snapshot-store.sql", WithPragma(snapshots, pragma));
        return ActorSystemSetup.Create(setup, perPlugin);
    }

    private static DataOptions WithPragma(string connectionString, string pragma) =>
        new DataOptions()
            .UseConnectionString(ProviderName.SQLiteMS, connectionString)
            .UseAfterConnectionOpened(
                connection =>
                {
                    using var command = connection.CreateCommand();
                    command.CommandText = pragma;
                    command.ExecuteNonQuery();
                },
                async (connection, cancellationToken) =>
                {
                    await using var command = connection.CreateCommand();
                    command.CommandText = pragma;
                    await command.ExecuteNonQueryAsync(cancellationToken);
                });

    private static async Task CheckPostgresAsync(string connectionString, CancellationToken cancellationToken)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new BrokerStartupException($"the connection string is not a valid PostgreSQL connection string: {e.Message}");
        }
        // Several hosts (a primary and its standbys, e.g. pg_auto_failover's formation): Npgsql takes the first that
        // answers unless told to look for the one that takes writes, and the journal only writes.
        if (builder.Host?.Contains(',') == true && builder.TargetSessionAttributes is not ("read-write" or "primary"))
            throw new BrokerStartupException($"the connection string names several hosts ({builder.Host}) but not \"Target Session Attributes=read-write\": " +
                "the journal must write to the primary, wherever it is");
        if (builder.Timeout > 10) builder.Timeout = 10;
        try
        {
            await using var connection = new NpgsqlConnection(builder.ToString());
            await connection.OpenAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw new BrokerStartupException($"cannot reach PostgreSQL at {builder.Host}:{builder.Port}: {e.Message}");
        }
    }
}

/// <summary>A start-up problem with a one-line explanation for the user.</summary>
public sealed class BrokerStartupException(string message) : Exception(message);
