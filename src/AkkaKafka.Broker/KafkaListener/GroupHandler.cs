using Akka.Actor;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// Kafka's classic group protocol (FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup). Every broker
/// names itself as the coordinator: its BrokerActor hands group commands to the group coordinator singleton, wherever
/// that runs, so Kafka groups and `akkakafka consume --group` groups live in one coordinator with one set of offsets.
/// A coordinator that does not answer in time (failing over) is COORDINATOR_NOT_AVAILABLE: clients look it up again.
/// </summary>
internal static class GroupHandler
{
    public static async Task<FindCoordinatorResponseData> FindCoordinatorAsync(KafkaNode node, FindCoordinatorRequestData request)
    {
        // Groups and transactional ids alike: every broker serves their requests by handing them to the coordinator
        // singleton, wherever it runs, so the broker asked names itself.
        if (request.KeyType is not (FindCoordinatorRequestData.GroupKeyType or FindCoordinatorRequestData.TransactionKeyType))
            return new FindCoordinatorResponseData(ErrorCode.InvalidRequest, -1, "", -1, $"unknown coordinator key type {request.KeyType}");
        // A broker without a Kafka listener is reached only over Akka remoting, by an Akka client: it has no Kafka node to
        // name, and needs none, as it serves the group requests it gets (like every broker, it hands them to the coordinator).
        if (!node.Kafka.Enabled) return new FindCoordinatorResponseData(ErrorCode.None, BrokerInfo.NoNodeId, "", -1);
        var metadata = await node.CachedMetadataAsync();
        var selfNodeId = node.SelfNodeId(metadata);
        if (selfNodeId == BrokerInfo.NoNodeId || node.Kafka.AdvertisedEndpoint is null)
            return new FindCoordinatorResponseData(ErrorCode.CoordinatorNotAvailable, -1, "", -1, "broker has no node id yet");
        return new FindCoordinatorResponseData(ErrorCode.None, selfNodeId, node.Kafka.AdvertisedHost, node.Kafka.Port);
    }

    public static async Task<JoinGroupResponseData> JoinAsync(KafkaNode node, KafkaRequestContext context, JoinGroupRequestData request)
    {
        // v0 has no rebalance timeout: Kafka uses the session timeout for both.
        var rebalanceTimeout = request.RebalanceTimeoutMs >= 0 ? request.RebalanceTimeoutMs : request.SessionTimeoutMs;
        var join = new JoinClassicGroup(request.GroupId, request.MemberId, request.GroupInstanceId, context.ClientId, ClientHost(context),
            request.SessionTimeoutMs, rebalanceTimeout, request.ProtocolType,
            request.Protocols.Select(p => new GroupProtocolOffer(p.Name, p.Metadata.ToArray())).ToList(), RequireKnownMemberId: context.Version >= 4);
        // A join is answered when the rebalance completes: up to the rebalance timeout.
        var timeout = TimeSpan.FromMilliseconds(Math.Max(rebalanceTimeout, request.SessionTimeoutMs)) + node.Broker.RequestTimeout;
        var response = await AskCoordinatorAsync<JoinClassicGroupResponse>(node, join, timeout);
        if (response is null) return new JoinGroupResponseData(ErrorCode.CoordinatorNotAvailable, -1, "", "", request.MemberId, []);
        return new JoinGroupResponseData(response.Error, response.GenerationId, response.ProtocolName ?? "", response.LeaderId, response.MemberId,
            response.Members.Select(m => new JoinGroupResponseMember(m.MemberId, m.Metadata, m.GroupInstanceId)).ToList());
    }

    public static async Task<SyncGroupResponseData> SyncAsync(KafkaNode node, SyncGroupRequestData request)
    {
        var sync = new SyncClassicGroup(request.GroupId, request.GenerationId, request.MemberId, request.GroupInstanceId, null, null,
            request.Assignments.Select(a => new MemberAssignment(a.MemberId, a.Assignment.ToArray())).ToList());
        // Followers wait for the leader's sync; the leader has up to a session timeout to send it.
        var response = await AskCoordinatorAsync<SyncClassicGroupResponse>(node, sync, TimeSpan.FromMinutes(5));
        return response is null
            ? new SyncGroupResponseData(ErrorCode.CoordinatorNotAvailable, ReadOnlyMemory<byte>.Empty)
            : new SyncGroupResponseData(response.Error, response.Assignment);
    }

    public static async Task<HeartbeatResponseData> HeartbeatAsync(KafkaNode node, HeartbeatRequestData request)
    {
        // Answered by itself within controller-read-timeout, as a request to the controller is: while the coordinator
        // singleton moves, a heartbeat held for request-timeout (10 s) outlasted the member's session, and librdkafka then
        // gave its membership up by itself though the coordinator that took over knew it. COORDINATOR_NOT_AVAILABLE makes
        // it look the coordinator up and beat again, so the first beat after the move gets through.
        var response = await AskCoordinatorAsync<ClassicHeartbeatResponse>(node,
            new ClassicHeartbeat(request.GroupId, request.GenerationId, request.MemberId, request.GroupInstanceId), node.Settings.ControllerReadTimeout);
        return new HeartbeatResponseData(response?.Error ?? ErrorCode.CoordinatorNotAvailable);
    }

    public static async Task<LeaveGroupResponseData> LeaveAsync(KafkaNode node, KafkaRequestContext context, LeaveGroupRequestData request)
    {
        var leaving = request.LeavingMembers;
        var response = await AskCoordinatorAsync<LeaveClassicGroupResponse>(node,
            new LeaveClassicGroup(request.GroupId, leaving.Select(m => m.MemberId).ToList()), node.Broker.RequestTimeout);
        if (response is null) return new LeaveGroupResponseData(ErrorCode.CoordinatorNotAvailable, []);
        var errors = response.Members.ToDictionary(m => m.MemberId, m => m.Error, StringComparer.Ordinal);
        var members = leaving.Select(m => new LeaveGroupMemberResponse(m.MemberId, m.GroupInstanceId, errors.GetValueOrDefault(m.MemberId, ErrorCode.None))).ToList();
        // v0–2 leave one member and have only the top-level error: that member's.
        var error = context.Version < 3 && response.Error == ErrorCode.None && members.Count == 1 ? members[0].ErrorCode : response.Error;
        return new LeaveGroupResponseData(error, members);
    }

    /// <summary>Kafka shows members' hosts as "/address".</summary>
    public static string ClientHost(KafkaRequestContext context)
    {
        var address = context.ClientAddress;
        var colon = address.LastIndexOf(':');
        return "/" + (colon > 0 ? address[..colon] : address);
    }

    /// <summary>The coordinator's answer, or null when it did not answer in time.</summary>
    public static async Task<T?> AskCoordinatorAsync<T>(KafkaNode node, IGroupCommand command, TimeSpan timeout) where T : class
    {
        try
        {
            return await node.Broker.Ask<T>(command, timeout);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or TimeoutException)
        {
            return null;
        }
    }
}
