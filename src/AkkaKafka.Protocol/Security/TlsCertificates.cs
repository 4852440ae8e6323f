using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AkkaKafka.Protocol.Security;

/// <summary>
/// PEM files into certificates with .NET's own loaders (no parsing of our own): a node's certificate with its
/// private key, and the certificates a peer's must chain to.
/// </summary>
public static class TlsCertificates
{
    /// <summary>The certificate in <paramref name="certFile"/> with the key in <paramref name="keyFile"/> (encrypted when a passphrase is given).</summary>
    /// <param name="what">What the certificate is for, as the one-line errors name it ("TLS", "Kafka TLS").</param>
    /// <param name="verb">How the load failure reads: "cannot {verb} the {what} certificate …".</param>
    /// <exception cref="ArgumentException">A file is missing, unreadable or not a PEM certificate/key, or the key does not match (one line).</exception>
    public static X509Certificate2 LoadWithKey(string certFile, string keyFile, string? keyPassword, string what = "TLS", string verb = "load")
    {
        Require(certFile, $"{what} certificate");
        Require(keyFile, $"{what} key");
        try
        {
            using var pem = keyPassword is null
                ? X509Certificate2.CreateFromPemFile(certFile, keyFile)
                : X509Certificate2.CreateFromEncryptedPemFile(certFile, keyPassword, keyFile);
            // A key loaded from PEM is ephemeral, which Windows' TLS (SChannel) refuses; a PKCS#12 round trip gives a
            // certificate that SslStream accepts as a server and client certificate on every platform.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"cannot {verb} the {what} certificate '{certFile}' with the key '{keyFile}': {OneLine(e.Message)}");
        }
    }

    /// <summary>Every certificate in a PEM file (a CA bundle, or a certificate followed by its chain).</summary>
    public static X509Certificate2Collection LoadAll(string pemFile)
    {
        Require(pemFile, "TLS certificate");
        var all = new X509Certificate2Collection();
        try
        {
            all.ImportFromPemFile(pemFile);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException($"cannot read the certificates in '{pemFile}': {OneLine(e.Message)}");
        }
        if (all.Count == 0) throw new ArgumentException($"'{pemFile}' holds no PEM certificate");
        return all;
    }

    /// <summary>
    /// Whether <paramref name="peer"/> chains to one of <paramref name="trusted"/>, with the system's roots left out:
    /// only the operator's certificates make a peer trusted. Validity dates are checked; revocation is not (a
    /// private CA has no revocation list), nor the host name (brokers are often addressed by IP).
    /// </summary>
    public static bool ChainsTo(X509Certificate2 peer, X509Certificate2Collection trusted, X509Chain? presented)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // Intermediates the peer sent along help build the chain; they are not trusted for it.
        if (presented is not null)
            foreach (var element in presented.ChainElements)
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        return chain.Build(peer);
    }

    private static void Require(string file, string what)
    {
        if (!File.Exists(file)) throw new ArgumentException($"the {what} file '{file}' does not exist");
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
