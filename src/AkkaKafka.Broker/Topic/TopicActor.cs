using Akka.Actor;
using Akka.Event;
using AkkaKafka.Broker.Partition;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Topic;

/// <summary>
/// New metadata for this actor's topic, as seen by this node, published by the controller of
/// <see cref="ControllerEpoch"/> (an assignment of an older controller epoch than one already applied is ignored).
/// </summary>
public sealed record TopicAssignment(TopicMetadata Topic, string SelfBrokerId, long ControllerEpoch);

/// <summary>The topic is gone from the metadata: delete the partition logs this node owns and stop.</summary>
public sealed class TopicRemoved
{
    public static readonly TopicRemoved Instance = new();
    private TopicRemoved() { }
}

/// <summary>
/// A PartitionActor stops because its journal failed (a write that may have happened, or recovery could not read):
/// until it runs again its partition's requests are answered with KAFKA_STORAGE_ERROR and this reason, not as if
/// it were merely starting.
/// </summary>
public sealed record PartitionStorageFailed(int Partition, long Epoch, string Reason);

/// <summary>
/// A PartitionActor read its log back from the journal: the journal works again, so its next failure restarts it
/// after the shortest back-off, not after the longest one an earlier outage grew to.
/// </summary>
public sealed record PartitionRecovered(int Partition, long Epoch);

/// <summary>
/// One per topic on every node: starts a PartitionActor for each partition the controller assigned to this node,
/// stops those assigned elsewhere, routes requests to them, and restarts (with back-off) one whose journal write
/// failed while this node still owns it.
/// <para>Two local writers never overlap: a partition whose epoch changed is started again only after the old
/// actor has terminated.</para>
/// </summary>
public sealed class TopicActor : UntypedActor, IWithTimers
{
    private readonly BrokerSettings _settings;
    private readonly ILoggingAdapter _logger = Context.GetLogger();
    private readonly Dictionary<int, Running> _running = new();
    private readonly Dictionary<int, TimeSpan> _backoff = new();
    private readonly Dictionary<int, string> _storageFailures = new();
    private TopicMetadata _topic;
    private string _self;
    private long _controllerEpoch;
    private bool _removing;

    public TopicActor(TopicAssignment assignment, BrokerSettings settings)
    {
        _topic = assignment.Topic;
        _self = assignment.SelfBrokerId;
        _controllerEpoch = assignment.ControllerEpoch;
        _settings = settings;
    }

