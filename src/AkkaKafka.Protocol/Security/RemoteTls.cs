using System.Security.Cryptography.X509Certificates;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace AkkaKafka.Protocol.Security;

/// <summary>
/// The one place that turns <see cref="RemoteTlsSettings"/> into Akka.Remote's TLS (dot-netty's enable-ssl and a
/// <see cref="DotNettySslSetup"/>), for brokers and clients alike.
/// </summary>
/// <remarks>
/// The certificate is handed to Akka as an X509Certificate2 through the setup, so PEM files work as they are (the
/// HOCON way needs a PFX file or a certificate store). What is verified: with require-mutual-authentication (the
/// default) both ends present a certificate, and each accepts the other's only if it chains to the configured
/// <c>ca</c> (by default the node's own certificate file, so nodes sharing one self-signed certificate trust each
/// other and nothing else), within its validity dates; the host name is not checked, as Akka's default
/// (validate-certificate-hostname = off). suppress-validation accepts any certificate: encrypted, not authenticated.
/// </remarks>
public static class RemoteTls
{
    /// <summary><paramref name="config"/> with remoting's SSL switched on or off as the settings say.</summary>
    public static Config Apply(Config config, RemoteTlsSettings settings) =>
        ConfigurationFactory.ParseString($"akka.remote.dot-netty.tcp.enable-ssl = {(settings.Enabled ? "on" : "off")}").WithFallback(config);

    /// <summary>The setup that gives Akka the certificate and our check of peers' certificates; null when TLS is off.</summary>
    /// <exception cref="ArgumentException">A file is missing or unreadable, or the key's passphrase is wrong (one line).</exception>
    public static DotNettySslSetup? Setup(RemoteTlsSettings settings)
    {
        if (!settings.Enabled) return null;
        var certificate = TlsCertificates.LoadWithKey(settings.CertFile, settings.KeyFile,
            Secrets.Read(settings.KeyPasswordFile, Secrets.TlsKeyPasswordVariable));
        var trusted = TlsCertificates.LoadAll(settings.CaFile ?? settings.CertFile);
        CertificateValidationCallback validator = settings.SuppressValidation
            ? (_, _, _, _, _) => true
            : (peer, chain, remote, _, log) =>
            {
                if (peer is null)
                {
                    log.Warning("TLS: {0} presented no certificate; refused", remote);
                    return false;
                }
                if (TlsCertificates.ChainsTo(peer, trusted, chain)) return true;
                log.Warning("TLS: the certificate of {0} ({1}) does not chain to the trusted certificates; refused", remote, peer.Subject);
                return false;
            };
        return new DotNettySslSetup(certificate, settings.SuppressValidation, settings.RequireMutualAuthentication,
            validateCertificateHostname: false, validator);
    }

    /// <summary>A bootstrap setup plus, with TLS on, the TLS setup.</summary>
    public static ActorSystemSetup With(ActorSystemSetup setup, RemoteTlsSettings settings) =>
        Setup(settings) is { } tls ? setup.And(tls) : setup;
}
