using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Persistence;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Security;
using AkkaKafka.Broker.Storage;
using AkkaKafka.Broker.TransactionLog;
using MemberStatus = Akka.Cluster.MemberStatus;

namespace AkkaKafka.Broker.Controller;

/// <summary>
/// The controller: a cluster singleton on the oldest Up broker (so the oldest broker is the leader, and the next
/// oldest takes over when it goes). It owns topic metadata and the partition assignment, both event-sourced so they
/// outlive every node, watches membership through cluster events (Akka's heartbeats and failure detector, with the
/// split-brain resolver downing dead nodes), and tells every broker where each partition lives.
/// </summary>
public sealed class ZookeeperActor : UntypedPersistentActor, IWithTimers
{
    public const string PersistenceIdValue = "zookeeper";
    private const string RepublishTimer = "republish";
    private const string RetryRebalanceTimer = "retry-rebalance";

    private readonly BrokerSettings _settings;
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly ILoggingAdapter _logger = Context.GetLogger();
    private readonly ControllerState _state = new();
    private readonly SortedSet<Member> _brokers = new(Member.AgeOrdering);
    private long _versionCounter;
    private ClusterMetadata _published = ClusterMetadata.Empty;
    /// <summary>Users and ACLs as last published to the brokers (never to clients), and this incarnation's count of such publications.</summary>
    private SecurityMetadata _securityPublished = SecurityMetadata.Empty;
    private long _securityCounter;
    /// <summary>A user or ACL event was applied since the last security publication.</summary>
    private bool _securityChanged = true;
    /// <summary>Serving commands (the controller epoch is written): a failed write from now on is answered, not fatal.</summary>
    private bool _serving;
    /// <summary>The cluster's members are known (the first CurrentClusterState came): metadata may be published.</summary>
    private bool _membersKnown;
    /// <summary>
    /// Metadata requests that came before this controller's first publication, answered by it. Answering them with
    /// the empty metadata a new controller starts with told Kafka clients that every topic and every other broker was
    /// gone: librdkafka failed their queued records ("Unknown topic") and dropped its connections to the other brokers,
    /// failing what was in flight there as not persisted though it was written.
    /// </summary>
    private readonly List<(GetMetadata Request, IActorRef ReplyTo)> _beforeFirstPublication = [];
    private const int MaxRequestsBeforeFirstPublication = 10_000;
    /// <summary>Tells the sender of the command being written why it failed; null when no one waits for the write.</summary>
    private Action<string>? _answerWriteFailure;

    private readonly ControllerFence _fence;

    public ZookeeperActor(BrokerSettings settings, ControllerFence fence)
    {
        _settings = settings;
        _fence = fence;
    }

    public static Props Props(BrokerSettings settings, ControllerFence fence) => Akka.Actor.Props.Create(() => new ZookeeperActor(settings, fence));

    public override string PersistenceId => PersistenceIdValue;

    public ITimerScheduler Timers { get; set; } = null!;

