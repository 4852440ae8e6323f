namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>DeleteGroups v0–1: delete empty groups and their committed offsets.</summary>
public sealed record DeleteGroupsRequestData(IReadOnlyList<string> GroupsNames) : IKafkaRequest
{
    public ApiKey ApiKey => ApiKey.DeleteGroups;

    public static DeleteGroupsRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DeleteGroups, version);
        var names = r.Array((ref KafkaReader e) => e.String(flexible), flexible);
        r.TaggedFields(flexible);
        return new DeleteGroupsRequestData(names);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DeleteGroups, version);
        w.Array(GroupsNames, (e, name) => e.String(name, flexible), flexible);
        w.TaggedFields(flexible);
    }
}

/// <summary>One group's outcome (NON_EMPTY_GROUP while members remain, GROUP_ID_NOT_FOUND if unknown).</summary>
public sealed record DeletableGroupResult(string GroupId, ErrorCode ErrorCode);

/// <summary>One result per named group. ThrottleTimeMs exists in every version.</summary>
public sealed record DeleteGroupsResponseData(IReadOnlyList<DeletableGroupResult> Results, int ThrottleTimeMs = 0) : IKafkaResponse
{
    public static DeleteGroupsResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DeleteGroups, version);
        var throttle = r.Int32();
        var results = r.Array((ref KafkaReader e) =>
        {
            var result = new DeletableGroupResult(e.String(flexible), (ErrorCode)e.Int16());
            e.TaggedFields(flexible);
            return result;
        }, flexible);
        r.TaggedFields(flexible);
        return new DeleteGroupsResponseData(results, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DeleteGroups, version);
        w.Int32(ThrottleTimeMs);
        w.Array(Results, (e, result) => e.String(result.GroupId, flexible).Int16((short)result.ErrorCode).TaggedFields(flexible), flexible);
        w.TaggedFields(flexible);
    }
}
