using Akka.Configuration;

namespace AkkaKafka.Broker.Storage;

/// <summary>
/// Where Akka.Persistence.Sql keeps snapshots, read from the snapshot store plugin's own HOCON (its table mapping,
/// schema, table and column names), as <see cref="JournalTable"/> does for the journal. Absent keys take the
/// plugin's "default" mapping (table snapshot, snake_case columns).
/// </summary>
public sealed record SnapshotTable(
    PluginTableMapping Mapping,
    string PersistenceId,
    string SequenceNumber,
    string Created,
    string Snapshot,
    string Manifest,
    string SerializerId)
{
    /// <param name="plugin">The snapshot store plugin's configuration (what the plugin's constructor gets).</param>
    public static SnapshotTable FromConfig(Config plugin)
    {
        var (mapping, column) = PluginTableMapping.Of(plugin, "snapshot", "snapshot");
        return new SnapshotTable(
            mapping,
            column("persistence-id", "persistence_id"),
            column("sequence-number", "sequence_number"),
            column("created", "created"),
            column("snapshot", "snapshot"),
            column("manifest", "manifest"),
            column("serializerId", "serializer_id"));
    }

    /// <summary>The newest snapshot of one persistence id (the one a recovery loads), from the table's primary key.</summary>
    public string LatestQuery =>
        $"SELECT {JournalTable.Q(SequenceNumber)}, {JournalTable.Q(Created)}, {JournalTable.Q(Snapshot)}, {JournalTable.Q(Manifest)}, {JournalTable.Q(SerializerId)} " +
        $"FROM {JournalTable.Qualified(Mapping.Schema, Mapping.Table)} WHERE {JournalTable.Q(PersistenceId)} = @pid ORDER BY {JournalTable.Q(SequenceNumber)} DESC LIMIT 1";
}
