namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>ListGroups v0–2: no fields (v4+ adds state filters, not advertised).</summary>
public sealed record ListGroupsRequestData : IKafkaRequest
{
    public ApiKey ApiKey => ApiKey.ListGroups;

    public static ListGroupsRequestData Read(ref KafkaReader r, short version)
    {
        r.TaggedFields(KafkaApis.IsFlexible(ApiKey.ListGroups, version));
        return new ListGroupsRequestData();
    }

    public void Write(KafkaWriter w, short version) => w.TaggedFields(KafkaApis.IsFlexible(ApiKey.ListGroups, version));
}

/// <summary>A group this coordinator knows, with its protocol type ("consumer" for consumer groups).</summary>
public sealed record ListedGroup(string GroupId, string ProtocolType);

/// <summary>The groups of this coordinator. Absent in v0: ThrottleTimeMs (reads 0).</summary>
public sealed record ListGroupsResponseData(ErrorCode ErrorCode, IReadOnlyList<ListedGroup> Groups, int ThrottleTimeMs = 0) : IKafkaResponse
{
    public static ListGroupsResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.ListGroups, version);
        var throttle = version >= 1 ? r.Int32() : 0;
        var error = (ErrorCode)r.Int16();
        var groups = r.Array((ref KafkaReader e) =>
        {
            var group = new ListedGroup(e.String(flexible), e.String(flexible));
            e.TaggedFields(flexible);
            return group;
        }, flexible);
        r.TaggedFields(flexible);
        return new ListGroupsResponseData(error, groups, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.ListGroups, version);
        if (version >= 1) w.Int32(ThrottleTimeMs);
        w.Int16((short)ErrorCode);
        w.Array(Groups, (e, g) => e.String(g.GroupId, flexible).String(g.ProtocolType, flexible).TaggedFields(flexible), flexible);
        w.TaggedFields(flexible);
    }
}
