using System.Net;
using System.Net.Sockets;
using Akka.Configuration;
using AkkaKafka.Broker.Http;
using AkkaKafka.Protocol.Security;
using AkkaKafka.Protocol;

namespace AkkaKafka.Broker.Hosting;

/// <summary>
/// Brokers bind 127.0.0.1 unless told otherwise (--host); one bound where other machines reach it while a port of it
/// speaks plaintext gets one warning line naming those ports, so nobody exposes an unencrypted broker by accident.
/// </summary>
public static class BindWarning
{
    /// <summary>The warning for the broker this configuration starts, or null when it is loopback-only or all TLS.</summary>
    public static string? For(Config config)
    {
        var kafka = new KafkaListenerSettings(config);
        var host = kafka.BindHost;
        if (IsLoopback(host)) return null;
        var plaintext = new List<string>();
        if (!new RemoteTlsSettings(config).Enabled)
            plaintext.Add($"Akka remoting ({new SettingsBlock(config, "akka.remote.dot-netty.tcp").Int("port")})");
        // The Kafka listener's own certificate (akkakafka.security.kafka-tls), when that part is configured.
        if (kafka.Enabled && new Security.SecuritySettings(config).KafkaTls is null)
            plaintext.Add($"Kafka ({kafka.Port})");
        var http = new HttpSettings(config);
        if (http.Enabled && !http.Tls.Enabled)
            plaintext.Add($"HTTP ({http.Port})");
        return plaintext.Count == 0 ? null
            : $"warning: bound to {host}, reachable from other machines, without TLS on {string.Join(", ", plaintext)}: " +
              "anyone on the network can read and send there; give --tls-cert and --tls-key, or --host 127.0.0.1";
    }

    /// <summary>Whether <paramref name="host"/> names only loopback addresses (a name that does not resolve counts as not).</summary>
    public static bool IsLoopback(string host)
    {
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var address)) return IPAddress.IsLoopback(address);
        try
        {
            var addresses = Dns.GetHostAddresses(host);
            return addresses.Length > 0 && addresses.All(IPAddress.IsLoopback);
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
