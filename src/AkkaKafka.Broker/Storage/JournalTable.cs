using Akka.Configuration;

namespace AkkaKafka.Broker.Storage;

/// <summary>
/// Where Akka.Persistence.Sql keeps journal rows, read from the journal plugin's own HOCON (its table mapping,
/// schema, table and column names) so the bulk reader queries exactly the table the journal writes.
/// Absent keys take Akka.Persistence.Sql's "default" mapping (table journal, snake_case columns).
/// </summary>
public sealed record JournalTable(
    PluginTableMapping Mapping,
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
        var (mapping, column) = PluginTableMapping.Of(plugin, "journal", "journal");
        return new JournalTable(
            mapping,
            column("persistence-id", "persistence_id"),
            column("sequence-number", "sequence_number"),
            column("deleted", "deleted"),
            column("message", "message"),
            column("identifier", "identifier"),
            column("manifest", "manifest"));
    }

    /// <summary>The database behind a plugin's provider-name: the broker reads its tables itself, so it must know the SQL.</summary>
    public static JournalProvider ProviderOf(string providerName) =>
        providerName.StartsWith("SQLite", StringComparison.OrdinalIgnoreCase) ? JournalProvider.Sqlite
        : providerName.StartsWith("PostgreSQL", StringComparison.OrdinalIgnoreCase) ? JournalProvider.Postgres
        : throw new ConfigurationException($"the broker reads a SQLite or PostgreSQL journal, not provider '{providerName}'");

    /// <summary>
    /// Stored events of one persistence id from a sequence number on, oldest first, deleted rows left out. Both
    /// databases answer it from the journal's unique (persistence_id, sequence_number) index. Identifiers are quoted
    /// as the journal created them (PostgreSQL folds unquoted names to lower case).
    /// </summary>
    public string RangeQuery =>
        $"SELECT {Q(SequenceNumber)}, {Q(Message)}, {Q(Identifier)}, {Q(Manifest)} FROM {QualifiedTable} " +
        $"WHERE {Q(PersistenceId)} = @pid AND {Q(SequenceNumber)} >= @from AND NOT {Q(Deleted)} " +
        $"ORDER BY {Q(SequenceNumber)} LIMIT @limit";

    /// <summary>
    /// What a recovery replays: the stored events of one persistence id between two sequence numbers, oldest first,
    /// deleted rows left out, at most @limit of them; the same rows Akka.Persistence.Sql's own replay selects.
    /// </summary>
    public string ReplayQuery =>
        $"SELECT {Q(SequenceNumber)}, {Q(Message)}, {Q(Identifier)}, {Q(Manifest)} FROM {QualifiedTable} " +
        $"WHERE {Q(PersistenceId)} = @pid AND {Q(SequenceNumber)} >= @from AND {Q(SequenceNumber)} <= @to AND NOT {Q(Deleted)} " +
        $"ORDER BY {Q(SequenceNumber)} LIMIT @limit";

    /// <summary>The highest sequence number of one persistence id above @from, deleted rows included (NULL when none).</summary>
    public string HighestSequenceNrQuery =>
        $"SELECT MAX({Q(SequenceNumber)}) FROM {QualifiedTable} WHERE {Q(PersistenceId)} = @pid AND {Q(SequenceNumber)} > @from";

    private string QualifiedTable => Qualified(Mapping.Schema, Mapping.Table);

    internal static string Qualified(string? schema, string table) => schema is null ? Q(table) : $"{Q(schema)}.{Q(table)}";

    internal static string Q(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";
}

public enum JournalProvider
{
    Sqlite,
    Postgres,
}
