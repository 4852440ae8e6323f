using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace AkkaKafka.Broker.Storage;

/// <summary>
/// Plain ADO.NET access to the tables the persistence plugins write, for the reads the broker does itself: a pooled
/// connection per call, no transaction (one SELECT is its own consistent read on both databases, and on SQLite in
/// WAL mode it never takes the write lock).
/// </summary>
public static class StorageConnections
{
    /// <summary>An open connection to the database holding <paramref name="table"/>.</summary>
    public static async Task<DbConnection> OpenAsync(PluginTableMapping table, CancellationToken cancellationToken)
    {
        DbConnection connection = table.Provider == JournalProvider.Sqlite ? new SqliteConnection() : new NpgsqlConnection();
        try
        {
            connection.ConnectionString = table.ConnectionString;
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
