namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>One protocol (assignor) a joining member supports, with its opaque metadata (subscription).</summary>
public sealed record JoinGroupRequestProtocol(string Name, ReadOnlyMemory<byte> Metadata);

/// <summary>
/// JoinGroup v0–5. From v4 a member that joins with an empty id is answered MEMBER_ID_REQUIRED with its new id and
/// joins again. Absent fields read as Kafka's defaults: RebalanceTimeoutMs -1 before v1 (the coordinator then uses
/// SessionTimeoutMs), GroupInstanceId null before v5.
/// </summary>
public sealed record JoinGroupRequestData(
    string GroupId,
    int SessionTimeoutMs,
    string MemberId,
    string ProtocolType,
    IReadOnlyList<JoinGroupRequestProtocol> Protocols,
    int RebalanceTimeoutMs = -1,
    string? GroupInstanceId = null) : IKafkaRequest
{
    public ApiKey ApiKey => ApiKey.JoinGroup;

    public static JoinGroupRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.JoinGroup, version);
        var groupId = r.String(flexible);
        var sessionTimeout = r.Int32();
        var rebalanceTimeout = version >= 1 ? r.Int32() : -1;
        var memberId = r.String(flexible);
        var instanceId = version >= 5 ? r.NullableString(flexible) : null;
        var protocolType = r.String(flexible);
        var protocols = r.Array((ref KafkaReader e) =>
        {
            var protocol = new JoinGroupRequestProtocol(e.String(flexible), e.Bytes(flexible));
            e.TaggedFields(flexible);
            return protocol;
        }, flexible);
        r.TaggedFields(flexible);
        return new JoinGroupRequestData(groupId, sessionTimeout, memberId, protocolType, protocols, rebalanceTimeout, instanceId);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.JoinGroup, version);
        w.String(GroupId, flexible).Int32(SessionTimeoutMs);
        if (version >= 1) w.Int32(RebalanceTimeoutMs);
        w.String(MemberId, flexible);
        if (version >= 5) w.NullableString(GroupInstanceId, flexible);
        w.String(ProtocolType, flexible);
        w.Array(Protocols, (e, p) => e.String(p.Name, flexible).Bytes(p.Metadata.Span, flexible).TaggedFields(flexible), flexible);
        w.TaggedFields(flexible);
    }
}

/// <summary>A member as the leader sees it in the JoinGroup answer (GroupInstanceId v5+, else null).</summary>
public sealed record JoinGroupResponseMember(string MemberId, ReadOnlyMemory<byte> Metadata, string? GroupInstanceId = null);

/// <summary>
/// The JoinGroup answer: generation, chosen protocol, leader, the member's own id, and (for the leader only) every
/// member's metadata. Absent before v2: ThrottleTimeMs (reads 0).
/// </summary>
public sealed record JoinGroupResponseData(
    ErrorCode ErrorCode,
    int GenerationId,
    string ProtocolName,
    string Leader,
    string MemberId,
    IReadOnlyList<JoinGroupResponseMember> Members,
    int ThrottleTimeMs = 0) : IKafkaResponse
{
    public static JoinGroupResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.JoinGroup, version);
        var throttle = version >= 2 ? r.Int32() : 0;
        var error = (ErrorCode)r.Int16();
        var generation = r.Int32();
        var protocolName = r.String(flexible);
        var leader = r.String(flexible);
        var memberId = r.String(flexible);
        var members = r.Array((ref KafkaReader e) =>
        {
            var id = e.String(flexible);
            var instanceId = version >= 5 ? e.NullableString(flexible) : null;
            var metadata = e.Bytes(flexible);
            e.TaggedFields(flexible);
            return new JoinGroupResponseMember(id, metadata, instanceId);
        }, flexible);
        r.TaggedFields(flexible);
        return new JoinGroupResponseData(error, generation, protocolName, leader, memberId, members, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.JoinGroup, version);
        if (version >= 2) w.Int32(ThrottleTimeMs);
        w.Int16((short)ErrorCode).Int32(GenerationId)
            .String(ProtocolName, flexible).String(Leader, flexible).String(MemberId, flexible);
        w.Array(Members, (e, m) =>
        {
            e.String(m.MemberId, flexible);
            if (version >= 5) e.NullableString(m.GroupInstanceId, flexible);
            e.Bytes(m.Metadata.Span, flexible).TaggedFields(flexible);
        }, flexible);
        w.TaggedFields(flexible);
    }
}