    public static Props Props(TopicAssignment assignment, BrokerSettings settings) =>
        Akka.Actor.Props.Create(() => new TopicActor(assignment, settings));

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => Reconcile();

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case IPartitionRequest request:
                Route(request);
                break;
            case TopicAssignment assignment when assignment.ControllerEpoch < _controllerEpoch:
                // The BrokerActor already drops a stale controller's metadata; this is the last line, next to the writers.
                _logger.Warning("{0}: ignored an assignment of controller epoch {1}; this topic follows controller epoch {2}",
                    _topic.Name, assignment.ControllerEpoch, _controllerEpoch);
                break;
            case TopicAssignment assignment:
                _controllerEpoch = assignment.ControllerEpoch;
                var retentionChanged = assignment.Topic.RetentionMs != _topic.RetentionMs || assignment.Topic.RetentionBytes != _topic.RetentionBytes
                    || assignment.Topic.TimestampType != _topic.TimestampType;
                _topic = assignment.Topic;
                _self = assignment.SelfBrokerId;
                if (retentionChanged)
                    foreach (var r in _running.Values) r.Actor.Tell(new UpdateRetention(_topic.RetentionMs, _topic.RetentionBytes, _topic.TimestampType));
                Reconcile();
                break;
            case PartitionStopped stopped:
                OnPartitionStopped(stopped);
                break;
            case RestartPartition:
                Reconcile();
                break;
            case PartitionStorageFailed failed when _running.TryGetValue(failed.Partition, out var r) && r.Epoch == failed.Epoch:
                _storageFailures[failed.Partition] = failed.Reason;
                break;
            case PartitionRecovered recovered when _running.TryGetValue(recovered.Partition, out var r) && r.Epoch == recovered.Epoch:
                _backoff.Remove(recovered.Partition);
                _storageFailures.Remove(recovered.Partition);
                break;
            case TopicRemoved:
                _removing = true;
                foreach (var r in _running.Values) r.Actor.Tell(DeletePartitionLog.Instance);
                if (_running.Count == 0) Context.Stop(Self);
                break;
        }
    }

    private void Route(IPartitionRequest request)
    {
        if (_running.TryGetValue(request.Partition, out var running) && !running.Stopping)
        {
            running.Actor.Forward(request);
            return;
        }
        if (_storageFailures.TryGetValue(request.Partition, out var reason))
        {
            ErrorReplies.Send(Sender, request, ErrorCode.KafkaStorageError, reason);
            return;
        }
        var error = request.Partition < 0 || request.Partition >= _topic.PartitionCount ? ErrorCode.UnknownTopicOrPartition : ErrorCode.LeaderNotAvailable;
        ErrorReplies.Send(Sender, request, error, error == ErrorCode.LeaderNotAvailable ? "partition is starting on this broker" : null);
    }

    /// <summary>Starts what this node should own and stops what it should not.</summary>
    private void Reconcile()
    {
        if (_removing) return;
        foreach (var p in _topic.Partitions)
        {
            var mine = p.Owner == _self;
            if (_running.TryGetValue(p.Partition, out var running))
            {
                if ((!mine || running.Epoch != p.Epoch) && !running.Stopping)
                {
                    _logger.Info("{0}-{1}: no longer owned here at epoch {2} (now {3} at epoch {4}); stopping", _topic.Name, p.Partition, running.Epoch, p.Owner ?? "nobody", p.Epoch);
                    _running[p.Partition] = running with { Stopping = true };
                    Context.Stop(running.Actor);
                }
            }
            else if (mine && !Timers.IsTimerActive(RestartKey(p.Partition)))
            {
                Start(p);
            }
        }
    }

    private void Start(PartitionAssignment p)
    {
        var identity = new PartitionIdentity(_topic.Name, _topic.TopicId, p.Partition);
        var actor = Context.ActorOf(PartitionActor.Props(identity, p.Epoch, _topic.RetentionMs, _topic.RetentionBytes, _settings, _topic.TimestampType), $"p{p.Partition}-e{p.Epoch}");
        Context.WatchWith(actor, new PartitionStopped(p.Partition, p.Epoch));
        _running[p.Partition] = new Running(actor, p.Epoch, false);
        _storageFailures.Remove(p.Partition);
    }

    private void OnPartitionStopped(PartitionStopped stopped)
    {
        if (!_running.TryGetValue(stopped.Partition, out var running) || running.Epoch != stopped.Epoch) return;
        _running.Remove(stopped.Partition);
        if (running.Stopping) _storageFailures.Remove(stopped.Partition);
        if (_removing)
        {
            if (_running.Count == 0) Context.Stop(Self);
            return;
        }
        var assignment = _topic.Partition(stopped.Partition);
        if (!running.Stopping && assignment?.Owner == _self && assignment.Epoch == stopped.Epoch)
        {
            // It stopped by itself (a failed journal write, or it found a newer epoch in the journal): try again later.
            var delay = _backoff.TryGetValue(stopped.Partition, out var last)
                ? TimeSpan.FromTicks(Math.Min(last.Ticks * 2, _settings.PartitionRestartMaxBackoff.Ticks))
                : _settings.PartitionRestartMinBackoff;
            _backoff[stopped.Partition] = delay;
            _logger.Warning("{0}-{1}: partition actor stopped unexpectedly; restarting in {2}", _topic.Name, stopped.Partition, delay);
            Timers.StartSingleTimer(RestartKey(stopped.Partition), new RestartPartition(stopped.Partition), delay);
            return;
        }
        Reconcile();
    }

    private static string RestartKey(int partition) => $"restart-{partition}";

    private sealed record Running(IActorRef Actor, long Epoch, bool Stopping);

    private sealed record PartitionStopped(int Partition, long Epoch);

    private sealed record RestartPartition(int Partition);
}
