using Akka.Actor;
using Akka.Cluster;
using AkkaKafka.Broker.Controller;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Node;

/// <summary>
/// The BrokerActor's routing: partition requests to the local TopicActor when this node owns the partition, else to
/// the owner's BrokerActor; controller commands to the ZookeeperActor through the singleton proxy, or answered here
/// while it fails over. A request passed to a broker that then becomes unreachable (or leaves) is answered at once
/// (retriable), so the asker does not wait out its timeout for an answer that died with that broker. Not an actor: a
/// part of the BrokerActor, used on its thread only (answers come back through PipeTo).
/// </summary>
internal sealed class RequestRouting(ActorSystem system, IActorRef controller, BrokerSettings settings, string self, BrokerTopics topics)
{
    private readonly ActorSystem _system = system;
    private readonly Cluster _cluster = Cluster.Get(system);
    private readonly IActorRef _controller = controller;
    private readonly BrokerSettings _settings = settings;
    private readonly string _self = self;
    private readonly BrokerTopics _topics = topics;
    /// <summary>Per owner (or controller), cancels the requests passed to it that are still unanswered.</summary>
    private readonly Dictionary<string, CancellationTokenSource> _forwarded = new(StringComparer.Ordinal);

    public void Route(IPartitionRequest request, bool forwarded, IActorRef sender)
    {
        var topic = _topics.Metadata.Topic(request.Topic);
        var assignment = topic?.Partition(request.Partition);
        if (topic is null || assignment is null)
        {
            ErrorReplies.Send(sender, request, _topics.Metadata.Version == 0 ? ErrorCode.LeaderNotAvailable : ErrorCode.UnknownTopicOrPartition,
                _topics.Metadata.Version == 0 ? "broker has no metadata yet" : $"topic '{request.Topic}' partition {request.Partition} does not exist");
            return;
        }
        if (assignment.Owner == _self && _topics.TryGetLocal(topic.Name, out var local))
        {
            local.Tell(request, sender);
            return;
        }
        if (assignment.Owner is null || forwarded)
        {
            ErrorReplies.Send(sender, request, assignment.Owner is null ? ErrorCode.LeaderNotAvailable : ErrorCode.NotLeaderOrFollower);
            return;
        }
        var owner = BrokerIds.ToAddress(assignment.Owner, _cluster.SelfAddress.Protocol);
        if (IsUnreachableOrGone(owner))
        {
            // The owner is suspected dead, or already downed or removed while the controller has not reassigned the
            // partition yet: answer now (retriable) instead of forwarding into the void until the request times out.
            ErrorReplies.Send(sender, request, ErrorCode.LeaderNotAvailable, $"owner {assignment.Owner} is unreachable; partition is failing over");
            return;
        }
        Forward(request, assignment.Owner, _system.ActorSelection(new RootActorPath(owner) / "user" / Names.BrokerActorName), sender);
    }

    /// <summary>A member suspected dead, or already downed or removed.</summary>
    private bool IsUnreachableOrGone(Address member)
    {
        var state = _cluster.State;
        return state.Unreachable.Any(m => m.Address.Equals(member))
               || !state.Members.Any(m => m.Address.Equals(member) && m.Status != MemberStatus.Down);
    }

    /// <summary>
    /// Controller commands go to the controller singleton through its proxy, which for a few seconds after the
    /// controller's broker dies sends them to the dead one (until that broker is found unreachable) and then holds
    /// them until the next controller runs. A client must not wait for that: reads this broker can answer itself
    /// (metadata, cluster status, from the metadata the controller last published to it) are answered from here when
    /// the controller is unreachable, or has not answered within controller-read-timeout; a producer id is then the
    /// retriable COORDINATOR_NOT_AVAILABLE. Other commands (topic and security changes) are refused NOT_CONTROLLER at
    /// once while the controller is unreachable (retriable: nothing was done), and answered REQUEST_TIMED_OUT (it may
    /// or may not have been done) if the controller becomes unreachable before it answers.
    /// Until this broker has metadata it knows no controller and no answer of its own: the command waits for the
    /// controller as it is.
    /// </summary>
    public void ToController(IControllerCommand command, IActorRef sender)
    {
        if (_topics.Metadata.Version == ClusterMetadata.Empty.Version)
        {
            _controller.Tell(command, sender);
            return;
        }
        var controller = _topics.Metadata.Controller;
        var unreachable = controller is null || IsUnreachableOrGone(BrokerIds.ToAddress(controller, _cluster.SelfAddress.Protocol));
        var failingOver = $"the controller{(controller is null ? "" : $" ({controller})")} is unreachable: it is failing over; retry";
        if (StandInAnswer(command, unreachable, failingOver) is { } standIn)
        {
            if (unreachable) sender.Tell(standIn);
            else AskController(command, controller!, _settings.ControllerReadTimeout, standIn, standIn, sender);
            return;
        }
        if (unreachable)
        {
            sender.Tell(BrokerActor.RefusalOf(command, ErrorCode.NotController, failingOver));
            return;
        }
        // Longer than any client waits: the answer, or the controller becoming unreachable, comes first.
        var lost = BrokerActor.RefusalOf(command, ErrorCode.RequestTimedOut,
            $"the controller ({controller}) became unreachable before it answered: the command may or may not have taken effect");
        AskController(command, controller!, _settings.RequestTimeout * 3, lost, lost, sender);
    }

