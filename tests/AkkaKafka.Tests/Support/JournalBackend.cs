using AkkaKafka.Broker.Hosting;
using Npgsql;
using Xunit;

namespace AkkaKafka.Tests.Support;

/// <summary>
/// A journal database that persistence specs run against. Each backend is an xunit class fixture, so one abstract
/// spec class runs unchanged on every backend through a tiny subclass per backend.
/// </summary>
public abstract class JournalBackend
{
    public abstract string Name { get; }

    /// <summary>Skips the calling spec (or fails it on CI) when this backend cannot run here. Call before building a system.</summary>
    public abstract void EnsureAvailable();

    /// <summary>Node options pointing at this backend; <paramref name="dataDirectory"/> is the spec's own fresh directory.</summary>
    public abstract BrokerOptions Options(string dataDirectory);

    public override string ToString() => Name;
}

/// <summary>The embedded default: SQLite files in the spec's data directory (always available).</summary>
public sealed class SqliteJournal : JournalBackend
{
    public override string Name => "SQLite";

    public override void EnsureAvailable() { }

    public override BrokerOptions Options(string dataDirectory) => new() { Journal = JournalKind.Sqlite, DataDirectory = dataDirectory };
}

/// <summary>
/// PostgreSQL from <see cref="EnvironmentVariable"/>. Each spec class gets a database of its own, created here and
/// dropped on dispose, so classes running in parallel never see each other's rows.
/// Without the variable the specs are skipped locally, but fail when CI=true: CI must run them.
/// </summary>
public sealed class PostgresJournal : JournalBackend, IDisposable
{
    public const string EnvironmentVariable = "AKKAKAFKA_TEST_POSTGRES";

    private readonly string? _serverConnectionString;
    private readonly string? _database;
    private readonly Exception? _setupFailure;

    public PostgresJournal()
    {
        _serverConnectionString = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(_serverConnectionString))
        {
            _serverConnectionString = null;
            return;
        }
        try
        {
            _database = "akkakafka_" + Guid.NewGuid().ToString("N")[..16];
            using var connection = new NpgsqlConnection(_serverConnectionString);
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE {_database}", connection);
            command.ExecuteNonQuery();
            ConnectionString = new NpgsqlConnectionStringBuilder(_serverConnectionString) { Database = _database }.ToString();
        }
        catch (Exception e)
        {
            // Reported by EnsureAvailable as a failure of each spec: a configured server that does not work is not a skip.
            _setupFailure = e;
            _database = null;
        }
    }

    public override string Name => "PostgreSQL";

    /// <summary>Connection string of this fixture's own database.</summary>
    public string? ConnectionString { get; }

    public static bool RunningOnCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public override void EnsureAvailable()
    {
        if (_serverConnectionString is null)
        {
            if (RunningOnCi)
                throw new InvalidOperationException($"CI=true but {EnvironmentVariable} is not set: the PostgreSQL specs must run on CI.");
            Skip.If(true, $"{EnvironmentVariable} is not set (e.g. \"Host=127.0.0.1;Port=55432;Username=postgres;Database=akkakafka_test\")");
        }
        if (_setupFailure is not null)
            throw new InvalidOperationException($"{EnvironmentVariable} is set but creating a test database failed: {_setupFailure.Message}", _setupFailure);
    }

    public override BrokerOptions Options(string dataDirectory) =>
        new() { Journal = JournalKind.Postgres, ConnectionString = ConnectionString, DataDirectory = dataDirectory };

    public void Dispose()
    {
        if (_database is null || _serverConnectionString is null) return;
        NpgsqlConnection.ClearAllPools();
        using var connection = new NpgsqlConnection(_serverConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", connection);
        command.ExecuteNonQuery();
    }
}
