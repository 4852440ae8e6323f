namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>DescribeGroups v0–4. Absent before v3: IncludeAuthorizedOperations (reads false).</summary>
public sealed record DescribeGroupsRequestData(IReadOnlyList<string> Groups, bool IncludeAuthorizedOperations = false) : IKafkaRequest
{
    public ApiKey ApiKey => ApiKey.DescribeGroups;

    public static DescribeGroupsRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DescribeGroups, version);
        var groups = r.Array((ref KafkaReader e) => e.String(flexible), flexible);
        var includeOperations = version >= 3 && r.Boolean();
        r.TaggedFields(flexible);
        return new DescribeGroupsRequestData(groups, includeOperations);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DescribeGroups, version);
        w.Array(Groups, (e, g) => e.String(g, flexible), flexible);
        if (version >= 3) w.Boolean(IncludeAuthorizedOperations);
        w.TaggedFields(flexible);
    }
}

/// <summary>
/// One member of a described group; metadata and assignment are filled only while the group is Stable.
/// GroupInstanceId exists from v4 (else reads null).
/// </summary>
public sealed record DescribedGroupMember(
    string MemberId, string ClientId, string ClientHost, ReadOnlyMemory<byte> MemberMetadata, ReadOnlyMemory<byte> MemberAssignment,
    string? GroupInstanceId = null);

/// <summary>
/// One group: state (Empty, PreparingRebalance, CompletingRebalance, Stable, Dead), protocol type, the chosen
/// protocol (ProtocolData) and the members. AuthorizedOperations exists from v3; Kafka's default
/// <see cref="int.MinValue"/> means "not requested".
/// </summary>
public sealed record DescribedGroup(
    ErrorCode ErrorCode, string GroupId, string GroupState, string ProtocolType, string ProtocolData,
    IReadOnlyList<DescribedGroupMember> Members, int AuthorizedOperations = DescribedGroup.OperationsNotRequested)
{
    public const int OperationsNotRequested = int.MinValue;
}

/// <summary>The described groups. Absent in v0: ThrottleTimeMs (reads 0).</summary>
public sealed record DescribeGroupsResponseData(IReadOnlyList<DescribedGroup> Groups, int ThrottleTimeMs = 0) : IKafkaResponse
{
    public static DescribeGroupsResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DescribeGroups, version);
        var throttle = version >= 1 ? r.Int32() : 0;
        var groups = r.Array((ref KafkaReader g) =>
        {
            var error = (ErrorCode)g.Int16();
            var groupId = g.String(flexible);
            var state = g.String(flexible);
            var protocolType = g.String(flexible);
            var protocolData = g.String(flexible);
            var members = g.Array((ref KafkaReader m) =>
            {
                var memberId = m.String(flexible);
                var instanceId = version >= 4 ? m.NullableString(flexible) : null;
                var clientId = m.String(flexible);
                var clientHost = m.String(flexible);
                var metadata = m.Bytes(flexible);
                var assignment = m.Bytes(flexible);
                m.TaggedFields(flexible);
                return new DescribedGroupMember(memberId, clientId, clientHost, metadata, assignment, instanceId);
            }, flexible);
            var operations = version >= 3 ? g.Int32() : DescribedGroup.OperationsNotRequested;
            g.TaggedFields(flexible);
            return new DescribedGroup(error, groupId, state, protocolType, protocolData, members, operations);
        }, flexible);
        r.TaggedFields(flexible);
        return new DescribeGroupsResponseData(groups, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DescribeGroups, version);
        if (version >= 1) w.Int32(ThrottleTimeMs);
        w.Array(Groups, (g, group) =>
        {
            g.Int16((short)group.ErrorCode).String(group.GroupId, flexible).String(group.GroupState, flexible)
                .String(group.ProtocolType, flexible).String(group.ProtocolData, flexible);
            g.Array(group.Members, (m, member) =>
            {
                m.String(member.MemberId, flexible);
                if (version >= 4) m.NullableString(member.GroupInstanceId, flexible);
                m.String(member.ClientId, flexible).String(member.ClientHost, flexible)
                    .Bytes(member.MemberMetadata.Span, flexible).Bytes(member.MemberAssignment.Span, flexible).TaggedFields(flexible);
            }, flexible);
            if (version >= 3) g.Int32(group.AuthorizedOperations);
            g.TaggedFields(flexible);
        }, flexible);
        w.TaggedFields(flexible);
    }
}
