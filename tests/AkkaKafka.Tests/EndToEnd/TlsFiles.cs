using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AkkaKafka.Tests.EndToEnd;

/// <summary>
/// A self-signed certificate for 127.0.0.1 and localhost, made with CertificateRequest and written as PEM files the
/// way an operator's openssl would leave them: the certificate, its key (plain, or encrypted with a passphrase).
/// </summary>
public sealed class TlsFiles
{
    private TlsFiles(string cert, string key, X509Certificate2 certificate)
    {
        CertFile = cert;
        KeyFile = key;
        Certificate = certificate;
    }

    public string CertFile { get; }
    public string KeyFile { get; }
    /// <summary>The certificate alone (no key), for a test's own HTTPS client to trust.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Brokers' and clients' flags for this certificate.</summary>
    public string[] Flags => ["--tls-cert", CertFile, "--tls-key", KeyFile];

    /// <param name="passphrase">Encrypts the key file (PKCS#8) with it when given.</param>
    public static TlsFiles Create(string directory, string name, string? passphrase = null)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certFile = Path.Combine(directory, $"{name}.crt.pem");
        var keyFile = Path.Combine(directory, $"{name}.key.pem");
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, passphrase is null
            ? key.ExportPkcs8PrivateKeyPem()
            : key.ExportEncryptedPkcs8PrivateKeyPem(passphrase, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000)));
        return new TlsFiles(certFile, keyFile, X509CertificateLoader.LoadCertificate(certificate.RawData));
    }

    /// <summary>An HttpClient that trusts exactly this certificate (as curl --cacert would).</summary>
    public HttpClient TrustingClient() => new(new SocketsHttpHandler
    {
        SslOptions =
        {
            RemoteCertificateValidationCallback = (_, presented, _, _) =>
                presented is not null && presented.GetRawCertData().AsSpan().SequenceEqual(Certificate.RawData),
        },
    });
}
