using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Event;
using AkkaKafka.Protocol;

namespace AkkaKafka.Broker.Node;

/// <summary>
/// Downs this broker when the whole process was stalled (SIGSTOP, a VM paused, a machine that slept) for longer
/// than the cluster waits before downing a silent member: heartbeat interval + acceptable heartbeat pause +
/// split-brain resolver stable-after. By then the other brokers have downed and removed it, but it cannot know:
/// their gossip is ignored as coming from unreachable nodes, and their quarantine notice can come after its own
/// split-brain resolver has downed them (it wins the tie of a two-node "majority" by address) and started a
/// controller of its own, whose leader epochs then fence the real owners out of their partitions. A stall noticed at
/// the first tick after it ends acts before any split-brain decision (which waits stable-after). A broker alone in
/// its cluster keeps running: nobody else could have downed it.
/// </summary>
public sealed class StallWatcher : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(250);
    private readonly TimeSpan _threshold;
    private readonly Stopwatch _sinceTick = Stopwatch.StartNew();

    public StallWatcher(TimeSpan threshold)
    {
        _threshold = threshold;
        Receive<Tick>(_ =>
        {
            var gap = _sinceTick.Elapsed;
            _sinceTick.Restart();
            if (gap < _threshold) return;
            var cluster = Cluster.Get(Context.System);
            var others = cluster.State.Members.Count(m => !m.Address.Equals(cluster.SelfAddress) && m.Status == MemberStatus.Up);
            if (others == 0) return;
            Context.GetLogger().Warning("This broker was stalled for {0:0.0} s, longer than the cluster waits before downing a silent member ({1:0.0} s): " +
                                        "the others have removed it. Downing it.", gap.TotalSeconds, _threshold.TotalSeconds);
            cluster.Down(cluster.SelfAddress);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// The stall after which the other brokers have downed this one, from the cluster's own settings (broker.hocon sets
    /// all three); null when akkakafka.broker.down-after-stall is off (brokers sharing one process stall together).
    /// </summary>
    public static TimeSpan? ThresholdFrom(Config config)
    {
        if (!new SettingsBlock(config, "akkakafka.broker").Boolean("down-after-stall")) return null;
        var cluster = new SettingsBlock(config, "akka.cluster");
        return cluster.TimeSpan("failure-detector.heartbeat-interval")
               + cluster.TimeSpan("failure-detector.acceptable-heartbeat-pause")
               + cluster.TimeSpan("split-brain-resolver.stable-after");
    }

    public static Props Props(TimeSpan threshold) => Akka.Actor.Props.Create(() => new StallWatcher(threshold));

    protected override void PreStart() => Timers.StartPeriodicTimer("tick", Tick.Instance, TickInterval);

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}
