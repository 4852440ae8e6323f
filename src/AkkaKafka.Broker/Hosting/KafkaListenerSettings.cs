using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using AkkaKafka.Protocol;

namespace AkkaKafka.Broker.Hosting;

/// <summary>
/// The akkakafka.broker.kafka block of hocon/broker.hocon (the Kafka wire-protocol listener and this broker's Kafka
/// identity), read and validated once. The flags --kafka-port, --kafka-advertised-host and --broker-id override it.
/// </summary>
public sealed class KafkaListenerSettings
{
    public const int MaxPort = 65535;

    public KafkaListenerSettings(Config config)
    {
        var c = new SettingsBlock(config, "akkakafka.broker.kafka");
        BindHost = new SettingsBlock(config, "akka.remote.dot-netty.tcp").String("hostname");
        Port = c.Int("port");
        var advertised = c.String("advertised-host");
        // Kafka clients connect to exactly what Metadata names, so the default is the host the broker binds to.
        AdvertisedHost = string.IsNullOrWhiteSpace(advertised) ? BindHost : advertised.Trim();
        var brokerId = c.Int("broker-id");
        BrokerId = brokerId == -1 ? null : brokerId;
        SocketRequestMaxBytes = c.ByteSize("socket-request-max-bytes");

        if (Port is < 0 or > MaxPort) throw new ConfigurationException($"akkakafka.broker.kafka.port must be between 0 and {MaxPort}, got {Port}");
        if (brokerId < -1) throw new ConfigurationException($"akkakafka.broker.kafka.broker-id must be -1 (assigned by the controller) or at least 0, got {brokerId}");
        if (SocketRequestMaxBytes is < 1 or > int.MaxValue)
            throw new ConfigurationException($"akkakafka.broker.kafka.socket-request-max-bytes must be between 1 and {int.MaxValue}, got {SocketRequestMaxBytes}");
    }

    public static KafkaListenerSettings Create(ActorSystem system) => new(system.Settings.Config);

    /// <summary>The Kafka listener's port; 0 means this broker has no Kafka listener.</summary>
    public int Port { get; }

    public bool Enabled => Port != 0;

    /// <summary>The address to bind: the broker's --host.</summary>
    public string BindHost { get; }

    /// <summary>The host Kafka clients are told to connect to (--kafka-advertised-host, else the broker's --host).</summary>
    public string AdvertisedHost { get; }

    /// <summary>The Kafka node id given with --broker-id; null when the controller assigns one.</summary>
    public int? BrokerId { get; }

    /// <summary>Kafka's socket.request.max.bytes: a larger request frame closes the connection.</summary>
    public long SocketRequestMaxBytes { get; }

    /// <summary>"host:port" as Metadata advertises it; null when there is no listener.</summary>
    public string? AdvertisedEndpoint => Enabled ? FormatEndpoint(AdvertisedHost, Port) : null;

    /// <summary>What this broker tells the controller about itself, through its cluster roles.</summary>
    public BrokerRoleInfo RoleInfo => new(AdvertisedEndpoint, BrokerId);

    private static string FormatEndpoint(string host, int port) => $"{host}:{port.ToString(CultureInfo.InvariantCulture)}";
}
