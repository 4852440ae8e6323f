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
/// owners out of their partitions. Being quarantined by a client is no reason to stop: only brokers count.
/// </summary>
public sealed class QuarantineWatcher : ReceiveActor
{
    public QuarantineWatcher()
    {
        Receive<ThisActorSystemQuarantinedEvent>(e =>
        {
            if (e.RemoteAddress.System != Names.BrokerSystem) return;
            Context.GetLogger().Warning("Broker {0} has quarantined this node: the cluster removed it. Downing it.", e.RemoteAddress);
            // Down, not leave: the node stops taking cluster decisions at once (a leave would wait for the others,
            // which it cannot reach, while its split-brain resolver and singletons carry on); then it shuts down as
            // any downed node does (run-coordinated-shutdown-when-down).
            var cluster = Cluster.Get(Context.System);
            cluster.Down(cluster.SelfAddress);
        });
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new QuarantineWatcher());

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(ThisActorSystemQuarantinedEvent));
}
