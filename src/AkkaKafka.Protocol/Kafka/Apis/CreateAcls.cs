namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>CreateAcls v0–3 (flexible from v2): one <see cref="AclBinding"/> per creation, all fields set.</summary>
public sealed record CreateAclsRequestData(IReadOnlyList<AclBinding> Creations) : IKafkaRequest
{
    public ApiKey ApiKey => ApiKey.CreateAcls;

    public static CreateAclsRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.CreateAcls, version);
        var creations = r.Array((ref KafkaReader c) =>
        {
            var creation = AclBinding.Read(ref c, version, flexible, nullable: false);
            c.TaggedFields(flexible);
            return creation;
        }, flexible);
        r.TaggedFields(flexible);
        return new CreateAclsRequestData(creations);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.CreateAcls, version);
        w.Array(Creations, (c, creation) => { creation.Write(c, version, flexible); c.TaggedFields(flexible); }, flexible).TaggedFields(flexible);
    }
}

/// <summary>One result per creation, in the order of the request.</summary>
public sealed record CreateAclsResponseData(IReadOnlyList<CreateAclsResponseData.AclCreationResult> Results, int ThrottleTimeMs = 0) : IKafkaResponse
{
    public sealed record AclCreationResult(ErrorCode ErrorCode, string? ErrorMessage = null);

    public static CreateAclsResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.CreateAcls, version);
        var throttle = r.Int32();
        var results = r.Array((ref KafkaReader c) =>
        {
            var result = new AclCreationResult((ErrorCode)c.Int16(), c.NullableString(flexible));
            c.TaggedFields(flexible);
            return result;
        }, flexible);
        r.TaggedFields(flexible);
        return new CreateAclsResponseData(results, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.CreateAcls, version);
        w.Int32(ThrottleTimeMs)
            .Array(Results, (c, result) => c.Int16((short)result.ErrorCode).NullableString(result.ErrorMessage, flexible).TaggedFields(flexible), flexible)
            .TaggedFields(flexible);
    }
}
