using Akka.Cluster.Tools.Client;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using Akka.Persistence.Sql;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Broker.Hosting;

/// <summary>Builds a broker node's configuration: hocon/ files, then --config, then test overrides, then the flags.</summary>
public static class BrokerConfig
{
    /// <summary>
    /// A broker's reference configuration: every default of its settings (and of the Akka settings it changes), before
    /// --config, overrides and flags. A key a settings class reads and this lacks is a bug, not a default to invent.
    /// </summary>
    public static Config Reference(JournalKind journal = JournalKind.Sqlite) =>
        HoconFiles.Layer(
            HoconFiles.Tls,
            HoconFiles.Embedded(typeof(BrokerConfig).Assembly, "broker.hocon"),
            HoconFiles.Embedded(typeof(BrokerConfig).Assembly, journal == JournalKind.Sqlite ? "sqlite.hocon" : "postgres.hocon"),
            HoconFiles.Serialization);

    public static Config Build(BrokerOptions options, string journalConnectionString, string snapshotConnectionString)
    {
        var files = Reference(options.Journal);
        var user = options.ConfigFile is null ? Config.Empty : HoconFiles.LoadUserFile(options.ConfigFile);
        var seeds = options.Seeds.Count == 0 ? [new HostPort(options.Host, options.Port)] : options.Seeds;
        // The scheme of the seeds' addresses depends on TLS (akka.ssl.tcp), which the user's file may switch on.
        var tls = ConfigurationFactory.ParseString(TlsFlags(options));
        var scheme = new RemoteTlsSettings(new[] { tls, options.Overrides ?? Config.Empty, user }.Aggregate(files, (under, over) => over.IsEmpty ? under : over.WithFallback(under))).Scheme;
        var flags = ConfigurationFactory.ParseString($$"""
            akka.remote.dot-netty.tcp.hostname = {{Quote(options.Host)}}
            akka.remote.dot-netty.tcp.port = {{options.Port}}
            akka.cluster.seed-nodes = [{{string.Join(", ", seeds.Select(s => Quote($"{scheme}://{Names.BrokerSystem}@{s.Host}:{s.Port}")))}}]
            akka.persistence.journal.sql.connection-string = {{Quote(journalConnectionString)}}
            akka.persistence.snapshot-store.sql.connection-string = {{Quote(snapshotConnectionString)}}
            {{KafkaFlags(options)}}
            {{PortsFollowingPort(options, files, options.Overrides ?? Config.Empty, user)}}
            {{LogFlags(options)}}
            """);
        var merged = (tls.IsEmpty ? flags : flags.WithFallback(tls))
            .WithFallback(options.Overrides ?? Config.Empty)
            .WithFallback(user)
            .WithFallback(files)
            .WithFallback(ClusterSingleton.DefaultConfig())
            .WithFallback(ClusterClientReceptionist.DefaultConfig())
            // ClusterClient's Send reaches the receptionist as a pub-sub Send: bind its serializer, not JSON.
            .WithFallback(DistributedPubSub.DefaultConfig())
            .WithFallback(SqlPersistence.DefaultConfiguration);
        return RemoteTls.Apply(WithKafkaRoles(merged), new RemoteTlsSettings(merged));
    }

    private static string TlsFlags(BrokerOptions options)
    {
        var lines = new List<string>();
        if (options.TlsCert is { } cert) lines.Add($"{RemoteTlsSettings.Path}.cert = {Quote(Path.GetFullPath(cert))}");
        if (options.TlsKey is { } key) lines.Add($"{RemoteTlsSettings.Path}.key = {Quote(Path.GetFullPath(key))}");
        if (options.TlsCa is { } ca) lines.Add($"{RemoteTlsSettings.Path}.ca = {Quote(Path.GetFullPath(ca))}");
        if (options.TlsKeyPasswordFile is { } file) lines.Add($"{RemoteTlsSettings.Path}.key-password-file = {Quote(Path.GetFullPath(file))}");
        return string.Join("\n", lines);
    }

