namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>Heartbeat v0–3: a member says it is alive in this generation. Absent before v3: GroupInstanceId (reads null).</summary>
public sealed record HeartbeatRequestData(string GroupId, int GenerationId, string MemberId, string? GroupInstanceId = null) : IKafkaRequest
{
    public ApiKey ApiKey => ApiKey.Heartbeat;

    public static HeartbeatRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.Heartbeat, version);
        var groupId = r.String(flexible);
        var generation = r.Int32();
        var memberId = r.String(flexible);
        var instanceId = version >= 3 ? r.NullableString(flexible) : null;
        r.TaggedFields(flexible);
        return new HeartbeatRequestData(groupId, generation, memberId, instanceId);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.Heartbeat, version);
        w.String(GroupId, flexible).Int32(GenerationId).String(MemberId, flexible);
        if (version >= 3) w.NullableString(GroupInstanceId, flexible);
        w.TaggedFields(flexible);
    }
}

/// <summary>
/// None, or the reason to re-join (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID…).
/// Absent in v0: ThrottleTimeMs (reads 0).
/// </summary>
public sealed record HeartbeatResponseData(ErrorCode ErrorCode, int ThrottleTimeMs = 0) : IKafkaResponse
{
    public static HeartbeatResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.Heartbeat, version);
        var throttle = version >= 1 ? r.Int32() : 0;
        var error = (ErrorCode)r.Int16();
        r.TaggedFields(flexible);
        return new HeartbeatResponseData(error, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.Heartbeat, version);
        if (version >= 1) w.Int32(ThrottleTimeMs);
        w.Int16((short)ErrorCode);
        w.TaggedFields(flexible);
    }
}
