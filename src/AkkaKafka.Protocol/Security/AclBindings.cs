using AkkaKafka.Protocol.Kafka.Apis;
using static AkkaKafka.Protocol.Kafka.Apis.KafkaAclCodes;

namespace AkkaKafka.Protocol.Security;

/// <summary>
/// Kafka's ACL model onto ours and back. Ours holds less: allow rules only, host "*" only, principals "User:NAME" (or
/// "User:*"), the topic, group and cluster resources, the operations of <see cref="AclOperation"/>, and a prefixed
/// pattern as the prefix followed by "*" (literal "*" is Kafka's wildcard as well). What it cannot hold is refused with
/// Kafka's INVALID_REQUEST and a line that says why, never stored as something else. Pure.
/// </summary>
public static class AclBindings
{
    public const string UserPrincipalPrefix = "User:";

    private static readonly (sbyte Code, AclResourceType Type)[] ResourceTypes =
        [(TopicResource, AclResourceType.Topic), (GroupResource, AclResourceType.Group), (ClusterResource, AclResourceType.Cluster),
         (TransactionalIdResource, AclResourceType.TransactionalId)];

    private static readonly (sbyte Code, AclOperation Operation)[] Operations =
    [
        (AllOperation, AclOperation.All), (ReadOperation, AclOperation.Read), (WriteOperation, AclOperation.Write),
        (CreateOperation, AclOperation.Create), (DeleteOperation, AclOperation.Delete), (AlterOperation, AclOperation.Alter),
        (DescribeOperation, AclOperation.Describe),
    ];

    /// <summary>Our rule for a CreateAcls creation, or the one line why our model cannot hold it.</summary>
    public static (AclRule? Rule, string? Refusal) ToRule(AclBinding acl)
    {
        if (acl.PermissionType == Deny)
            return (null, "DENY ACLs are not supported: the ACLs here only allow (what no ACL allows is denied).");
        if (acl.PermissionType != Allow) return (null, $"Invalid permissionType {acl.PermissionType}: an ACL to create is ALLOW.");
        if (acl.Host != Authorizer.Wildcard) return (null, $"Invalid host '{acl.Host}': ACLs here apply to every host ('*').");
        if (acl.PatternType is not (LiteralPattern or PrefixedPattern))
            return (null, $"Invalid patternType {acl.PatternType}: an ACL to create is LITERAL or PREFIXED.");
        if (ResourceTypeOf(acl.ResourceType) is not { } type)
            return (null, $"Invalid resourceType {acl.ResourceType}: ACLs here are on TOPIC, GROUP, CLUSTER or TRANSACTIONAL_ID.");
        if (OperationOf(acl.Operation) is not { } operation)
            return (null, $"Invalid operation {acl.Operation}: ACLs here grant ALL, READ, WRITE, CREATE, DELETE, ALTER or DESCRIBE.");
        if (UserOf(acl.Principal) is not { } user)
            return (null, $"Invalid principal '{acl.Principal}': principals here are User:NAME or User:*.");
        var name = acl.ResourceName ?? "";
        if (name.Length == 0) return (null, "Invalid resource name: it is empty.");
        // Ours marks a prefix by a trailing '*': a literal name ending in '*' would read as a prefix.
        if (acl.PatternType == LiteralPattern && name != Authorizer.Wildcard && name.EndsWith('*'))
            return (null, $"Invalid resource name '{name}': a literal name here cannot end in '*' (it would read as a prefix).");
        if (acl.PatternType == PrefixedPattern && name.EndsWith('*'))
            return (null, $"Invalid prefix '{name}': a prefix here cannot end in '*'.");
        return (new AclRule(user, type, acl.PatternType == PrefixedPattern ? name + "*" : name, operation), null);
    }

    /// <summary>Our rule as Kafka shows it.</summary>
    public static AclBinding ToBinding(AclRule rule)
    {
        var prefixed = rule.ResourceName != Authorizer.Wildcard && rule.ResourceName.EndsWith('*');
        return new AclBinding(ResourceTypes.First(t => t.Type == rule.ResourceType).Code,
            prefixed ? rule.ResourceName[..^1] : rule.ResourceName, prefixed ? PrefixedPattern : LiteralPattern,
            UserPrincipalPrefix + rule.User, Authorizer.Wildcard, Operations.First(o => o.Operation == rule.Operation).Code, Allow);
    }

    /// <summary>Why a DescribeAcls or DeleteAcls filter is not one Kafka accepts (UNKNOWN codes); null when it is.</summary>
    public static string? FilterRefusal(AclBinding filter) =>
        filter.ResourceType == Unknown ? "Invalid resourceType UNKNOWN in the filter."
        : filter.PatternType == Unknown ? "Invalid patternType UNKNOWN in the filter."
        : filter.Operation == Unknown ? "Invalid operation UNKNOWN in the filter."
        : filter.PermissionType == Unknown ? "Invalid permissionType UNKNOWN in the filter."
        : null;

    /// <summary>
    /// Kafka's filter semantics: null and ANY match everything; LITERAL and PREFIXED match rules of that pattern with
    /// that exact name; MATCH matches every rule that applies to the named resource (the literal name, the wildcard,
    /// and each prefix of it). Our rules are all ALLOW on host "*".
    /// </summary>
    public static bool Matches(AclBinding filter, AclRule rule)
    {
        var acl = ToBinding(rule);
        if (filter.ResourceType != Any && filter.ResourceType != acl.ResourceType) return false;
        if (filter.Operation != Any && filter.Operation != acl.Operation) return false;
        if (filter.PermissionType != Any && filter.PermissionType != acl.PermissionType) return false;
        if (filter.Host is not null && filter.Host != acl.Host) return false;
        if (filter.Principal is not null && filter.Principal != acl.Principal) return false;
        return filter.PatternType switch
        {
            Any => filter.ResourceName is null || filter.ResourceName == acl.ResourceName,
            MatchPattern => filter.ResourceName is null
                || (acl.PatternType == LiteralPattern && (acl.ResourceName == filter.ResourceName || acl.ResourceName == Authorizer.Wildcard))
                || (acl.PatternType == PrefixedPattern && filter.ResourceName.StartsWith(acl.ResourceName!, StringComparison.Ordinal)),
            _ => filter.PatternType == acl.PatternType && (filter.ResourceName is null || filter.ResourceName == acl.ResourceName),
        };
    }

    private static AclResourceType? ResourceTypeOf(sbyte code) => ResourceTypes.Where(t => t.Code == code).Select(t => (AclResourceType?)t.Type).FirstOrDefault();

    private static AclOperation? OperationOf(sbyte code) => Operations.Where(o => o.Code == code).Select(o => (AclOperation?)o.Operation).FirstOrDefault();

    private static string? UserOf(string? principal) =>
        principal is not null && principal.StartsWith(UserPrincipalPrefix, StringComparison.Ordinal) && principal.Length > UserPrincipalPrefix.Length
            ? principal[UserPrincipalPrefix.Length..]
            : null;
}
