namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>Kafka's ACL enums as they travel (int8): resource types, pattern types, operations, permission types.</summary>
public static class KafkaAclCodes
{
    public const sbyte Unknown = 0, Any = 1;
    public const sbyte TopicResource = 2, GroupResource = 3, ClusterResource = 4, TransactionalIdResource = 5;
    public const sbyte MatchPattern = 2, LiteralPattern = 3, PrefixedPattern = 4;
    public const sbyte AllOperation = 2, ReadOperation = 3, WriteOperation = 4, CreateOperation = 5, DeleteOperation = 6,
        AlterOperation = 7, DescribeOperation = 8;
    public const sbyte Deny = 2, Allow = 3;
}

/// <summary>
/// One ACL as Kafka writes it (a CreateAcls creation, an entry of a DeleteAcls answer), or a filter over ACLs (DescribeAcls,
/// DeleteAcls): in a filter, null strings and <see cref="KafkaAclCodes.Any"/> codes match everything. PatternType exists
/// from v1 on; at v0 it is LITERAL, so a v0 client neither sends nor sees prefixed ACLs.
/// </summary>
public sealed record AclBinding(sbyte ResourceType, string? ResourceName, sbyte PatternType, string? Principal, string? Host,
    sbyte Operation, sbyte PermissionType)
{
    /// <summary>The fields in Kafka's order; <paramref name="nullable"/> for a filter's strings.</summary>
    public static AclBinding Read(ref KafkaReader r, short version, bool flexible, bool nullable)
    {
        var type = r.Int8();
        var name = nullable ? r.NullableString(flexible) : r.String(flexible);
        var pattern = version >= 1 ? r.Int8() : KafkaAclCodes.LiteralPattern;
        var principal = nullable ? r.NullableString(flexible) : r.String(flexible);
        var host = nullable ? r.NullableString(flexible) : r.String(flexible);
        return new AclBinding(type, name, pattern, principal, host, r.Int8(), r.Int8());
    }

    public void Write(KafkaWriter w, short version, bool flexible)
    {
        w.Int8(ResourceType).NullableString(ResourceName, flexible);
        if (version >= 1) w.Int8(PatternType);
        w.NullableString(Principal, flexible).NullableString(Host, flexible).Int8(Operation).Int8(PermissionType);
    }
}

/// <summary>DescribeAcls v0–3 (flexible from v2; v3 only adds the USER resource type, which we never store).</summary>
public sealed record DescribeAclsRequestData(AclBinding Filter) : IKafkaRequest
{
    public ApiKey ApiKey => ApiKey.DescribeAcls;

    public static DescribeAclsRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DescribeAcls, version);
        var filter = AclBinding.Read(ref r, version, flexible, nullable: true);
        r.TaggedFields(flexible);
        return new DescribeAclsRequestData(filter);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DescribeAcls, version);
        Filter.Write(w, version, flexible);
        w.TaggedFields(flexible);
    }
}

/// <summary>The ACLs that matched, grouped by resource (type, name, pattern type), each with principal, host, operation, permission.</summary>
public sealed record DescribeAclsResponseData(ErrorCode ErrorCode, string? ErrorMessage, IReadOnlyList<DescribeAclsResponseData.DescribeAclsResource> Resources,
    int ThrottleTimeMs = 0) : IKafkaResponse
{
    public sealed record DescribeAclsResource(sbyte ResourceType, string ResourceName, sbyte PatternType, IReadOnlyList<AclDescription> Acls);

    public sealed record AclDescription(string Principal, string Host, sbyte Operation, sbyte PermissionType);

    public static DescribeAclsResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DescribeAcls, version);
        var throttle = r.Int32();
        var error = (ErrorCode)r.Int16();
        var message = r.NullableString(flexible);
        var resources = r.Array((ref KafkaReader res) =>
        {
            var type = res.Int8();
            var name = res.String(flexible);
            var pattern = version >= 1 ? res.Int8() : KafkaAclCodes.LiteralPattern;
            var acls = res.Array((ref KafkaReader a) =>
            {
                var acl = new AclDescription(a.String(flexible), a.String(flexible), a.Int8(), a.Int8());
                a.TaggedFields(flexible);
                return acl;
            }, flexible);
            res.TaggedFields(flexible);
            return new DescribeAclsResource(type, name, pattern, acls);
        }, flexible);
        r.TaggedFields(flexible);
        return new DescribeAclsResponseData(error, message, resources, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DescribeAcls, version);
        w.Int32(ThrottleTimeMs).Int16((short)ErrorCode).NullableString(ErrorMessage, flexible);
        w.Array(Resources, (res, resource) =>
        {
            res.Int8(resource.ResourceType).String(resource.ResourceName, flexible);
            if (version >= 1) res.Int8(resource.PatternType);
            res.Array(resource.Acls, (a, acl) =>
                a.String(acl.Principal, flexible).String(acl.Host, flexible).Int8(acl.Operation).Int8(acl.PermissionType).TaggedFields(flexible), flexible);
            res.TaggedFields(flexible);
        }, flexible);
        w.TaggedFields(flexible);
    }
}
