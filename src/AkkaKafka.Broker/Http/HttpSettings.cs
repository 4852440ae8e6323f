using Akka.Actor;
using Akka.Configuration;

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
        var c = config.GetConfig("akkakafka.broker.http") ?? throw new ConfigurationException("akkakafka.broker.http section is missing");
        BindHost = config.GetString("akka.remote.dot-netty.tcp.hostname", "127.0.0.1");
        Port = c.GetInt("port", 8080);
        Admin = c.GetBoolean("admin", false);
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