    private string SelfId => BrokerIds.Of(_cluster.SelfAddress);

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: ControllerSnapshot snapshot }:
                _state.Restore(snapshot);
                break;
            case IControllerEvent e:
                _state.Apply(e, LastSequenceNr);
                break;
            case RecoveryCompleted:
                if (_fence.CheckAfterRecovery(SelfId, _state.ControllerEpoch) is { } superseded)
                {
                    // A stale controller: never take another epoch (it would fence the real one in turn) and never act.
                    // Downing itself stops this broker through coordinated shutdown, as any downed broker stops.
                    _logger.Error("Controller fenced: {0}", superseded);
                    _cluster.Down(_cluster.SelfAddress);
                    Context.Stop(Self);
                    return;
                }
                // Nothing is assigned or published before this write succeeds: it proves, through the journal, that no
                // newer controller has written since this one read the journal (the next sequence number is still free).
                Persist(new ControllerEpochStarted(_state.ControllerEpoch + 1), e =>
                {
                    _state.Apply(e, LastSequenceNr);
                    _fence.Started(e.Epoch);
                    _serving = true;
                    _logger.Info("Controller epoch {0} started on {1} with {2} topics", _state.ControllerEpoch, SelfId, _state.Topics.Count);
                    _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
                        typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
                    Timers.StartPeriodicTimer(RepublishTimer, Republish.Instance, _settings.MetadataRefreshInterval);
                    if (_settings.TransactionLog && !_state.Topics.ContainsKey(TransactionLogActor.Topic))
                        PersistTopics([new CreateTopic(TransactionLogActor.Topic, 1)], () => { });
                    WarnIfConsumerOffsetsResized();
                });
                break;
        }
    }

    /// <summary>
    /// Kafka's __consumer_offsets is created once, with offsets.topic.num.partitions, and never resized (a group's
    /// partition is its hash modulo the count): a count changed in the configuration afterwards is reported, not applied.
    /// </summary>
    private void WarnIfConsumerOffsetsResized()
    {
        if (_state.Topics.TryGetValue(Group.ConsumerOffsets.Topic, out var existing) && existing.Partitions != _settings.OffsetsTopicPartitions)
            _logger.Error("{0} has {1} partitions but akkakafka.broker.offsets.topic.num.partitions is {2}: set it back to {1} (the partition count " +
                          "of {0} cannot change once groups are written to it)", Group.ConsumerOffsets.Topic, existing.Partitions, _settings.OffsetsTopicPartitions);
    }

    /// <summary>
    /// A failed write stops this controller (Akka stops a persistent actor whose write failed) before any callback of
    /// that write runs, so it sends nothing it had not already sent. The fence remembers the epoch, so the incarnation
    /// the supervisor starts next can tell a newer controller's write (this one was stale) from an outage.
    /// </summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _fence.WriteFailed(_state.ControllerEpoch);
        _logger.Error(cause, "Controller epoch {0} on {1}: journal write {2} ({3}) failed; this controller stops without acting on it " +
                             "(a newer controller took the sequence number, or the journal is unavailable)",
            _state.ControllerEpoch, SelfId, sequenceNr, @event.GetType().Name);
    }

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        base.PostStop();
    }

    /// <summary>
    /// A controller command whose write certainly failed (the disk is full, the database refused) is answered with
    /// the error and the controller keeps running with its state unchanged: Akka.Persistence would stop it, and every
    /// request, metadata and reads included, would then time out until it was back. Only the first write (the
    /// controller epoch, which fences older controllers) and writes that may have happened (timeouts) still stop it,
    /// so that it recovers the truth from the journal.
    /// </summary>
    protected override bool AroundReceive(Receive receive, object message) =>
        base.AroundReceive(receive, _serving ? JournalFailures.KeepRunningIfNothingWritten(message) : message);

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        var reason = $"the controller could not write to its journal: {JournalFailures.Describe(cause)}";
        _logger.Warning("{0} ({1} not written; state unchanged)", reason, @event.GetType().Name);
        var answer = _answerWriteFailure;
        _answerWriteFailure = null;
        answer?.Invoke(reason);
        // A command may have been half done (a topic written, its assignment not): bring the assignment in line
        // again once the journal takes writes.
        Timers.StartSingleTimer(RetryRebalanceTimer, RetryRebalance.Instance, TimeSpan.FromSeconds(1));
    }

    /// <summary>Who hears of a failed write of the command now being handled; cleared by the command's reply.</summary>
    private void OnWriteFailure(Action<string> answer) => _answerWriteFailure = answer;

    private Action Replying(Action reply) => () =>
    {
        _answerWriteFailure = null;
        reply();
    };

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case ClusterEvent.CurrentClusterState state:
                // Every broker already Up at once: rebalancing after each one, as initial MemberUp events would,
                // first gives a new controller's first broker everything and then takes it back.
                foreach (var member in state.Members)
                    if (member.Status == MemberStatus.Up && member.HasRole(Names.BrokerRole)) _brokers.Add(member);
                _membersKnown = true;
                AssignNodeIds(() => Rebalance());
                break;
            case ClusterEvent.MemberUp up when up.Member.HasRole(Names.BrokerRole):
                _brokers.Add(up.Member);
                AssignNodeIds(() => Rebalance());
                break;
            case ClusterEvent.MemberLeft or ClusterEvent.MemberExited or ClusterEvent.MemberRemoved or ClusterEvent.MemberDowned:
                // A leaving broker hands its partitions over at once; a crashed one keeps them until the split-brain
                // resolver downs it, so a short hiccup does not move anything.
                _brokers.RemoveWhere(m => m.UniqueAddress.Equals(((ClusterEvent.MemberStatusChange)message).Member.UniqueAddress));
                Rebalance();
                break;
            case ClusterEvent.IMemberEvent or ClusterEvent.IReachabilityEvent:
                break;
            case CreateTopic create:
                HandleCreate(create);
                break;
            case DeleteTopic delete:
                HandleDelete(delete);
                break;
            case CreateInternalTopic create:
                HandleCreateInternal(create);
                break;
            case AddPartitions add:
                HandleAddPartitions(add);
                break;
            case AlterTopicConfigs alter:
                HandleAlterConfigs(alter);
                break;
            case UpsertUser upsert:
                HandleUpsertUser(upsert);
                break;
            case DeleteUser delete:
                PersistSecurity(_state.Security.RejectDelete(delete), new UserDeleted(delete.Name), $"Deleted user {delete.Name}.");
                break;
            case AddAcl add when SecurityState.RejectAcl(add.Rule) is { } rejection:
                Sender.Tell(rejection);
                break;
            case AddAcl add when _state.Security.HasAcl(add.Rule):
                // Kafka's CreateAcls is idempotent: an existing rule is success, and nothing is written.
                Sender.Tell(new SecurityCommandResult(ErrorCode.None, $"ACL already present: {add.Rule.Describe()}."));
                break;
            case AddAcl add:
                PersistSecurity(null, new AclAdded(add.Rule), $"Added ACL: {add.Rule.Describe()}.");
                break;
            case RemoveAcl remove:
                PersistSecurity(_state.Security.RejectRemove(remove), new AclRemoved(remove.Rule), $"Removed ACL: {remove.Rule.Describe()}.");
                break;
            case ListAcls list:
                Sender.Tell(_state.Security.ListAcls(list.User));
                break;
            case GetMetadata get when _published.Version == ClusterMetadata.Empty.Version:
                // Askers time out on their own; past the cap a request simply goes unanswered, as it would then.
                if (_beforeFirstPublication.Count < MaxRequestsBeforeFirstPublication) _beforeFirstPublication.Add((get, Sender));
                break;
            case GetMetadata get:
                HandleGetMetadata(get, Sender);
                break;
            case GetClusterStatus:
                Sender.Tell(ClusterStatuses.Of(_cluster.State, SelfId, _published));
                break;
            case InitProducerId init:
                ProducerIds().Forward(init);
                break;
            case Republish:
                Publish(republish: true);
                break;
            case RetryRebalance:
                Rebalance();
                break;
            case SaveSnapshotSuccess saved:
                DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
                break;
            case SaveSnapshotFailure or DeleteSnapshotsSuccess or DeleteSnapshotsFailure:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>The producer id allocator, started on first use and again if a failed journal write stopped it.</summary>
    private IActorRef ProducerIds()
    {
        var child = Context.Child("producer-ids");
        return child.IsNobody() ? Context.ActorOf(ProducerIdAllocator.Props(), "producer-ids") : child;
    }

    private void HandleCreate(CreateTopic create)
    {
        if (_state.RejectCreate(create) is { } rejection)
        {
            Sender.Tell(rejection);
            return;
        }
        var replyTo = Sender;
        OnWriteFailure(reason => replyTo.Tell(new TopicCommandResult(create.Topic, ErrorCode.KafkaStorageError, reason)));
        PersistTopics([create], Replying(() => replyTo.Tell(new TopicCommandResult(create.Topic, ErrorCode.None,
            $"Created topic {create.Topic} with {create.Partitions} partitions."))));
    }

    /// <summary>
    /// An internal topic a broker needs (today __consumer_offsets, on the group coordinator's first write): created as
    /// asked, unless it exists already (several writes may ask before the first creation is published).
    /// </summary>
    private void HandleCreateInternal(CreateInternalTopic create)
    {
        if (!InternalTopics.IsInternal(create.Topic) || create.Partitions is < 1 or > ControllerState.MaxPartitions)
        {
            Sender.Tell(new TopicCommandResult(create.Topic, ErrorCode.InvalidTopic, $"'{create.Topic}' with {create.Partitions} partitions is not an internal topic the brokers create"));
            return;
        }
        if (_state.Topics.ContainsKey(create.Topic))
        {
            Sender.Tell(new TopicCommandResult(create.Topic, ErrorCode.None, $"Topic {create.Topic} exists."));
            return;
        }
        var replyTo = Sender;
        OnWriteFailure(reason => replyTo.Tell(new TopicCommandResult(create.Topic, ErrorCode.KafkaStorageError, reason)));
        PersistTopics([InternalTopicCreation(create.Topic, create.Partitions)], Replying(() => replyTo.Tell(new TopicCommandResult(create.Topic, ErrorCode.None,
            $"Created internal topic {create.Topic} with {create.Partitions} partitions."))));
    }

    /// <summary>
    /// An internal topic is kept forever until compaction exists (issue 21): readers of __consumer_offsets need the newest
    /// value of each key, and a time limit would drop the record of a group that has not changed for that long. An
    /// operator may still set retention.ms.
    /// </summary>
    private static CreateTopic InternalTopicCreation(string topic, int partitions) => new(topic, partitions, RetentionMs: -1, RetentionBytes: -1);

    private void HandleDelete(DeleteTopic delete)
    {
        if (_state.RejectDelete(delete) is { } rejection)
        {
            Sender.Tell(rejection);
            return;
        }
        var replyTo = Sender;
        OnWriteFailure(reason => replyTo.Tell(new TopicCommandResult(delete.Topic, ErrorCode.KafkaStorageError, reason)));
        Persist(new TopicDeleted(delete.Topic), e =>
        {
            _answerWriteFailure = null;
            _state.Apply(e, LastSequenceNr);
            MaybeSnapshot();
            Publish();
            replyTo.Tell(new TopicCommandResult(delete.Topic, ErrorCode.None, $"Deleted topic {delete.Topic}."));
        });
    }

    private void HandleAddPartitions(AddPartitions add)
    {
        if (_state.RejectAddPartitions(add) is { } rejection)
        {
            Sender.Tell(rejection);
            return;
        }
        var replyTo = Sender;
        var before = _state.Topics[add.Topic].Partitions;
        OnWriteFailure(reason => replyTo.Tell(new TopicCommandResult(add.Topic, ErrorCode.KafkaStorageError, reason)));
        Persist(new PartitionsAdded(add.Topic, add.TotalCount), e =>
        {
            _state.Apply(e, LastSequenceNr);
            _logger.Info("Topic {0} grew from {1} to {2} partitions", e.Topic, before, e.TotalCount);
            MaybeSnapshot();
            // The new partitions are assigned (and that persisted) before anyone hears of them, as for a new topic.
            Rebalance(Replying(() => replyTo.Tell(new TopicCommandResult(add.Topic, ErrorCode.None,
                $"Increased the partitions of topic {add.Topic} from {before} to {add.TotalCount}."))));
        });
    }

    private void HandleAlterConfigs(AlterTopicConfigs alter)
    {
        var (rejection, altered) = _state.DecideAlterConfigs(alter, _settings.DefaultRetentionMs, _settings.DefaultRetentionBytes);
        if (rejection is not null)
        {
            Sender.Tell(rejection);
            return;
        }
        var replyTo = Sender;
        OnWriteFailure(reason => replyTo.Tell(new TopicCommandResult(alter.Topic, ErrorCode.KafkaStorageError, reason)));
        Persist(altered!, e =>
        {
            _answerWriteFailure = null;
            _state.Apply(e, LastSequenceNr);
            _logger.Info("Topic {0}: retention.ms={1} retention.bytes={2} message.timestamp.type={3}", e.Topic, e.RetentionMs, e.RetentionBytes, e.TimestampType);
            MaybeSnapshot();
            // Published like any change: each broker's TopicActor hands the new retention to its partitions.
            Publish();
            replyTo.Tell(new TopicCommandResult(e.Topic, ErrorCode.None,
                $"Updated the configs of topic {e.Topic}: retention.ms={e.RetentionMs}, retention.bytes={e.RetentionBytes}, message.timestamp.type={e.TimestampType}."));
        });
    }

    private void HandleUpsertUser(UpsertUser upsert)
    {
        var verb = _state.Security.HasUser(upsert.Name) ? "Updated the credentials of" : "Created";
        var mechanisms = string.Join(", ", upsert.Credentials.Select(c => c.Mechanism));
        PersistSecurity(SecurityState.RejectUpsert(upsert), new UserCredentialsSet(upsert.Name, upsert.Credentials),
            $"{verb} user {upsert.Name} ({mechanisms}).");
    }

    /// <summary>
    /// Answers <paramref name="rejection"/>, or persists <paramref name="e"/>, publishes the users and ACLs to the
    /// brokers and then answers <paramref name="done"/>: a broker may still refuse the change for a moment after the
    /// operator hears of it (publication is a tell), as Kafka's brokers take ACL changes asynchronously too.
    /// </summary>
    private void PersistSecurity(SecurityCommandResult? rejection, IControllerEvent e, string done)
    {
        if (rejection is not null)
        {
            Sender.Tell(rejection);
            return;
        }
        var replyTo = Sender;
        OnWriteFailure(reason => replyTo.Tell(new SecurityCommandResult(ErrorCode.KafkaStorageError, reason)));
        Persist(e, persisted =>
        {
            _answerWriteFailure = null;
            _state.Apply(persisted, LastSequenceNr);
            _securityChanged = true;
            _logger.Info("{0}", done);
            MaybeSnapshot();
            PublishSecurity();
            replyTo.Tell(new SecurityCommandResult(ErrorCode.None, done));
        });
    }

    /// <summary>
    /// Tells every broker the users and ACLs, under a new version when they changed. Versions only grow, across
    /// controllers too (the controller epoch in the high bits, as metadata versions), and a broker keeps the highest it
    /// has seen. Without a change (<paramref name="republish"/>: the periodic refresh, or a new broker to tell) the
    /// same version is sent again, which brokers that have it ignore.
    /// </summary>
    private void PublishSecurity(bool republish = false)
    {
        if (!_membersKnown) return;
        if (_securityChanged)
        {
            _securityChanged = false;
            _securityPublished = _state.Security.ToMetadata(MetadataVersions.Of(_state.ControllerEpoch, ++_securityCounter));
        }
        else if (!republish) return;
        SendToBrokers(new SecurityPublished(_securityPublished));
    }

    /// <summary>
    /// Gives every live broker a Kafka node id (persisted before it is published, so it never changes under a
    /// client), then runs <paramref name="then"/>. See <see cref="ControllerState.PlanNodeIds"/> for the rules.
    /// </summary>
    private void AssignNodeIds(Action then)
    {
        var live = _brokers.Where(m => m.Status == MemberStatus.Up)
            .Select(m => (BrokerIds.Of(m.Address), BrokerRoles.Parse(m.Roles).BrokerId)).ToList();
        var plan = _state.PlanNodeIds(live);
        foreach (var conflict in plan.Conflicts)
            _logger.Error("Kafka node id conflict: {0}; it gets another id instead. Give every broker its own --broker-id.", conflict);
        if (plan.Assignments.Count == 0)
        {
            then();
            return;
        }
        var applied = 0;
        PersistAll(plan.Assignments, e =>
        {
            _state.Apply(e, LastSequenceNr);
            _logger.Info("Broker {0} has Kafka node id {1}", e.Broker, e.NodeId);
            MaybeSnapshot();
            if (++applied == plan.Assignments.Count) then();
        });
    }

    private void HandleGetMetadata(GetMetadata get, IActorRef replyTo)
    {
        var missing = get.Topics?.Where(t => !_state.Topics.ContainsKey(t)).Distinct().ToList() ?? [];
        if (get.AutoCreateTopics && _settings.AutoCreateTopics && missing.Count > 0)
        {
            // __consumer_offsets too, as Kafka creates it when a client asks for it (a lag monitor starting on a cluster
            // that has no group yet); other internal names are refused as any client's create is.
            var creates = missing.Select(t => t == Group.ConsumerOffsets.Topic ? InternalTopicCreation(t, _settings.OffsetsTopicPartitions)
                : new CreateTopic(t, _settings.DefaultPartitions)).Where(c => c.Topic == Group.ConsumerOffsets.Topic || _state.RejectCreate(c) is null).ToList();
            if (creates.Count > 0)
            {
                // Topics that could not be written are simply absent from the answer, as unknown topics are.
                OnWriteFailure(_ => replyTo.Tell(new MetadataResponse(_published)));
                PersistTopics(creates, Replying(() => replyTo.Tell(new MetadataResponse(_published))));
                return;
            }
        }
        replyTo.Tell(new MetadataResponse(_published));
    }

    /// <summary>Persists topic creations, then the assignment of their partitions, then runs <paramref name="done"/>.</summary>
    private void PersistTopics(IReadOnlyList<CreateTopic> creates, Action done)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var events = creates.Select(c => new TopicCreated(c.Topic, c.Partitions,
            c.RetentionMs == CreateTopic.UseDefault ? _settings.DefaultRetentionMs : c.RetentionMs,
            c.RetentionBytes == CreateTopic.UseDefault ? _settings.DefaultRetentionBytes : c.RetentionBytes, now, c.TimestampType)).ToList();
        var applied = 0;
        PersistAll(events, e =>
        {
            _state.Apply(e, LastSequenceNr);
            _logger.Info("Topic {0} created with {1} partitions", e.Name, e.Partitions);
            if (++applied == events.Count) Rebalance(done);
        });
    }

    /// <summary>Brings the assignment in line with the live brokers; persists the changes before publishing them.</summary>
    private void Rebalance(Action? done = null)
    {
        var live = _brokers.Where(m => m.Status == MemberStatus.Up).Select(m => BrokerIds.Of(m.Address)).ToList();
        var changes = _state.Rebalance(live);
        if (changes.Count == 0)
        {
            Publish();
            done?.Invoke();
            return;
        }
        Persist(new PartitionsAssigned(changes), e =>
        {
            _state.Apply(e, LastSequenceNr);
            _logger.Info("Assigned {0} partitions over {1} brokers [{2}]", e.Changes.Count, live.Count, string.Join(", ", live));
            MaybeSnapshot();
            Publish();
            done?.Invoke();
        });
    }

    private void MaybeSnapshot()
    {
        if (LastSequenceNr % _settings.ControllerSnapshotEvery == 0) SaveSnapshot(_state.ToSnapshot());
    }

    /// <summary>
    /// Tells every broker the metadata if it changed (compared by value), with a new version. With
    /// <paramref name="republish"/> (the periodic refresh) unchanged metadata is sent again under the same version:
    /// that heals a lost publication, while a broker that has it ignores it, so nothing is re-sent to its TopicActors.
    /// </summary>
    private void Publish(bool republish = false)
    {
        // Before the members are known the metadata would list no broker (a topic created at start, as the
        // transaction log is, publishes): the first publication waits for the first CurrentClusterState.
        if (!_membersKnown) return;
        var brokers = _brokers.Select((m, i) =>
        {
            var id = BrokerIds.Of(m.Address);
            return new BrokerInfo(id, m.Status.ToString(), i, _state.NodeIdOf(id) ?? BrokerInfo.NoNodeId, BrokerRoles.Parse(m.Roles).KafkaEndpoint);
        }).ToList();
        var next = _state.ToMetadata(0, SelfId, brokers);
        // Versions only grow, across controllers too: a node ignores anything older than what it has, and anything
        // from a controller epoch older than one it has heard from.
        if (MetadataVersions.NextPublication(_published, next, _state.ControllerEpoch, _versionCounter + 1) is not { } changed)
        {
            if (republish) SendToBrokers(new MetadataPublished(_published));
            PublishSecurity(republish);
            return;
        }
        _versionCounter++;
        _published = changed;
        SendToBrokers(new MetadataPublished(changed));
        // A change of metadata may be a new broker, which has no users and ACLs yet: send them along.
        PublishSecurity(republish: true);
        if (_beforeFirstPublication.Count == 0) return;
        var waiting = _beforeFirstPublication.ToList();
        _beforeFirstPublication.Clear();
        foreach (var (request, replyTo) in waiting) HandleGetMetadata(request, replyTo);
    }

    private void SendToBrokers(IAkkaKafkaMessage publication)
    {
        foreach (var member in _cluster.State.Members)
            if (member.HasRole(Names.BrokerRole) && member.Status is MemberStatus.Up or MemberStatus.Leaving or MemberStatus.Joining or MemberStatus.WeaklyUp)
                Context.ActorSelection(new RootActorPath(member.Address) / "user" / Names.BrokerActorName).Tell(publication);
    }

    private sealed class Republish
    {
        public static readonly Republish Instance = new();
    }

    private sealed class RetryRebalance
    {
        public static readonly RetryRebalance Instance = new();
    }
}
