namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>One member leaving (v3+ batches them; static members are named by GroupInstanceId).</summary>
public sealed record LeaveGroupMemberIdentity(string MemberId, string? GroupInstanceId = null);

/// <summary>
/// LeaveGroup v0–3. v0–2 name one member in <see cref="MemberId"/>; v3+ list <see cref="Members"/> instead.
/// Absent fields read as Kafka's defaults: Members empty in v0–2, MemberId "" in v3+. <see cref="LeavingMembers"/>
/// gives the leaving members whatever the version, so the listener need not care.
/// </summary>
public sealed record LeaveGroupRequestData(string GroupId, string MemberId, IReadOnlyList<LeaveGroupMemberIdentity> Members) : IKafkaRequest
{
    public ApiKey ApiKey => ApiKey.LeaveGroup;

    /// <summary>A v0–2 style request: one member by id.</summary>
    public static LeaveGroupRequestData Single(string groupId, string memberId) => new(groupId, memberId, []);

    /// <summary>A v3+ style request: a batch of members.</summary>
    public static LeaveGroupRequestData Batch(string groupId, IReadOnlyList<LeaveGroupMemberIdentity> members) => new(groupId, "", members);

    /// <summary>The batch (v3+), or the single member of v0–2.</summary>
    public IReadOnlyList<LeaveGroupMemberIdentity> LeavingMembers =>
        Members.Count > 0 || MemberId.Length == 0 ? Members : [new LeaveGroupMemberIdentity(MemberId)];

    public static LeaveGroupRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.LeaveGroup, version);
        var groupId = r.String(flexible);
        if (version < 3)
        {
            var memberId = r.String(flexible);
            r.TaggedFields(flexible);
            return new LeaveGroupRequestData(groupId, memberId, []);
        }
        var members = r.Array((ref KafkaReader e) =>
        {
            var member = new LeaveGroupMemberIdentity(e.String(flexible), e.NullableString(flexible));
            e.TaggedFields(flexible);
            return member;
        }, flexible);
        r.TaggedFields(flexible);
        return new LeaveGroupRequestData(groupId, "", members);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.LeaveGroup, version);
        w.String(GroupId, flexible);
        if (version < 3) w.String(MemberId, flexible);
        else w.Array(Members, (e, m) => e.String(m.MemberId, flexible).NullableString(m.GroupInstanceId, flexible).TaggedFields(flexible), flexible);
        w.TaggedFields(flexible);
    }
}

/// <summary>The outcome for one leaving member (v3+).</summary>
public sealed record LeaveGroupMemberResponse(string MemberId, string? GroupInstanceId, ErrorCode ErrorCode);

/// <summary>
/// The group-level error and (v3+) one result per leaving member. Absent fields read as Kafka's defaults:
/// ThrottleTimeMs 0 in v0, Members empty before v3.
/// </summary>
public sealed record LeaveGroupResponseData(ErrorCode ErrorCode, IReadOnlyList<LeaveGroupMemberResponse> Members, int ThrottleTimeMs = 0) : IKafkaResponse
{
    public static LeaveGroupResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.LeaveGroup, version);
        var throttle = version >= 1 ? r.Int32() : 0;
        var error = (ErrorCode)r.Int16();
        var members = version >= 3
            ? r.Array((ref KafkaReader e) =>
            {
                var member = new LeaveGroupMemberResponse(e.String(flexible), e.NullableString(flexible), (ErrorCode)e.Int16());
                e.TaggedFields(flexible);
                return member;
            }, flexible)
            : [];
        r.TaggedFields(flexible);
        return new LeaveGroupResponseData(error, members, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.LeaveGroup, version);
        if (version >= 1) w.Int32(ThrottleTimeMs);
        w.Int16((short)ErrorCode);
        if (version >= 3)
            w.Array(Members, (e, m) => e.String(m.MemberId, flexible).NullableString(m.GroupInstanceId, flexible)
                .Int16((short)m.ErrorCode).TaggedFields(flexible), flexible);
        w.TaggedFields(flexible);
    }
}
