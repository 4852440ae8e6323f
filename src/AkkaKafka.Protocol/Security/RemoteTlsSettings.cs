using Akka.Configuration;

namespace AkkaKafka.Protocol.Security;

/// <summary>
/// akkakafka.security.remote-tls (hocon/tls.hocon; the flags --tls-cert, --tls-key, --tls-ca and
/// --tls-key-password-file override it): TLS on Akka remoting, the same for brokers and clients.
/// </summary>
public sealed class RemoteTlsSettings
{
    public const string Path = "akkakafka.security.remote-tls";

    public RemoteTlsSettings(Config config)
    {
        var c = new SettingsBlock(config, Path);
        CertFile = c.String("cert");
        KeyFile = c.String("key");
        KeyPasswordFile = c.String("key-password-file") is { Length: > 0 } f ? f : null;
        CaFile = c.String("ca") is { Length: > 0 } ca ? ca : null;
        RequireMutualAuthentication = c.Boolean("require-mutual-authentication");
        SuppressValidation = c.Boolean("suppress-validation");
        if (CertFile.Length > 0 != KeyFile.Length > 0)
            throw new ConfigurationException("TLS on remoting needs both a certificate and its key (--tls-cert and --tls-key, or akkakafka.security.remote-tls.cert and .key)");
    }

    /// <summary>PEM certificate of this node; empty: remoting in plaintext.</summary>
    public string CertFile { get; }
    public string KeyFile { get; }
    /// <summary>File with the key's passphrase; without it <see cref="Secrets.TlsKeyPasswordVariable"/>, if set.</summary>
    public string? KeyPasswordFile { get; }
    /// <summary>Certificates a peer's must chain to; null: those of <see cref="CertFile"/>.</summary>
    public string? CaFile { get; }
    public bool RequireMutualAuthentication { get; }
    public bool SuppressValidation { get; }

    public bool Enabled => CertFile.Length > 0;

    /// <summary>The remoting scheme peers use to address this node: Akka.Remote names TLS addresses akka.ssl.tcp.</summary>
    public string Scheme => Enabled ? "akka.ssl.tcp" : "akka.tcp";
}
