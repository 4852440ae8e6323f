using Akka.Configuration;

namespace AkkaKafka.Broker.Storage;

/// <summary>
/// Where Akka.Persistence.Sql keeps journal rows, read from the journal plugin's own HOCON (its table mapping,
/// schema, table and column names) so the bulk reader queries exactly the table the journal writes.
/// Absent keys take Akka.Persistence.Sql's "default" mapping (table journal, snake_case columns).
/// </summary>
public sealed record JournalTable(
    JournalProvider Provider,
    string ConnectionString,
    string? Schema,
    string Table,
    string PersistenceId,
    string SequenceNumber,
    string Deleted,
    string Message,
    string Identifier,
    string Manifest)
{
    public static JournalTable FromConfig(Config config)
    {
        var pluginPath = config.GetString("akka.persistence.journal.plugin", "akka.persistence.journal.sql");
        var plugin = config.GetConfig(pluginPath) ?? throw new ConfigurationException($"journal plugin '{pluginPath}' has no configuration");
        var providerName = plugin.GetString("provider-name", "");
        var provider = providerName.StartsWith("SQLite", StringComparison.OrdinalIgnoreCase) ? JournalProvider.Sqlite
            : providerName.StartsWith("PostgreSQL", StringComparison.OrdinalIgnoreCase) ? JournalProvider.Postgres
            : throw new ConfigurationException($"reading old records needs a SQLite or PostgreSQL journal, not provider '{providerName}'");
        var mapping = plugin.GetString("table-mapping", "default");
        var names = plugin.GetConfig(mapping);
        var journal = names?.GetConfig("journal");
        var columns = journal?.GetConfig("columns");
        string Column(string key, string fallback) => columns?.GetString(key, fallback) ?? fallback;
        var schema = names?.GetString("schema-name", null);
        return new JournalTable(
            provider,
            plugin.GetString("connection-string", ""),
            string.IsNullOrEmpty(schema) || schema == "null" ? null : schema,
            journal?.GetString("table-name", "journal") ?? "journal",
            Column("persistence-id", "persistence_id"),
            Column("sequence-number", "sequence_number"),
            Column("deleted", "deleted"),
            Column("message", "message"),
            Column("identifier", "identifier"),
            Column("manifest", "manifest"));
    }

    /// <summary>
    /// Stored events of one persistence id from a sequence number on, oldest first, deleted rows left out. Both
    /// databases answer it from the journal's unique (persistence_id, sequence_number) index. Identifiers are quoted
    /// as the journal created them (PostgreSQL folds unquoted names to lower case).
    /// </summary>
    public string RangeQuery =>
        $"SELECT {Q(SequenceNumber)}, {Q(Message)}, {Q(Identifier)}, {Q(Manifest)} FROM {QualifiedTable} " +
        $"WHERE {Q(PersistenceId)} = @pid AND {Q(SequenceNumber)} >= @from AND NOT {Q(Deleted)} " +
        $"ORDER BY {Q(SequenceNumber)} LIMIT @limit";

    private string QualifiedTable => Schema is null ? Q(Table) : $"{Q(Schema)}.{Q(Table)}";

    private static string Q(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";
}

public enum JournalProvider
{
    Sqlite,
    Postgres,
}