    private static string KafkaFlags(BrokerOptions options)
    {
        var lines = new List<string>();
        if (options.KafkaPort is { } port) lines.Add($"{KafkaPortPath} = {port}");
        if (options.KafkaAdvertisedHost is { } host) lines.Add($"akkakafka.broker.kafka.advertised-host = {Quote(host)}");
        if (options.BrokerId is { } id) lines.Add($"akkakafka.broker.kafka.broker-id = {id}");
        if (options.HttpPort is { } httpPort) lines.Add($"{HttpPortPath} = {httpPort}");
        if (options.HttpAdmin is { } admin) lines.Add($"akkakafka.broker.http.admin = {(admin ? "on" : "off")}");
        if (options.Acls is { } acls) lines.Add($"akkakafka.security.enabled = {(acls ? "on" : "off")}");
        if (options.SuperUsers is { } superUsers) lines.Add($"akkakafka.security.super-users = [{string.Join(", ", superUsers.Select(Quote))}]");
        if (options.KafkaSaslMechanisms is { } mechanisms) lines.Add($"akkakafka.security.kafka-sasl-mechanisms = [{string.Join(", ", mechanisms.Select(Quote))}]");
        if (options.KafkaTlsCert is { } cert) lines.Add($"akkakafka.security.kafka-tls.cert = {Quote(Path.GetFullPath(cert))}");
        if (options.KafkaTlsKey is { } key) lines.Add($"akkakafka.security.kafka-tls.key = {Quote(Path.GetFullPath(key))}");
        if (options.KafkaTlsKeyPasswordFile is { } passwordFile) lines.Add($"akkakafka.security.kafka-tls.key-password-file = {Quote(Path.GetFullPath(passwordFile))}");
        return string.Join("\n", lines);
    }

    /// <summary>
    /// Brokers on one machine differ by --port; their Kafka and HTTP ports move with it unless given (flag, --config or
    /// overrides): 9092 + (port - 4053) and 8080 + (port - 4053) by default, so brokers on 4053, 4054 and 4055 listen
    /// for Kafka on 9092-9094 and HTTP on 8080-8082, as run-cluster.ps1 starts them, and none fails on a taken 9092.
    /// </summary>
    private static string PortsFollowingPort(BrokerOptions options, Config files, params Config[] explicitLayers)
    {
        var shift = options.Port - Names.DefaultRemotingPort;
        var lines = new List<string>();
        foreach (var (path, flag, given) in new[] { (KafkaPortPath, "--kafka-port", options.KafkaPort), (HttpPortPath, "--http-port", options.HttpPort) })
        {
            if (shift == 0 || given is not null || explicitLayers.Any(layer => !layer.IsEmpty && layer.HasPath(path))) continue;
            var basePort = files.GetInt(path);
            if (basePort == 0) continue; // off stays off
            var derived = basePort + shift;
            if (derived is < 1 or > 65535)
                throw new ConfigurationException($"give {flag} with --port {options.Port}: the port it would follow, {basePort} + ({options.Port} - {Names.DefaultRemotingPort}) = {derived}, does not exist");
            lines.Add($"{path} = {derived}");
        }
        return string.Join("\n", lines);
    }

    private const string KafkaPortPath = "akkakafka.broker.kafka.port";
    private const string HttpPortPath = "akkakafka.broker.http.port";

    private static string LogFlags(BrokerOptions options)
    {
        var lines = new List<string>();
        if (options.LogFile is { } file) lines.Add($"akkakafka.broker.log.file = {Quote(Path.GetFullPath(file))}");
        if (options.Verbose) lines.Add("akkakafka.broker.log.terminal-level = INFO");
        return string.Join("\n", lines);
    }

    /// <summary>
    /// Adds the roles that tell the controller this broker's Kafka endpoint and explicit node id (see
    /// <see cref="BrokerRoles"/>) to the configured ones, from the final settings (HOCON, --config and flags alike).
    /// </summary>
    private static Config WithKafkaRoles(Config merged)
    {
        var kafka = new KafkaListenerSettings(merged);
        var roles = merged.GetStringList("akka.cluster.roles").Where(r => !BrokerRoles.IsKafkaRole(r) && !BrokerRoles.IsHttpRole(r))
            .Concat(BrokerRoles.For(kafka.RoleInfo)).Concat(BrokerRoles.ForHttp(new Http.HttpSettings(merged).Endpoint));
        return ConfigurationFactory.ParseString($"akka.cluster.roles = [{string.Join(", ", roles.Select(Quote))}]").WithFallback(merged);
    }

    internal static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
