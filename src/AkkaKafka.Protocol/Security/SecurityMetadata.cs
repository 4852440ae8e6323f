namespace AkkaKafka.Protocol.Security;

/// <summary>A user the operator created: its name and one salted credential per SCRAM mechanism.</summary>
public sealed record UserCredentials(string Name, IReadOnlyList<ScramCredential> Credentials)
{
    public ScramCredential? For(string mechanism)
    {
        foreach (var c in Credentials)
            if (c.Mechanism == mechanism) return c;
        return null;
    }
}

/// <summary>What an ACL rule protects, as Kafka's resource types.</summary>
public enum AclResourceType
{
    Topic,
    Group,
    Cluster,
    /// <summary>Kafka's TRANSACTIONAL_ID: InitProducerId and transactional produce (Write), DescribeTransactions and ListTransactions (Describe).</summary>
    TransactionalId,
}

/// <summary>The operations an allow rule grants (Kafka's words; <see cref="All"/> grants every one).</summary>
public enum AclOperation
{
    Read,
    Write,
    Create,
    Delete,
    Describe,
    Alter,
    All,
}

/// <summary>
/// An allow rule: <paramref name="User"/> may do <paramref name="Operation"/> on the resource. <paramref name="ResourceName"/>
/// is a literal name, "*" for every resource of the type, or a prefix ending in "*" ("orders-*"), as Kafka's literal,
/// wildcard and prefixed patterns. There are no deny rules: what no rule allows is denied (superusers excepted).
/// </summary>
public sealed record AclRule(string User, AclResourceType ResourceType, string ResourceName, AclOperation Operation)
{
    /// <summary>One line for an operator: "user alice may read on topic orders-*".</summary>
    public string Describe() =>
        $"user {User} may {Operation.ToString().ToLowerInvariant()} on {ResourceType.ToString().ToLowerInvariant()} {ResourceName}";
}

/// <summary>
/// Users and ACLs as the controller publishes them to the brokers only (never to clients: it holds the credentials).
/// <see cref="Version"/> only grows, as the cluster metadata's.
/// </summary>
public sealed record SecurityMetadata(long Version, IReadOnlyList<UserCredentials> Users, IReadOnlyList<AclRule> Acls)
{
    public static readonly SecurityMetadata Empty = new(0, [], []);

    public UserCredentials? User(string name)
    {
        foreach (var u in Users)
            if (u.Name == name) return u;
        return null;
    }
}
