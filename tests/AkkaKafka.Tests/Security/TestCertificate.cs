using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AkkaKafka.Tests.Security;

/// <summary>
/// A self-signed certificate for 127.0.0.1 and localhost, made by the spec with .NET's CertificateRequest and written
/// as PEM files (certificate, PKCS#8 key), which is what an operator gives the broker and what clients trust as
/// their CA (ssl.ca.location). Its directory is removed on dispose.
/// </summary>
public sealed class TestCertificate : IDisposable
{
    private TestCertificate(string directory)
    {
        Directory = directory;
    }

    public string Directory { get; }
    public string CertFile => Path.Combine(Directory, "broker.pem");
    public string KeyFile => Path.Combine(Directory, "broker-key.pem");

    public static TestCertificate Create()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("akkakafka-tls-").FullName;
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=akkakafka-test-broker", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyCertSign, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false)); // server authentication
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var result = new TestCertificate(directory);
        File.WriteAllText(result.CertFile, certificate.ExportCertificatePem());
        File.WriteAllText(result.KeyFile, key.ExportPkcs8PrivateKeyPem());
        return result;
    }

    /// <summary>The certificate's key again, encrypted with <paramref name="passphrase"/> (PKCS#8, as `openssl pkcs8 -topk8` writes it).</summary>
    public string WriteEncryptedKey(string passphrase)
    {
        using var key = RSA.Create();
        key.ImportFromPem(File.ReadAllText(KeyFile));
        var file = Path.Combine(Directory, "broker-key-encrypted.pem");
        File.WriteAllText(file, key.ExportEncryptedPkcs8PrivateKeyPem(passphrase,
            new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000)));
        return file;
    }

    /// <summary>Another key, which does not belong to the certificate: what a start-up with mismatched files is given.</summary>
    public string WriteOtherKey()
    {
        using var other = RSA.Create(2048);
        var file = Path.Combine(Directory, "other-key.pem");
        File.WriteAllText(file, other.ExportPkcs8PrivateKeyPem());
        return file;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException) { }
    }
}
