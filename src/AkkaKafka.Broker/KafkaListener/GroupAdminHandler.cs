using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>Kafka ListGroups, DescribeGroups and DeleteGroups over the group coordinator (Kafka groups and Akka groups alike).</summary>
internal static class GroupAdminHandler
{
    public static async Task<ListGroupsResponseData> ListAsync(KafkaNode node)
    {
        var response = await GroupHandler.AskCoordinatorAsync<ListGroupsResponse>(node, ListGroups.Instance, node.Broker.RequestTimeout);
        return response is null
            ? new ListGroupsResponseData(ErrorCode.CoordinatorNotAvailable, [])
            : new ListGroupsResponseData(ErrorCode.None, response.Groups.Select(g => new ListedGroup(g, GroupDescription.ConsumerProtocolType)).ToList());
    }

    public static async Task<DescribeGroupsResponseData> DescribeAsync(KafkaNode node, DescribeGroupsRequestData request)
    {
        var groups = await Task.WhenAll(request.Groups.Select(async group =>
        {
            var d = await GroupHandler.AskCoordinatorAsync<GroupDescription>(node, new DescribeGroup(group), node.Broker.RequestTimeout);
            if (d is null) return new DescribedGroup(ErrorCode.CoordinatorNotAvailable, group, "", "", "", []);
            // Kafka describes a group it does not know as Dead with no members, not as an error.
            if (d.Error != ErrorCode.None) return new DescribedGroup(ErrorCode.None, group, GroupStates.Dead, "", "", []);
            return new DescribedGroup(ErrorCode.None, group, d.State, d.ProtocolType, d.Protocol,
                d.Members.Select(m => new DescribedGroupMember(m.MemberId, m.ClientId, m.ClientHost, m.Metadata, m.AssignmentBytes)).ToList());
        }));
        return new DescribeGroupsResponseData(groups);
    }

    public static async Task<DeleteGroupsResponseData> DeleteAsync(KafkaNode node, DeleteGroupsRequestData request)
    {
        var results = await Task.WhenAll(request.GroupsNames.Select(async group =>
        {
            var r = await GroupHandler.AskCoordinatorAsync<DeleteGroupResponse>(node, new DeleteGroup(group), node.Broker.RequestTimeout);
            return new DeletableGroupResult(group, r?.Error ?? ErrorCode.CoordinatorNotAvailable);
        }));
        return new DeleteGroupsResponseData(results);
    }
}
