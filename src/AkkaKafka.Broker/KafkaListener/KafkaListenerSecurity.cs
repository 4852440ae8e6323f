using AkkaKafka.Broker.Security;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// What the Kafka listener needs to know about security: the settings (SASL mechanisms, whether requests are
/// authorized, the superusers) and the users and ACLs this broker last got from the controller, read without asking
/// an actor (a volatile reference the BrokerActor replaces).
/// </summary>
public sealed class KafkaListenerSecurity(SecuritySettings settings, ISecurityMetadataSource source, FailedLogins? failedLogins = null)
{
    /// <summary>The broker's count of failed logins (shared with Akka client logins); null: failures are not slowed down.</summary>
    public FailedLogins? FailedLogins => failedLogins;

    public SecuritySettings Settings => settings;

    public SecurityMetadata Current => source.Current;

    /// <summary>Whether each request is checked against the ACLs (akkakafka.security.enabled).</summary>
    public bool Authorizes => settings.Enabled;

    /// <summary>A new connection's SASL state; null when the listener has no SASL (every client is ANONYMOUS).</summary>
    public SaslSession? NewSession() => settings.KafkaSasl ? new SaslSession(settings.KafkaSaslMechanisms, name => source.Current.User(name)) : null;

    /// <summary>Whether <paramref name="user"/> may do <paramref name="operation"/> on the resource (always, when authorization is off).</summary>
    public bool IsAllowed(string user, AclResourceType type, string name, AclOperation operation) =>
        !settings.Enabled || Authorizer.IsAllowed(source.Current, settings.SuperUsers, user, type, name, operation);

    /// <summary>What <paramref name="user"/> may do under the ACLs the broker holds now (security on).</summary>
    public UserAccess AccessOf(string user) => new(source.Current, settings.SuperUsers, user);

    public bool MayCreateTopic(string user, string topic) =>
        !settings.Enabled || Authorizer.MayCreateTopic(source.Current, settings.SuperUsers, user, topic);
}
