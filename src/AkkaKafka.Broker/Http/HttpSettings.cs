using Akka.Actor;
using Akka.Configuration;
using AkkaKafka.Protocol;

namespace AkkaKafka.Broker.Http;

/// <summary>
/// The akkakafka.broker.http block of hocon/broker.hocon (metrics, health, JSON API and web console), read and
/// validated once. The flags --http-port and --http-admin override it.
/// </summary>
public sealed class HttpSettings
{
    public const int MaxPort = 65535;

    public HttpSettings(Config config)
    {
        var c = new SettingsBlock(config, "akkakafka.broker.http");
        BindHost = new SettingsBlock(config, "akka.remote.dot-netty.tcp").String("hostname");
        Port = c.Int("port");
        Admin = c.Boolean("admin");
        Tls = new HttpTlsSettings(config);
        if (Port is < 0 or > MaxPort) throw new ConfigurationException($"akkakafka.broker.http.port must be between 0 and {MaxPort}, got {Port}");
    }

    public static HttpSettings Create(ActorSystem system) => new(system.Settings.Config);

    /// <summary>The HTTP port; 0 means this broker serves no HTTP.</summary>
    public int Port { get; }

    public bool Enabled => Port != 0;

    /// <summary>The address to bind: the broker's --host.</summary>
    public string BindHost { get; }

    /// <summary>Whether the API and the console may create and delete topics (--http-admin); read-only otherwise.</summary>
    public bool Admin { get; }

    /// <summary>HTTPS, when a certificate is configured (its own, or the remoting one).</summary>
    public HttpTlsSettings Tls { get; }

    /// <summary>"host:port" other brokers' consoles link to; null when HTTP is off.</summary>
    public string? Endpoint => Enabled ? $"{BindHost}:{Port}" : null;
}
