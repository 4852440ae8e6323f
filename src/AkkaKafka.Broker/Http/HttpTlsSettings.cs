using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;
using AkkaKafka.Protocol.Security;
using AkkaKafka.Protocol;

namespace AkkaKafka.Broker.Http;

/// <summary>
/// HTTPS on the broker's HTTP port (akkakafka.security.http-tls in hocon/tls.hocon): its own certificate when one is
/// given, else the remoting certificate (--tls-cert/--tls-key), so one certificate configured once covers both ports.
/// </summary>
public sealed class HttpTlsSettings
{
    public HttpTlsSettings(Config config)
    {
        var remote = new RemoteTlsSettings(config);
        var c = new SettingsBlock(config, "akkakafka.security.http-tls");
        var (cert, key, passwordFile) = (c.String("cert"), c.String("key"), c.String("key-password-file"));
        if (cert.Length > 0)
        {
            CertFile = cert;
            KeyFile = key;
            KeyPasswordFile = passwordFile is { Length: > 0 } f ? f : null;
            if (KeyFile.Length == 0) throw new ConfigurationException("akkakafka.security.http-tls.cert needs akkakafka.security.http-tls.key");
        }
        else
        {
            CertFile = remote.CertFile;
            KeyFile = remote.KeyFile;
            KeyPasswordFile = remote.KeyPasswordFile;
        }
        TrustFile = remote.CaFile ?? (remote.Enabled ? remote.CertFile : CertFile);
    }

    public string CertFile { get; }
    public string KeyFile { get; }
    public string? KeyPasswordFile { get; }
    /// <summary>What a broker trusts when it reads another broker's HTTPS (the log sizes the console shows).</summary>
    public string TrustFile { get; }

    public bool Enabled => CertFile.Length > 0;
    public string Scheme => Enabled ? "https" : "http";

    /// <exception cref="ArgumentException">A file is missing or unreadable, or the passphrase is wrong (one line).</exception>
    public X509Certificate2 LoadCertificate() =>
        TlsCertificates.LoadWithKey(CertFile, KeyFile, Secrets.Read(KeyPasswordFile, Secrets.TlsKeyPasswordVariable));

    /// <summary>An HttpClient for other brokers' HTTP ports: with TLS, their certificates must chain to <see cref="TrustFile"/>.</summary>
    public HttpClient PeerClient()
    {
        if (!Enabled) return new HttpClient();
        var trusted = TlsCertificates.LoadAll(TrustFile);
        return new HttpClient(new SocketsHttpHandler
        {
            SslOptions =
            {
                // Brokers are addressed by IP as often as by name: the chain is what is checked, as on remoting.
                RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                    certificate is not null && TlsCertificates.ChainsTo(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()), trusted, chain),
            },
        });
    }
}