    /// <summary>
    /// What this broker answers in the controller's place: its own metadata and view of the members for reads, the
    /// retriable COORDINATOR_NOT_AVAILABLE for a producer id; null for commands only the controller can answer. A
    /// metadata request that would create topics this broker does not know goes to the controller, unless it is
    /// unreachable (then the answer lacks them, as it lacks topics that were not created).
    /// </summary>
    private object? StandInAnswer(IControllerCommand command, bool controllerUnreachable, string failingOver) => command switch
    {
        GetMetadata { AutoCreateTopics: true, Topics: { } topics } when !controllerUnreachable && topics.Any(t => _topics.Metadata.Topic(t) is null) => null,
        GetMetadata => new MetadataResponse(_topics.Metadata),
        GetClusterStatus => ClusterStatuses.Of(_cluster.State, controllerUnreachable ? null : _topics.Metadata.Controller, _topics.Metadata),
        InitProducerId => new InitProducerIdResult(ErrorCode.CoordinatorNotAvailable, -1, -1, controllerUnreachable
            ? failingOver : $"no answer from the controller ({_topics.Metadata.Controller}) within {_settings.ControllerReadTimeout.TotalMilliseconds:0} ms; retry"),
        _ => null,
    };

    /// <summary>
    /// Asks the controller and passes its answer on; <paramref name="noAnswer"/> when it has not answered within
    /// <paramref name="timeout"/>, <paramref name="lost"/> as soon as the controller becomes unreachable.
    /// </summary>
    private void AskController(IControllerCommand command, string controllerId, TimeSpan timeout, object noAnswer, object lost, IActorRef sender)
    {
        if (!_forwarded.TryGetValue(controllerId, out var pending)) _forwarded[controllerId] = pending = new CancellationTokenSource();
        _controller.Ask<object>(command, timeout, pending.Token)
            .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : t.IsCanceled ? lost : noAnswer, TaskContinuationOptions.ExecuteSynchronously)
            .PipeTo(sender);
    }

    /// <summary>
    /// Passes the request to the owner and its answer back to the caller; when the owner becomes unreachable first,
    /// answers LeaderNotAvailable (retriable) instead. acks=0 produces expect no answer and are just passed on.
    /// </summary>
    private void Forward(IPartitionRequest request, string ownerId, ActorSelection owner, IActorRef sender)
    {
        var replyTo = sender;
        if (request is ProduceRequest { Acks: Acks.None })
        {
            owner.Tell(new ForwardedRequest(request), replyTo);
            return;
        }
        if (!_forwarded.TryGetValue(ownerId, out var pending)) _forwarded[ownerId] = pending = new CancellationTokenSource();
        // A fetch may wait at the owner for new records (long poll) before it answers.
        var timeout = _settings.RequestTimeout + (request is FetchRequest fetch ? TimeSpan.FromMilliseconds(Math.Max(0, fetch.MaxWaitMs)) : TimeSpan.Zero);
        owner.Ask<object>(new ForwardedRequest(request), timeout, pending.Token)
            .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result
                    : t.IsCanceled ? ErrorReplies.For(request, ErrorCode.LeaderNotAvailable, $"owner {ownerId} became unreachable; partition is failing over")
                    : ErrorReplies.For(request, ErrorCode.RequestTimedOut, $"no answer from owner {ownerId}"),
                TaskContinuationOptions.ExecuteSynchronously)
            .PipeTo(replyTo);
    }

    public void FailForwardedTo(Address member)
    {
        if (_forwarded.Remove(BrokerIds.Of(member), out var pending))
        {
            pending.Cancel();
            pending.Dispose();
        }
    }

    /// <summary>Cancels every request still waiting for an answer (the BrokerActor stops).</summary>
    public void CancelAll()
    {
        foreach (var pending in _forwarded.Values) pending.Cancel();
        _forwarded.Clear();
    }
}
