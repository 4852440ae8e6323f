using Akka.Actor;
using Akka.Configuration;

namespace AkkaKafka.Broker.Security;

/// <summary>
/// The akkakafka.security block of hocon/broker.hocon, read and validated once. Each part of the security work adds
/// its own keys here (the Kafka listener's SASL and TLS, remoting and HTTP TLS); defaults live in the hocon file.
/// </summary>
public sealed class SecuritySettings
{
    public SecuritySettings(Config config)
    {
        var c = config.GetConfig("akkakafka.security") ?? Config.Empty;
        Enabled = c.GetBoolean("enabled", false);
        SuperUsers = (c.GetStringList("super-users", []) ?? []).Select(u => u.Trim()).Where(u => u.Length > 0)
            .ToHashSet(StringComparer.Ordinal);
    }

    public static SecuritySettings Create(ActorSystem system) => new(system.Settings.Config);

    /// <summary>Whether requests are authorized against the users and ACLs the controller keeps (off: everyone may do everything).</summary>
    public bool Enabled { get; }

    /// <summary>Users allowed everything whatever the ACLs say (Kafka's super.users, names without the "User:" prefix).</summary>
    public IReadOnlySet<string> SuperUsers { get; }
}
