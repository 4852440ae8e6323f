using Akka.Actor;
using Akka.Configuration;
using AkkaKafka.Protocol.Security;
using AkkaKafka.Protocol;

namespace AkkaKafka.Broker.Security;

/// <summary>
/// The akkakafka.security block of hocon/broker.hocon, read and validated once. Each part of the security work adds
/// its own keys here (the Kafka listener's SASL and TLS, remoting and HTTP TLS); defaults live in the hocon file.
/// </summary>
public sealed class SecuritySettings
{
    public SecuritySettings(Config config)
    {
        var c = new SettingsBlock(config, "akkakafka.security");
        Enabled = c.Boolean("enabled");
        SuperUsers = c.StringList("super-users").Select(u => u.Trim()).Where(u => u.Length > 0)
            .ToHashSet(StringComparer.Ordinal);
        KafkaSaslMechanisms = ReadSaslMechanisms(c);
        KafkaTls = KafkaTlsSettings.From(c);
        AkkaClientAuthentication = c.Boolean("akka-client-authentication");
    }

    public static SecuritySettings Create(ActorSystem system) => new(system.Settings.Config);

    /// <summary>Whether requests are authorized against the users and ACLs the controller keeps (off: everyone may do everything).</summary>
    public bool Enabled { get; }

    /// <summary>Users allowed everything whatever the ACLs say (Kafka's super.users, names without the "User:" prefix).</summary>
    public IReadOnlySet<string> SuperUsers { get; }

    /// <summary>
    /// The SASL mechanisms the Kafka listener asks of every client (Kafka's sasl.enabled.mechanisms), in the order the
    /// handshake lists them; empty: no SASL, every client is ANONYMOUS.
    /// </summary>
    public IReadOnlyList<string> KafkaSaslMechanisms { get; }

    public bool KafkaSasl => KafkaSaslMechanisms.Count > 0;

    /// <summary>
    /// With <see cref="Enabled"/>: Akka clients must log in as a user and their requests are authorized with the ACLs
    /// (akkakafka.security.akka-client-authentication, hocon/tls.hocon).
    /// </summary>
    public bool AkkaClientAuthentication { get; }

    /// <summary>TLS on the Kafka listener; null when it is plaintext.</summary>
    public KafkaTlsSettings? KafkaTls { get; }

    private static IReadOnlyList<string> ReadSaslMechanisms(SettingsBlock c)
    {
        var mechanisms = c.StringList("kafka-sasl-mechanisms").Select(m => m.Trim().ToUpperInvariant()).Where(m => m.Length > 0).Distinct().ToList();
        foreach (var m in mechanisms)
            if (!SaslMechanisms.All.Contains(m))
                throw new ConfigurationException($"akkakafka.security.kafka-sasl-mechanisms: unknown mechanism '{m}' (known: {string.Join(", ", SaslMechanisms.All)})");
        return mechanisms;
    }
}

/// <summary>
/// akkakafka.security.kafka-tls: PEM certificate and key for the Kafka listener. The key's passphrase, when it has one,
/// comes from a file (key-password-file, --kafka-tls-key-password-file) or from AKKAKAFKA_KAFKA_TLS_KEY_PASSWORD, never
/// from the command line itself, where `ps` would show it.
/// </summary>
public sealed record KafkaTlsSettings(string CertFile, string KeyFile, string? KeyPasswordFile)
{
    public const string KeyPasswordVariable = "AKKAKAFKA_KAFKA_TLS_KEY_PASSWORD";

    internal static KafkaTlsSettings? From(SettingsBlock security)
    {
        var cert = security.String("kafka-tls.cert").Trim();
        var key = security.String("kafka-tls.key").Trim();
        var passwordFile = security.String("kafka-tls.key-password-file").Trim();
        if (cert.Length == 0 && key.Length == 0) return null;
        if (cert.Length == 0 || key.Length == 0)
            throw new ConfigurationException("akkakafka.security.kafka-tls needs both cert and key (--kafka-tls-cert and --kafka-tls-key)");
        return new KafkaTlsSettings(cert, key, passwordFile.Length == 0 ? null : passwordFile);
    }
}
