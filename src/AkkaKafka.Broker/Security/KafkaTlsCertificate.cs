using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AkkaKafka.Broker.Hosting;

namespace AkkaKafka.Broker.Security;

/// <summary>
/// The Kafka listener's certificate: PEM files loaded with .NET's own loaders (X509Certificate2.CreateFromPemFile),
/// for Kestrel's TLS. Every way this can fail (missing or unreadable file, not PEM, key not matching the
/// certificate, wrong passphrase) is one line for the operator, at start-up.
/// </summary>
public static class KafkaTlsCertificate
{
    /// <exception cref="BrokerStartupException">The certificate or key cannot be loaded (one line saying why).</exception>
    public static X509Certificate2 Load(KafkaTlsSettings tls)
    {
        Require(tls.CertFile, "certificate");
        Require(tls.KeyFile, "key");
        var password = KeyPassword(tls);
        try
        {
            using var pem = password is null
                ? X509Certificate2.CreateFromPemFile(tls.CertFile, tls.KeyFile)
                : X509Certificate2.CreateFromEncryptedPemFile(tls.CertFile, password, tls.KeyFile);
            // A PEM key is ephemeral, which some TLS stacks (Windows' SChannel) refuse for a server: a PKCS#12 round trip
            // gives a certificate that SslStream accepts everywhere.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            throw new BrokerStartupException($"cannot use the Kafka TLS certificate '{tls.CertFile}' with the key '{tls.KeyFile}': {e.Message.ReplaceLineEndings(" ").Trim()}");
        }
    }

    /// <summary>The passphrase from key-password-file when one is named, else from AKKAKAFKA_KAFKA_TLS_KEY_PASSWORD, else none.</summary>
    private static string? KeyPassword(KafkaTlsSettings tls)
    {
        if (tls.KeyPasswordFile is { } file)
        {
            try
            {
                var text = File.ReadAllText(file);
                // `echo secret > file` leaves a line break that is not part of the passphrase.
                return text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new BrokerStartupException($"cannot read the Kafka TLS key password file '{file}': {e.Message}");
            }
        }
        return Environment.GetEnvironmentVariable(KafkaTlsSettings.KeyPasswordVariable) is { Length: > 0 } value ? value : null;
    }

    private static void Require(string file, string what)
    {
        if (!File.Exists(file)) throw new BrokerStartupException($"the Kafka TLS {what} file '{file}' does not exist");
    }
}
