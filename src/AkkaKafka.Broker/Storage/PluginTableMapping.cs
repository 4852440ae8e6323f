using Akka.Configuration;

namespace AkkaKafka.Broker.Storage;

/// <summary>
/// One table of an Akka.Persistence.Sql plugin as its HOCON maps it: the database, the connection string, the schema
/// and table name of its table-mapping (the plugin's "default" mapping when none is set).
/// </summary>
public sealed record PluginTableMapping(JournalProvider Provider, string ConnectionString, string? Schema, string Table)
{
    /// <param name="plugin">The plugin's configuration block.</param>
    /// <param name="tableKey">The table's block in the mapping ("journal", "snapshot").</param>
    /// <param name="defaultTable">The table's name when the mapping does not say.</param>
    /// <returns>The mapping, and the column names by key with their defaults.</returns>
    public static (PluginTableMapping Mapping, Func<string, string, string> Column) Of(Config plugin, string tableKey, string defaultTable)
    {
        var names = plugin.GetConfig(plugin.GetString("table-mapping", "default"));
        var table = names?.GetConfig(tableKey);
        var columns = table?.GetConfig("columns");
        var schema = names?.GetString("schema-name", null);
        var mapping = new PluginTableMapping(
            JournalTable.ProviderOf(plugin.GetString("provider-name", "")),
            plugin.GetString("connection-string", ""),
            string.IsNullOrEmpty(schema) || schema == "null" ? null : schema,
            table?.GetString("table-name", defaultTable) ?? defaultTable);
        return (mapping, (key, fallback) => columns?.GetString(key, fallback) ?? fallback);
    }
}
