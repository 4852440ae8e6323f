namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>DeleteAcls v0–3 (flexible from v2): filters as DescribeAcls's; every ACL a filter matches is deleted.</summary>
public sealed record DeleteAclsRequestData(IReadOnlyList<AclBinding> Filters) : IKafkaRequest
{
    public ApiKey ApiKey => ApiKey.DeleteAcls;

    public static DeleteAclsRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DeleteAcls, version);
        var filters = r.Array((ref KafkaReader f) =>
        {
            var filter = AclBinding.Read(ref f, version, flexible, nullable: true);
            f.TaggedFields(flexible);
            return filter;
        }, flexible);
        r.TaggedFields(flexible);
        return new DeleteAclsRequestData(filters);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DeleteAcls, version);
        w.Array(Filters, (f, filter) => { filter.Write(f, version, flexible); f.TaggedFields(flexible); }, flexible).TaggedFields(flexible);
    }
}

/// <summary>One result per filter, in the order of the request: its error, and each ACL it matched with that deletion's error.</summary>
public sealed record DeleteAclsResponseData(IReadOnlyList<DeleteAclsResponseData.FilterResult> FilterResults, int ThrottleTimeMs = 0) : IKafkaResponse
{
    public sealed record FilterResult(ErrorCode ErrorCode, string? ErrorMessage, IReadOnlyList<MatchingAcl> MatchingAcls);

    public sealed record MatchingAcl(ErrorCode ErrorCode, string? ErrorMessage, AclBinding Acl);

    public static DeleteAclsResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DeleteAcls, version);
        var throttle = r.Int32();
        var results = r.Array((ref KafkaReader f) =>
        {
            var error = (ErrorCode)f.Int16();
            var message = f.NullableString(flexible);
            var matching = f.Array((ref KafkaReader m) =>
            {
                var acl = new MatchingAcl((ErrorCode)m.Int16(), m.NullableString(flexible), AclBinding.Read(ref m, version, flexible, nullable: false));
                m.TaggedFields(flexible);
                return acl;
            }, flexible);
            f.TaggedFields(flexible);
            return new FilterResult(error, message, matching);
        }, flexible);
        r.TaggedFields(flexible);
        return new DeleteAclsResponseData(results, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DeleteAcls, version);
        w.Int32(ThrottleTimeMs).Array(FilterResults, (f, result) =>
        {
            f.Int16((short)result.ErrorCode).NullableString(result.ErrorMessage, flexible);
            f.Array(result.MatchingAcls, (m, acl) =>
            {
                m.Int16((short)acl.ErrorCode).NullableString(acl.ErrorMessage, flexible);
                acl.Acl.Write(m, version, flexible);
                m.TaggedFields(flexible);
            }, flexible);
            f.TaggedFields(flexible);
        }, flexible).TaggedFields(flexible);
    }
}
