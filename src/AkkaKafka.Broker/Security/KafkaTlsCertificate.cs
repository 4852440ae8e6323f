using System.Security.Cryptography.X509Certificates;
using AkkaKafka.Broker.Hosting;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Broker.Security;

/// <summary>
/// The Kafka listener's certificate for Kestrel's TLS: PEM files loaded as remoting's are (<see cref="TlsCertificates"/>),
/// the key's passphrase read as every secret is (<see cref="Secrets"/>). Every way this can fail (missing or unreadable
/// file, not PEM, key not matching the certificate, wrong passphrase) is one line for the operator, at start-up.
/// </summary>
public static class KafkaTlsCertificate
{
    /// <exception cref="BrokerStartupException">The certificate or key cannot be loaded (one line saying why).</exception>
    public static X509Certificate2 Load(KafkaTlsSettings tls)
    {
        try
        {
            return TlsCertificates.LoadWithKey(tls.CertFile, tls.KeyFile, Secrets.Read(tls.KeyPasswordFile, KafkaTlsSettings.KeyPasswordVariable),
                what: "Kafka TLS", verb: "use");
        }
        catch (ArgumentException e)
        {
            throw new BrokerStartupException(e.Message);
        }
    }
}
