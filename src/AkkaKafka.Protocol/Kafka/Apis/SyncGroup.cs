namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>The leader's assignment for one member (opaque bytes; the consumer protocol's MemberAssignment).</summary>
public sealed record SyncGroupRequestAssignment(string MemberId, ReadOnlyMemory<byte> Assignment);

/// <summary>
/// SyncGroup v0–3: every member asks for its assignment; only the leader sends Assignments (followers send none).
/// Absent before v3: GroupInstanceId (reads null).
/// </summary>
public sealed record SyncGroupRequestData(
    string GroupId,
    int GenerationId,
    string MemberId,
    IReadOnlyList<SyncGroupRequestAssignment> Assignments,
    string? GroupInstanceId = null) : IKafkaRequest
{
    public ApiKey ApiKey => ApiKey.SyncGroup;

    public static SyncGroupRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.SyncGroup, version);
        var groupId = r.String(flexible);
        var generation = r.Int32();
        var memberId = r.String(flexible);
        var instanceId = version >= 3 ? r.NullableString(flexible) : null;
        var assignments = r.Array((ref KafkaReader e) =>
        {
            var assignment = new SyncGroupRequestAssignment(e.String(flexible), e.Bytes(flexible));
            e.TaggedFields(flexible);
            return assignment;
        }, flexible);
        r.TaggedFields(flexible);
        return new SyncGroupRequestData(groupId, generation, memberId, assignments, instanceId);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.SyncGroup, version);
        w.String(GroupId, flexible).Int32(GenerationId).String(MemberId, flexible);
        if (version >= 3) w.NullableString(GroupInstanceId, flexible);
        w.Array(Assignments, (e, a) => e.String(a.MemberId, flexible).Bytes(a.Assignment.Span, flexible).TaggedFields(flexible), flexible);
        w.TaggedFields(flexible);
    }
}

/// <summary>This member's assignment (empty on error). Absent in v0: ThrottleTimeMs (reads 0).</summary>
public sealed record SyncGroupResponseData(ErrorCode ErrorCode, ReadOnlyMemory<byte> Assignment, int ThrottleTimeMs = 0) : IKafkaResponse
{
    public static SyncGroupResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.SyncGroup, version);
        var throttle = version >= 1 ? r.Int32() : 0;
        var error = (ErrorCode)r.Int16();
        var assignment = r.Bytes(flexible);
        r.TaggedFields(flexible);
        return new SyncGroupResponseData(error, assignment, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.SyncGroup, version);
        if (version >= 1) w.Int32(ThrottleTimeMs);
        w.Int16((short)ErrorCode).Bytes(Assignment.Span, flexible);
        w.TaggedFields(flexible);
    }
}
