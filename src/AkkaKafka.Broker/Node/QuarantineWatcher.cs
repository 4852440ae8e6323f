using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Remote;
using AkkaKafka.Protocol;

namespace AkkaKafka.Broker.Node;

/// <summary>
/// Shuts the node down once another broker has quarantined it. The others quarantine a node when the cluster
/// removed it (downed while it was frozen or cut off): that incarnation can never talk to them again. Akka.NET keeps
/// it running all the same, and its own split-brain resolver, seeing every other broker unreachable, may down them
/// one by one and carry on as a cluster of one, with a controller of its own whose leader epochs fence the real
/// owners out of their partitions. Being quarantined by a client is no reason to stop: only brokers count, and only
/// brokers this node has known as members of its cluster: anyone can connect to the remoting port and send a
/// quarantine notice in the name of any address (the broker's own, a broker that never existed), and that must not
/// take the broker down.
/// </summary>
public sealed class QuarantineWatcher : ReceiveActor
{
    /// <summary>Every address this node has seen as a member of its cluster (a removed broker may still quarantine it).</summary>
    private readonly HashSet<Address> _members = [];

    public QuarantineWatcher()
    {
        Receive<ClusterEvent.IMemberEvent>(e => _members.Add(e.Member.Address));
        Receive<ClusterEvent.CurrentClusterState>(state => _members.UnionWith(state.Members.Select(m => m.Address)));
        Receive<ThisActorSystemQuarantinedEvent>(e =>
        {
            if (e.RemoteAddress.System != Names.BrokerSystem) return;
            var self = Cluster.Get(Context.System).SelfAddress;
            if (e.RemoteAddress == self || !_members.Contains(e.RemoteAddress))
            {
                Context.GetLogger().Warning("{0} claims to have quarantined this node, but is no broker of this cluster: ignored", e.RemoteAddress);
                return;
            }
            Context.GetLogger().Warning("Broker {0} has quarantined this node: the cluster removed it. Downing it.", e.RemoteAddress);
            // Down, not leave: the node stops taking cluster decisions at once (a leave would wait for the others,
            // which it cannot reach, while its split-brain resolver and singletons carry on); then it shuts down as
            // any downed node does (run-coordinated-shutdown-when-down).
            var cluster = Cluster.Get(Context.System);
            cluster.Down(cluster.SelfAddress);
        });
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new QuarantineWatcher());

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(ThisActorSystemQuarantinedEvent));
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.IMemberEvent));
    }

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);
}
