using Akka.Actor;
using Akka.Cluster;
using AkkaKafka.Broker.Node;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Hosting;

/// <summary>
/// Prints one line on the broker's terminal per event an operator cares about: brokers joining, becoming unreachable,
/// downed or removed; the controller moving; this broker's partitions arriving or leaving. Everything else goes to the
/// log file (<see cref="BrokerLogger"/>). Started once the node is Up, after the banner.
/// </summary>
public sealed class BrokerEvents : ReceiveActor, IWithTimers
{
    private const string PollTimer = "poll-metadata";
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly IActorRef _broker;
    private readonly Action<string> _print;
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private BrokerEventLog _log;

    public BrokerEvents(IActorRef broker, Action<string> print)
    {
        _broker = broker;
        _print = print;
        _log = BrokerEventLog.Start(BrokerIds.Of(_cluster.SelfAddress));

        Receive<ClusterEvent.CurrentClusterState>(_ => { });
        Receive<ClusterEvent.MemberUp>(e => Print(e.Member, "joined the cluster"));
        Receive<ClusterEvent.UnreachableMember>(e => Print(e.Member, "is unreachable"));
        Receive<ClusterEvent.ReachableMember>(e => Print(e.Member, "is reachable again"));
        Receive<ClusterEvent.MemberDowned>(e => Print(e.Member, "was downed"));
        Receive<ClusterEvent.MemberRemoved>(e => Print(e.Member,
            e.PreviousStatus == MemberStatus.Down ? "was removed from the cluster (downed)" : "left the cluster"));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ClusterEvent.IReachabilityEvent>(_ => { });

        // The singleton proxies' own "failed to find" warning is turned off (akka.cluster.singleton-proxy in
        // broker.hocon: Akka.NET fires it at once, not after the period it names, whenever the oldest broker changes);
        // this says it when it is true: no controller has published metadata 30 s after start.
        Receive<ControllerCheck>(_ =>
        {
            if (_log.Seen.Controller is null) _print("warning: no controller after 30 s (is the oldest broker stalled, or its journal down?)");
        });

        Receive<PollMetadata>(_ => _broker.Tell(BrokerActor.GetCachedMetadata.Instance));
        Receive<ClusterMetadata>(metadata =>
        {
            var (next, lines) = _log.Updated(metadata);
            _log = next;
            foreach (var line in lines) _print(line);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef broker, Action<string> print) =>
        Akka.Actor.Props.Create(() => new BrokerEvents(broker, print));

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Timers.StartPeriodicTimer(PollTimer, PollMetadata.Instance, TimeSpan.Zero, PollInterval);
        Timers.StartSingleTimer("controller-check", ControllerCheck.Instance, TimeSpan.FromSeconds(30));
    }

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
    }

    private void Print(Member member, string what)
    {
        var id = BrokerIds.Of(member.Address);
        _print(member.Address.Equals(_cluster.SelfAddress) ? $"this broker ({id}) {what}" : $"broker {id} {what}");
    }

    private sealed class PollMetadata
    {
        public static readonly PollMetadata Instance = new();
    }

    private sealed class ControllerCheck
    {
        public static readonly ControllerCheck Instance = new();
    }
}
