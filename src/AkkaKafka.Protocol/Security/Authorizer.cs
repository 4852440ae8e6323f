namespace AkkaKafka.Protocol.Security;

/// <summary>
/// Decides whether a user may do an operation on a resource, from the published users and allow rules, as Kafka's
/// AclAuthorizer does with allow rules only: superusers may do everything; otherwise a request is allowed when some
/// rule of the user (or of every user, "*") names the resource (literally, "*", or a "prefix*" it starts with) and
/// grants the operation, or grants All, or grants an operation that implies it (Read, Write, Delete and Alter imply
/// Describe). What no rule allows is denied. Pure, so the listener can call it on every request without an actor.
/// </summary>
public static class Authorizer
{
    /// <summary>Kafka's principal for a client that did not authenticate (no SASL on its listener).</summary>
    public const string Anonymous = "ANONYMOUS";

    /// <summary>The single cluster resource's name, as Kafka's.</summary>
    public const string ClusterResourceName = "kafka-cluster";

    /// <summary>A rule's user or resource name that matches every user or every resource of its type.</summary>
    public const string Wildcard = "*";

    public static bool IsAllowed(SecurityMetadata security, IReadOnlySet<string> superUsers, string user,
        AclResourceType resourceType, string resourceName, AclOperation operation)
    {
        if (superUsers.Contains(user)) return true;
        foreach (var rule in security.Acls)
            if (rule.ResourceType == resourceType
                && (rule.User == user || rule.User == Wildcard)
                && Grants(rule.Operation, operation)
                && Matches(rule.ResourceName, resourceName))
                return true;
        return false;
    }

    /// <summary>
    /// Kafka's rule for CreateTopics (and auto-creation): Create on the cluster allows creating any topic, Create on
    /// the topic (by a literal, "*" or prefixed rule) allows that one.
    /// </summary>
    public static bool MayCreateTopic(SecurityMetadata security, IReadOnlySet<string> superUsers, string user, string topic) =>
        IsAllowed(security, superUsers, user, AclResourceType.Cluster, ClusterResourceName, AclOperation.Create)
        || IsAllowed(security, superUsers, user, AclResourceType.Topic, topic, AclOperation.Create);

    /// <summary>Whether a rule granting <paramref name="granted"/> allows <paramref name="asked"/>.</summary>
    public static bool Grants(AclOperation granted, AclOperation asked) =>
        granted == AclOperation.All || granted == asked
        || (asked == AclOperation.Describe && granted is AclOperation.Read or AclOperation.Write or AclOperation.Delete or AclOperation.Alter);

    /// <summary>Whether a rule's resource pattern (literal, "*", or "prefix*") names <paramref name="name"/>.</summary>
    public static bool Matches(string pattern, string name) =>
        pattern == Wildcard
        || pattern == name
        || (pattern.Length > 1 && pattern[^1] == '*' && name.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal));
}
