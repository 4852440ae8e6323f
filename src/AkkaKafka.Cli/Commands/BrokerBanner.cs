using System.Globalization;
using System.Reflection;
using Akka.Cluster;
using AkkaKafka.Broker.Hosting;

namespace AkkaKafka.Cli.Commands;

/// <summary>
/// What `akkakafka broker` prints once the node is Up: who it is and where everything is, then "is up" (the line
/// scripts and the end-to-end specs wait for). After it, <see cref="EventLine"/> stamps each cluster event.
/// </summary>
internal static class BrokerBanner
{
    public static async Task<IReadOnlyList<string>> LinesAsync(BrokerNode node, BrokerOptions options)
    {
        var nodeId = await node.KafkaNodeIdAsync(TimeSpan.FromSeconds(2));
        var kafka = KafkaListenerSettings.Create(node.System);
        var kafkaLine = node.KafkaListener is { } listener
            ? listener.Endpoint + (kafka.AdvertisedEndpoint is { } advertised && advertised != listener.Endpoint.ToString() ? $" (advertised as {advertised})" : "")
            : "off (--kafka-port 0)";
        // How Kafka clients must connect: the security.protocol they need, and the SASL mechanisms the listener offers.
        if (node.KafkaListener is not null && Broker.Security.SecuritySettings.Create(node.System) is { } security && (security.KafkaTls is not null || security.KafkaSasl))
            kafkaLine += (security.KafkaTls is null ? ", SASL_PLAINTEXT" : security.KafkaSasl ? ", SASL_SSL" : ", SSL")
                         + (security.KafkaSasl ? $" ({string.Join(", ", security.KafkaSaslMechanisms)})" : "");
        var journal = options.Journal == JournalKind.Sqlite
            ? $"sqlite, data in {Path.GetFullPath(options.DataDirectory)}"
            : $"postgres, {PostgresTarget(options.ConnectionString)}";
        var log = options.LogFile is null ? "terminal only"
            : Path.GetFullPath(options.LogFile) + (options.Verbose ? " (and here: --verbose)" : " (Akka's INFO messages; --verbose shows them here)");
        return
        [
            $"AkkaKafka {Version()} broker {node.BrokerId}" + (nodeId is { } id ? $", Kafka node id {id}" : ""),
            $"  Remoting: {Cluster.Get(node.System).SelfAddress}",
            $"  Kafka:    {kafkaLine}",
            $"  HTTP:     {Http(node)}",
            $"  Journal:  {journal}",
            $"  Log:      {log}",
            // Up is cluster membership, not readiness: after a restart the partitions it owns may still be recovering.
            $"Broker {node.BrokerId} is up: a member of the cluster; ready once every partition it owns has recovered (/health/ready). Press Ctrl-C to leave the cluster.",
        ];
    }

    /// <summary>"08:00:04 broker 127.0.0.1:4054 joined the cluster": one line per event, stamped with the local time.</summary>
    public static string EventLine(string text) => $"{DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {text}";

    /// <summary>"1.0.0 (3f2a9c1)": the informational version with the commit SourceLink appends, shortened.</summary>
    private static string Version()
    {
        var informational = typeof(BrokerNode).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
        var plus = informational.IndexOf('+');
        return plus < 0 ? informational : $"{informational[..plus]} ({informational[(plus + 1)..][..Math.Min(7, informational.Length - plus - 1)]})";
    }

    /// <summary>Where the broker's HTTP listener (metrics, health, console) is bound, else "off".</summary>
    private static string Http(BrokerNode node) =>
        node.Http is { } http ? $"{http.Scheme}://{http.Endpoint}/ (console, /metrics, /health/ready)" : "off (--http-port 0)";

    /// <summary>Host, port and database of a PostgreSQL connection string, never its password.</summary>
    private static string PostgresTarget(string? connectionString)
    {
        var parts = (connectionString ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(kv => kv.Length == 2)
            .GroupBy(kv => kv[0].Trim().ToLowerInvariant())
            .ToDictionary(g => g.Key, g => g.Last()[1].Trim());
        var host = parts.GetValueOrDefault("host") ?? parts.GetValueOrDefault("server") ?? "localhost";
        var port = parts.GetValueOrDefault("port") is { } p ? ":" + p : "";
        var database = parts.GetValueOrDefault("database") ?? parts.GetValueOrDefault("db") ?? "(default database)";
        return $"{host}{port}/{database}";
    }
}
