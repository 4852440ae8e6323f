using Akka.Configuration;
using AkkaKafka.Protocol;

namespace AkkaKafka.Broker.Hosting;

public enum JournalKind
{
    Sqlite,
    Postgres,
}

/// <summary>How to start one broker node: what the `akkakafka broker` flags say (tests build it directly).</summary>
public sealed record BrokerOptions
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = Names.DefaultRemotingPort;
    /// <summary>Seed nodes; a node given none seeds itself and forms a new cluster.</summary>
    public IReadOnlyList<HostPort> Seeds { get; init; } = [];
    public string DataDirectory { get; init; } = "data";
    public JournalKind Journal { get; init; } = JournalKind.Sqlite;
    /// <summary>PostgreSQL connection string (required with <see cref="JournalKind.Postgres"/>).</summary>
    public string? ConnectionString { get; init; }
    /// <summary>A user's HOCON file layered over hocon/ (--config).</summary>
    public string? ConfigFile { get; init; }
    /// <summary>Extra HOCON above everything but the flags; tests use it to shorten timings.</summary>
    public Config? Overrides { get; init; }
    /// <summary>Kafka listener port (--kafka-port; 0: none); null takes akkakafka.broker.kafka.port (9092), moved by <see cref="Port"/> - 4053 unless set there.</summary>
    public int? KafkaPort { get; init; }
    /// <summary>The host Kafka Metadata advertises (--kafka-advertised-host); null takes the HOCON setting, else <see cref="Host"/>.</summary>
    public string? KafkaAdvertisedHost { get; init; }
    /// <summary>Explicit Kafka node id (--broker-id); null takes the HOCON setting, else the controller assigns one.</summary>
    public int? BrokerId { get; init; }
    /// <summary>HTTP port for metrics, health, API and console (--http-port; 0: none); null takes akkakafka.broker.http.port (8080), moved by <see cref="Port"/> - 4053 unless set there.</summary>
    public int? HttpPort { get; init; }
    /// <summary>Allow creating and deleting topics over HTTP (--http-admin); null takes akkakafka.broker.http.admin (off).</summary>
    public bool? HttpAdmin { get; init; }
    /// <summary>The rolling log file for Akka's log (`akkakafka broker`: data/logs/broker-PORT.log); null: all on the terminal.</summary>
    public string? LogFile { get; init; }
    /// <summary>Show Akka's INFO log on the terminal too (--verbose), not only in <see cref="LogFile"/>.</summary>
    public bool Verbose { get; init; }
    /// <summary>TLS on remoting (and HTTP) from PEM files (--tls-cert, --tls-key); null takes akkakafka.security.remote-tls.</summary>
    public string? TlsCert { get; init; }
    public string? TlsKey { get; init; }
    /// <summary>Certificates a peer's must chain to (--tls-ca); null takes the HOCON setting, whose default is the certificate itself.</summary>
    public string? TlsCa { get; init; }
    /// <summary>File with the TLS key's passphrase (--tls-key-password-file); AKKAKAFKA_TLS_KEY_PASSWORD works too.</summary>
    public string? TlsKeyPasswordFile { get; init; }
    /// <summary>SASL mechanisms on the Kafka listener (--kafka-sasl-mechanisms); null takes akkakafka.security.kafka-sasl-mechanisms.</summary>
    public IReadOnlyList<string>? KafkaSaslMechanisms { get; init; }
    /// <summary>TLS on the Kafka listener from PEM files (--kafka-tls-cert, --kafka-tls-key); null takes akkakafka.security.kafka-tls.</summary>
    public string? KafkaTlsCert { get; init; }
    public string? KafkaTlsKey { get; init; }
    /// <summary>File with the Kafka TLS key's passphrase (--kafka-tls-key-password-file); AKKAKAFKA_KAFKA_TLS_KEY_PASSWORD works too.</summary>
    public string? KafkaTlsKeyPasswordFile { get; init; }
    /// <summary>Authorize every request with the users' ACL rules (--acls); null takes akkakafka.security.enabled.</summary>
    public bool? Acls { get; init; }
    /// <summary>Users allowed everything whatever the ACLs say (--super-users); null takes akkakafka.security.super-users.</summary>
    public IReadOnlyList<string>? SuperUsers { get; init; }
    /// <summary>How long start-up may take to join the cluster before it gives up.</summary>
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromSeconds(40);
}
