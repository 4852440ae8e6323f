using Akka.Cluster;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Controller;

/// <summary>
/// `cluster status` from a node's view of the membership and the metadata it holds: the controller answers it, and
/// any broker stands in with its own view while the controller fails over.
/// </summary>
public static class ClusterStatuses
{
    /// <param name="leader">The controller's broker id; null while there is none to name (it is failing over).</param>
    public static ClusterStatus Of(ClusterEvent.CurrentClusterState state, string? leader, ClusterMetadata metadata)
    {
        var byAge = state.Members.Where(m => m.HasRole(Names.BrokerRole)).OrderBy(m => m, Member.AgeOrdering).ToList();
        var members = state.Members.OrderBy(m => m, Member.AgeOrdering).Select(m => new ClusterMember(
            m.Address.ToString(),
            state.Unreachable.Contains(m) ? $"{m.Status} (unreachable)" : m.Status.ToString(),
            m.Roles.ToList(),
            byAge.IndexOf(m))).ToList();
        return new ClusterStatus(members, leader, metadata);
    }
}
