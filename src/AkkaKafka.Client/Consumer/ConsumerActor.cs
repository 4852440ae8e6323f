using System.Threading.Channels;
using Akka.Actor;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Client.Consumer;

/// <summary>
/// The one owner of a consumer's state: which partitions it reads (one <see cref="PartitionFetcher"/> child and one
/// <see cref="PartitionLease"/> per partition), the positions it commits, and its group session. The
/// <see cref="Consumer"/> facade only sends it messages; the application's thread touches nothing of it but the lease
/// of each record it takes from the buffer.
/// <para>The group session is Kafka's classic consumer protocol, the same requests Kafka's consumers send (as Kafka
/// frames, <see cref="PartitionRoutes.KafkaAsync"/>), so a group may mix these members with Kafka clients: JoinGroup
/// (protocol type "consumer", one ConsumerProtocol subscription per assignor of partition-assignment-strategy),
/// SyncGroup (the leader assigns client-side, <see cref="PartitionAssignors"/>), Heartbeat, OffsetCommit/OffsetFetch,
/// LeaveGroup. Every broker serves group requests for the group's coordinator (FindCoordinator names the broker asked),
/// so they go to the contact broker; "find the coordinator again" is sending the next attempt, which the ClusterClient
/// routes to a live broker.</para>
/// <para>Rebalances read nothing twice: a partition is given up only after its lease is revoked (records of it still
/// buffered are dropped, the position handed over is final) and that position is committed, as Kafka's consumer does in
/// onPartitionsRevoked with auto-commit. Eager (with range among the assignors): everything is revoked and committed
/// before the member rejoins. Cooperative (KIP-429, cooperative-sticky alone): the member keeps its partitions while it
/// rejoins, revokes and commits only those the new assignment leaves out, and rejoins so the next rebalance gives them
/// to their new owners. A member that loses its membership (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION) cannot commit: its
/// records handed over since its last commit (at most one auto-commit interval's worth) are read again: at least once.</para>
/// <para>The coordinator moving (its broker killed) is not a lost membership: the coordinator that takes over recovers
/// the group's members and generation. Meanwhile requests get no answer or COORDINATOR_NOT_AVAILABLE / NOT_COORDINATOR
/// / COORDINATOR_LOAD_IN_PROGRESS: the member keeps its partitions and positions and tries again as it is.</para>
/// </summary>
internal sealed class ConsumerActor : UntypedActor, IWithTimers
{
    private const string HeartbeatTimer = "heartbeat";
    private const string AutoCommitTimer = "auto-commit";
    private const string RejoinTimer = "rejoin";
    private const string StartTimer = "start-assigned";
    // A commit refused for a stale assignment is made again after rejoining; a group rebalancing on and on gets this many tries.
    private const int CommitAttempts = 3;
    private static readonly TimeSpan CloseStepTimeout = TimeSpan.FromSeconds(5);

    private readonly ClusterConnection _connection;
    private readonly ClientSettings _settings;
    private readonly string _clientId;
    private readonly ChannelWriter<Delivery> _buffer;
    private readonly ConsumerView _view;
    private readonly Action<FetchError> _onFetchError;
    private readonly CommitPositions _positions = new();
    private readonly Dictionary<TopicPartition, IActorRef> _fetchers = new();
    // Where each partition's current fetcher started, to start a replacement if it fails.
    private readonly Dictionary<TopicPartition, StartPosition> _starts = new();
    // Partitions whose fetcher knows its start offset (a subscribe completes when every assigned one does).
    private readonly HashSet<TopicPartition> _positioned = [];
    private readonly IReadOnlyList<IPartitionAssignor> _assignors;
    private readonly RebalanceProtocol _protocol;

    // The group session (null: partitions assigned by hand).
    private JoinConsumerGroup? _group;
    private Phase _phase = Phase.Unjoined;
    private string _memberId = "";
    private int _generation = -1;
    // Positions of revoked partitions, to commit before the partitions are given up (then forgotten: their new owner commits).
    private readonly List<PartitionOffset> _releasing = [];
    // Cooperative: partitions were revoked, so once their positions are committed the member rejoins to hand them over.
    private bool _rejoinAfterRelease;
    private IReadOnlyList<TopicPartition> _assigned = [];
    private readonly HashSet<TopicPartition> _fetchingCommitted = [];
    private bool _heartbeatInFlight;
    private bool _commitInFlight;
    private bool _commitWanted;
    private int _commitAttempt;
    private readonly List<TaskCompletionSource> _commitWaiters = [];

    /// <summary>Where the member is in Kafka's join protocol.</summary>
    private enum Phase
    {
        Unjoined,
        /// <summary>Eager: everything revoked, its positions being committed before the JoinGroup goes.</summary>
        Preparing,
        Joining,
        Syncing,
        Stable,
    }

    public ConsumerActor(ClusterConnection connection, string clientId, ChannelWriter<Delivery> buffer, ConsumerView view, Action<FetchError> onFetchError)
    {
        _connection = connection;
        _settings = connection.Settings;
        _clientId = clientId;
        _buffer = buffer;
        _view = view;
        _onFetchError = onFetchError;
        _assignors = _settings.PartitionAssignmentStrategy.Select(PartitionAssignors.Named).ToList();
        _protocol = PartitionAssignors.ProtocolOf(_assignors);
    }

    public static Props Props(ClusterConnection connection, string clientId, ChannelWriter<Delivery> buffer, ConsumerView view, Action<FetchError> onFetchError) =>
        Akka.Actor.Props.Create(() => new ConsumerActor(connection, clientId, buffer, view, onFetchError));

    public ITimerScheduler Timers { get; set; } = null!;

    private string Group => _group!.Group;

    /// <summary>The fetches of all this consumer's partitions, one request per broker (<see cref="BrokerFetches"/>).</summary>
    private IActorRef Fetches => _fetches ??= Context.ActorOf(BrokerFetches.Props(_connection, _clientId), "fetches");
    private IActorRef? _fetches;

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case AssignPartitions assign:
                foreach (var start in assign.Partitions)
                    if (!_fetchers.ContainsKey(start.Partition)) StartFetcher(new PartitionLease(start.Partition), -1, new StartPosition.At(start.Offset));
                Publish();
                assign.Done.TrySetResult();
                break;
            case JoinConsumerGroup join when _group is not null:
                join.Joined.TrySetException(new InvalidOperationException("already subscribed"));
                break;
            case JoinConsumerGroup join:
                _group = join;
                Join();
                break;
            case Joined joined: OnJoined(joined); break;
            case LeaderAssigned assigned: Sync(assigned.Generation, assigned.Assignments); break;
            case Synced synced: OnSynced(synced); break;
            case HeartbeatTick: SendHeartbeat(); break;
            case HeartbeatAnswered answered: OnHeartbeat(answered); break;
            case Rejoin when _phase == Phase.Unjoined: Join(); break; // a member that got back in meanwhile stays as it is
            case StartAssigned: StartAssignedPartitions(); break;
            case CommittedFetched fetched: OnCommittedFetched(fetched); break;
            case FetcherPositioned positioned when _positions.IsCurrent(positioned.Lease):
                _positioned.Add(positioned.Lease.Partition);
                CompleteJoinIfReady();
                break;
            case FetcherCannotStart cannot:
                // The subscriber hears why (as before); the fetcher keeps trying, so the member goes on if it is not given up.
                _group?.Joined.TrySetException(cannot.Error);
                break;
            case CommitNow commit:
                _commitWaiters.Add(commit.Done);
                Commit();
                break;
            case AutoCommitTick: Commit(); break;
            case CommitAnswered answered: OnCommitAnswered(answered); break;
            case CloseConsumer close: Close(close); break;
            case Terminated terminated: OnFetcherStopped(terminated.ActorRef); break;
        }
    }

    // ---------------- partitions ----------------

    /// <summary>
    /// A fetcher that fails is stopped, never restarted in place (a restart would begin again at its first start and
    /// hand the application records again under the same lease, moving its position back).
    /// </summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    private void StartFetcher(PartitionLease lease, long committed, StartPosition start)
    {
        _positions.Add(lease, committed);
        _starts[lease.Partition] = start;
        _fetchers[lease.Partition] = Context.Watch(Context.ActorOf(PartitionFetcher.Props(Fetches, lease, start, _buffer, _onFetchError),
            $"fetch-{Uri.EscapeDataString(lease.Partition.Topic)}-{lease.Partition.Partition}-{Guid.NewGuid():N}"));
    }

    /// <summary>
    /// A fetcher stopped without being revoked (it failed): the partition goes on under a new lease from the position
    /// handed to the application (its records still buffered are dropped with the old lease and fetched again).
    /// </summary>
    private void OnFetcherStopped(IActorRef fetcher)
    {
        if (_fetchers.Where(kv => kv.Value.Equals(fetcher)).Select(kv => (TopicPartition?)kv.Key).FirstOrDefault() is not { } tp)
            return; // revoked: stopped on purpose
        var old = _positions.Lease(tp)!;
        var committed = _positions.CommittedOf(tp);
        var handedOver = old.Revoke(); // final: the reader drops the old lease's buffered records from here on
        var start = handedOver != PartitionLease.NothingHandedOver ? new StartPosition.At(handedOver) : _starts[tp];
        _positions.Revoke(tp);
        _fetchers.Remove(tp);
        StartFetcher(new PartitionLease(tp), committed, start);
    }

    /// <summary>Answers the position handed over and not committed yet (null: none), final from here on.</summary>
    private PartitionOffset? Revoke(TopicPartition tp)
    {
        // The lease first: from here on the reader drops the partition's buffered records and hands none of them over.
        var due = _positions.Revoke(tp);
        _positioned.Remove(tp);
        _starts.Remove(tp);
        if (_fetchers.Remove(tp, out var fetcher)) Context.Stop(fetcher);
        return due;
    }

    private List<PartitionOffset> RevokeAll()
    {
        var due = new List<PartitionOffset>();
        foreach (var tp in _fetchers.Keys.ToList())
            if (Revoke(tp) is { } position) due.Add(position);
        return due;
    }

    /// <summary>What <see cref="Consumer.Assignment"/>, <see cref="Consumer.MemberId"/> and <see cref="Consumer.Generation"/> show (immutable snapshots).</summary>
    private void Publish()
    {
        IEnumerable<TopicPartition> partitions = _group is null ? _fetchers.Keys : _assigned;
        _view.Assignment = partitions.OrderBy(tp => tp.Topic, StringComparer.Ordinal).ThenBy(tp => tp.Partition).ToList();
        _view.MemberId = _memberId.Length > 0 ? _memberId : null;
        _view.Generation = _generation;
    }

    // ---------------- group session: Kafka's classic consumer protocol ----------------

    private Task<T> KafkaAsync<T>(IKafkaRequest request, KafkaResponseReader<T> read, TimeSpan timeout) =>
        _connection.Routes.KafkaAsync(null, request, _clientId, read, timeout);

    // A JoinGroup (and a follower's SyncGroup) is answered when the rebalance completes: up to the rebalance timeout.
    private TimeSpan RebalanceWait => (_settings.RebalanceTimeout > _settings.SessionTimeout ? _settings.RebalanceTimeout : _settings.SessionTimeout) + _settings.RequestTimeout;

    private static bool IsCoordinatorError(ErrorCode code) =>
        code is ErrorCode.CoordinatorNotAvailable or ErrorCode.NotCoordinator or ErrorCode.CoordinatorLoadInProgress;

    /// <summary>
    /// (Re)joins the group, as Kafka's onJoinPrepare does first: eager, every partition is revoked and its position
    /// committed before the JoinGroup goes; cooperative, the member keeps what it owns and names it in its subscription.
    /// </summary>
    private void Join()
    {
        if (_group is null || _phase is Phase.Preparing or Phase.Joining or Phase.Syncing) return;
        Timers.Cancel(RejoinTimer);
        if (_protocol == RebalanceProtocol.Eager && _fetchers.Count > 0)
        {
            _phase = Phase.Preparing;
            _releasing.AddRange(RevokeAll());
            _assigned = [];
            Publish();
            Commit();
            if (!_commitInFlight) SendJoin();
            return;
        }
        SendJoin();
    }

    private void SendJoin()
    {
        _phase = Phase.Joining;
        _rejoinAfterRelease = false; // this join hands over whatever was revoked
        var subscription = ConsumerProtocol.EncodeSubscription(new ConsumerProtocol.Subscription(
            _group!.Partitions.Select(tp => tp.Topic).Distinct().ToList(),
            _fetchers.Keys.Order(PartitionAssignors.Order).ToList(), _generation));
        var request = new JoinGroupRequestData(Group, (int)_settings.SessionTimeout.TotalMilliseconds, _memberId, GroupDescription.ConsumerProtocolType,
            _assignors.Select(a => new JoinGroupRequestProtocol(a.Name, subscription)).ToList(), (int)_settings.RebalanceTimeout.TotalMilliseconds);
        KafkaAsync(request, JoinGroupResponseData.Read, RebalanceWait)
            .PipeTo(Self, success: r => new Joined(r, null), failure: e => new Joined(null, e.GetBaseException()));
    }

    private void OnJoined(Joined joined)
    {
        if (_phase != Phase.Joining) return;
        _phase = Phase.Unjoined;
        if (joined.Response is not { } response)
        {
            if (FailFirstJoin(joined.Failure!)) return;
            RejoinLater();
            return;
        }
        var code = response.ErrorCode;
        if (code == ErrorCode.None)
        {
            _memberId = response.MemberId;
            _generation = response.GenerationId;
            _phase = Phase.Syncing;
            if (response.Leader == _memberId) AssignAsLeader(response);
            else Sync(response.GenerationId, []);
        }
        else if (code == ErrorCode.MemberIdRequired)
        {
            // JoinGroup v4+: the coordinator gave us our id first; join with it.
            _memberId = response.MemberId;
            SendJoin();
        }
        else if (!JoinAgainAfter(code) && (IsCoordinatorError(code) || !FailFirstJoin(new KafkaException(code, $"joining group {Group}: {code.Describe()}"))))
            RejoinLater();
    }

    /// <summary>
    /// A JoinGroup or SyncGroup refused because the group moved on (true): joins again at once, as a new member after
    /// UNKNOWN_MEMBER_ID, as the same member after ILLEGAL_GENERATION or REBALANCE_IN_PROGRESS.
    /// </summary>
    private bool JoinAgainAfter(ErrorCode code)
    {
        if (code is not (ErrorCode.UnknownMemberId or ErrorCode.IllegalGeneration or ErrorCode.RebalanceInProgress)) return false;
        if (code == ErrorCode.UnknownMemberId) LoseMembership(forgetMemberId: true);
        SendJoin();
        return true;
    }

    /// <summary>The first join failed: the subscriber hears it and this consumer is in no group (true); later, the member keeps trying.</summary>
    private bool FailFirstJoin(Exception error)
    {
        if (_generation >= 0 || !_group!.Joined.TrySetException(error)) return false;
        _group = null;
        return true;
    }

    private void RejoinLater() => Timers.StartSingleTimer(RejoinTimer, Rejoin.Instance, _settings.HeartbeatInterval);

    /// <summary>
    /// The leader assigns client-side, with the assignor the group chose, over every member's subscription; the
    /// partition counts come from metadata (the members may subscribe to topics this one does not).
    /// </summary>
    private void AssignAsLeader(JoinGroupResponseData response)
    {
        var assignor = _assignors.First(a => a.Name == response.ProtocolName);
        var members = response.Members.Select(m => new GroupSubscriber(m.MemberId,
            ConsumerProtocol.TryDecodeSubscription(m.Metadata.Span) ?? new ConsumerProtocol.Subscription([], []))).ToList();
        var topics = members.SelectMany(m => m.Subscription.Topics).Distinct().ToList();
        var generation = response.GenerationId;
        var protocol = _protocol;
        new AdminClient(_connection).MetadataAsync(topics).PipeTo(Self, success: metadata =>
        {
            var counts = topics.Select(t => metadata.Topic(t)).Where(t => t is not null).ToDictionary(t => t!.Name, t => t!.PartitionCount);
            var assignment = assignor.Assign(counts, members);
            if (protocol == RebalanceProtocol.Cooperative) assignment = PartitionAssignors.WithoutTransfers(assignment, members);
            return new LeaderAssigned(generation, assignment.Select(kv =>
                new SyncGroupRequestAssignment(kv.Key, ConsumerProtocol.EncodeAssignment(kv.Value))).ToList());
        }, failure: _ => new Synced(generation, null)); // no metadata: rejoin, as after a failed sync
    }

    private void Sync(int generation, IReadOnlyList<SyncGroupRequestAssignment> assignments)
    {
        if (_phase != Phase.Syncing || generation != _generation) return;
        KafkaAsync(new SyncGroupRequestData(Group, generation, _memberId, assignments), SyncGroupResponseData.Read, RebalanceWait)
            .PipeTo(Self, success: r => new Synced(generation, r), failure: _ => new Synced(generation, null));
    }

    private void OnSynced(Synced synced)
    {
        if (_phase != Phase.Syncing || synced.Generation != _generation) return;
        _phase = Phase.Unjoined;
        if (synced.Response is { ErrorCode: ErrorCode.None } response)
        {
            _phase = Phase.Stable;
            if (!Timers.IsTimerActive(HeartbeatTimer))
            {
                Timers.StartPeriodicTimer(HeartbeatTimer, HeartbeatTick.Instance, _settings.HeartbeatInterval);
                Timers.StartPeriodicTimer(AutoCommitTimer, AutoCommitTick.Instance, _settings.AutoCommitInterval);
            }
            ApplyAssignment(ConsumerProtocol.TryDecodeAssignment(response.Assignment.Span) ?? []);
        }
        else if (synced.Response is not { } refused || !JoinAgainAfter(refused.ErrorCode))
            RejoinLater(); // no answer (no metadata for the leader) or the coordinator moving: join again once it is found
    }

    private void SendHeartbeat()
    {
        if (_phase != Phase.Stable || _heartbeatInFlight) return;
        _heartbeatInFlight = true;
        var generation = _generation;
        KafkaAsync(new HeartbeatRequestData(Group, generation, _memberId), HeartbeatResponseData.Read, _settings.AttemptTimeout)
            .PipeTo(Self, success: r => new HeartbeatAnswered(generation, r), failure: _ => new HeartbeatAnswered(generation, null));
    }

    private void OnHeartbeat(HeartbeatAnswered answered)
    {
        _heartbeatInFlight = false;
        // No answer: the coordinator is failing over; the next beat tries again. An answer overtaken by a rebalance: stale.
        if (answered.Response is not { } response || _phase != Phase.Stable || answered.Generation != _generation) return;
        switch (response.ErrorCode)
        {
            case ErrorCode.RebalanceInProgress:
                Join();
                break;
            case ErrorCode.UnknownMemberId:
                LoseMembership(forgetMemberId: true);
                Join();
                break;
            case ErrorCode.IllegalGeneration:
                // The group went on without us: our partitions may be someone else's now; rejoin as the same member.
                LoseMembership(forgetMemberId: false);
                Join();
                break;
            default:
                // Fine, or the coordinator is moving: the one that takes over knows this member; the next beat tries again.
                break;
        }
    }

    /// <summary>Expired or fenced: every partition is lost (Kafka's onPartitionsLost), nothing can be committed; they come back from the commits.</summary>
    private void LoseMembership(bool forgetMemberId)
    {
        if (forgetMemberId) _memberId = "";
        _generation = -1;
        _phase = Phase.Unjoined;
        _releasing.Clear();
        _rejoinAfterRelease = false;
        RevokeAll();
        _assigned = [];
        Publish();
    }

    /// <summary>
    /// The partitions SyncGroup gave us. What we no longer have is revoked (cooperative: the leader left it out because
    /// it moves) and its position committed; then, cooperative, we rejoin so the next rebalance hands it over.
    /// </summary>
    private void ApplyAssignment(IReadOnlyList<TopicPartition> assignment)
    {
        _assigned = assignment;
        var wanted = assignment.ToHashSet();
        foreach (var tp in _fetchers.Keys.Where(tp => !wanted.Contains(tp)).ToList())
        {
            if (Revoke(tp) is { } due) _releasing.Add(due);
            _rejoinAfterRelease = true;
        }
        StartAssignedPartitions();
        Publish();
        Commit();
        RejoinIfReleased();
    }

    private void RejoinIfReleased()
    {
        if (!_rejoinAfterRelease || _commitInFlight || _releasing.Count > 0) return;
        _rejoinAfterRelease = false;
        Join();
    }

    /// <summary>Partitions assigned and not read yet: their committed offsets first, then a fetcher each.</summary>
    private void StartAssignedPartitions()
    {
        var added = _assigned.Where(tp => !_fetchers.ContainsKey(tp) && !_fetchingCommitted.Contains(tp)).ToList();
        if (added.Count == 0)
        {
            CompleteJoinIfReady();
            return;
        }
        _fetchingCommitted.UnionWith(added);
        var request = new OffsetFetchRequestData(Group, added.GroupBy(tp => tp.Topic)
            .Select(t => new OffsetFetchRequestTopic(t.Key, t.Select(tp => tp.Partition).ToList())).ToList());
        KafkaAsync(request, OffsetFetchResponseData.Read, _settings.RequestTimeout)
            .PipeTo(Self, success: r => new CommittedFetched(added, r, null), failure: e => new CommittedFetched(added, null, e.GetBaseException()));
    }

    private void OnCommittedFetched(CommittedFetched fetched)
    {
        _fetchingCommitted.ExceptWith(fetched.Partitions);
        if (_group is null) return;
        var error = fetched.Response switch
        {
            null => fetched.Failure,
            { ErrorCode: not ErrorCode.None and var code } => new KafkaException(code, $"reading the offsets of group {Group}: {code.Describe()}"),
            { } r when r.Topics.SelectMany(t => t.Partitions).FirstOrDefault(p => p.ErrorCode != ErrorCode.None) is { } p =>
                new KafkaException(p.ErrorCode, $"reading the offsets of group {Group}: {p.ErrorCode.Describe()}"),
            _ => null,
        };
        if (error is not null)
        {
            _group.Joined.TrySetException(error);
            Timers.StartSingleTimer(StartTimer, StartAssigned.Instance, _settings.HeartbeatInterval);
            return;
        }
        var committed = fetched.Response!.Topics.SelectMany(t => t.Partitions.Select(p => (Tp: new TopicPartition(t.Name, p.PartitionIndex), p.CommittedOffset)))
            .ToDictionary(x => x.Tp, x => x.CommittedOffset);
        var assigned = _assigned.ToHashSet();
        foreach (var tp in fetched.Partitions.Where(tp => assigned.Contains(tp) && !_fetchers.ContainsKey(tp)))
        {
            var offset = committed.GetValueOrDefault(tp, -1);
            StartFetcher(new PartitionLease(tp), offset, offset >= 0 ? new StartPosition.At(offset) : _group.ResetTo);
        }
        Publish();
    }

    private void CompleteJoinIfReady()
    {
        if (_group is { } g && _phase == Phase.Stable && _assigned.All(_positioned.Contains)) g.Joined.TrySetResult();
    }

    // ---------------- commits ----------------

    /// <summary>
    /// Commits the positions handed to the application since the last commit, and those of revoked partitions (one
    /// commit in flight at a time). Only a member of a generation commits: while it joins, the commit waits.
    /// </summary>
    private void Commit()
    {
        if (_group is null)
        {
            CompleteCommitWaiters(null);
            return;
        }
        if (_commitInFlight || _phase is Phase.Joining or Phase.Syncing or Phase.Unjoined || _generation < 0)
        {
            _commitWanted = true; // after the commit in flight, or once joined
            return;
        }
        _commitWanted = false;
        var offsets = _positions.Due().Concat(_releasing).ToList();
        _releasing.Clear();
        if (offsets.Count == 0)
        {
            CompleteCommitWaiters(null);
            return;
        }
        _commitInFlight = true;
        var waiters = _commitWaiters.ToList();
        _commitWaiters.Clear();
        SendCommit(offsets, _settings.RequestTimeout)
            .PipeTo(Self, success: r => new CommitAnswered(offsets, waiters, r, null), failure: e => new CommitAnswered(offsets, waiters, null, e.GetBaseException()));
    }

    /// <summary>Kafka's OffsetCommit as this generation's member; answers the first partition's refusal (None: all taken).</summary>
    private async Task<ErrorCode> SendCommit(IReadOnlyList<PartitionOffset> offsets, TimeSpan timeout)
    {
        var request = new OffsetCommitRequestData(Group, offsets.GroupBy(o => o.Topic).Select(t => new OffsetCommitRequestTopic(t.Key,
            t.Select(o => new OffsetCommitRequestPartition(o.Partition, o.Offset, null)).ToList())).ToList(), _generation, _memberId);
        var response = await KafkaAsync(request, OffsetCommitResponseData.Read, timeout);
        return response.Topics.SelectMany(t => t.Partitions).Select(p => p.ErrorCode).FirstOrDefault(e => e != ErrorCode.None);
    }

    private void OnCommitAnswered(CommitAnswered answered)
    {
        _commitInFlight = false;
        // Whatever the answer, revoked partitions are given up now: committed, or (refused, no answer) read again by their
        // new owners from the last commit; holding them longer would only stall the group.
        if (_phase == Phase.Preparing)
        {
            // Kafka's onJoinPrepare goes on to join whatever its commit's outcome. The answer may be of an auto-commit
            // sent before the revoke: the revoked partitions' positions go first, then the join.
            Complete(answered.Waiters, answered.Error is ErrorCode.None ? null : answered.Failure ?? Refused(answered.Error!.Value));
            if (_releasing.Count > 0) Commit();
            if (!_commitInFlight) SendJoin();
            return;
        }
        switch (answered.Error)
        {
            case ErrorCode.None:
                _positions.Accepted(answered.Offsets);
                _commitAttempt = 0;
                Complete(answered.Waiters, null);
                break;
            case ErrorCode.IllegalGeneration or ErrorCode.RebalanceInProgress when ++_commitAttempt < CommitAttempts:
                // Our generation is older than the coordinator's: rejoin, then commit what we kept.
                _commitWaiters.InsertRange(0, answered.Waiters);
                _commitWanted = true;
                Join();
                return;
            case ErrorCode.UnknownMemberId:
                _commitAttempt = 0;
                Complete(answered.Waiters, Refused(ErrorCode.UnknownMemberId));
                LoseMembership(forgetMemberId: true);
                Join();
                return;
            case { } refused:
                // Retriable coordinator errors among them: the positions stay due, and the next auto-commit sends them
                // again with the same member id and generation.
                _commitAttempt = 0;
                Complete(answered.Waiters, Refused(refused));
                break;
            case null:
                // No answer: the next auto-commit tries again; a caller waiting hears why.
                _commitAttempt = 0;
                Complete(answered.Waiters, answered.Failure);
                break;
        }
        if (_commitWanted) Commit();
        RejoinIfReleased();
    }

    private KafkaException Refused(ErrorCode error) => new(error, $"committing to group {Group}: {error.Describe()}");

    private void CompleteCommitWaiters(Exception? error)
    {
        var waiters = _commitWaiters.ToList();
        _commitWaiters.Clear();
        Complete(waiters, error);
    }

    private static void Complete(IEnumerable<TaskCompletionSource> waiters, Exception? error)
    {
        foreach (var w in waiters)
            if (error is null) w.TrySetResult();
            else w.TrySetException(error);
    }

    // ---------------- close ----------------

    /// <summary>
    /// Stops reading (every lease revoked: what is still buffered is not handed over), commits what was handed over,
    /// leaves the group (a courtesy: without it the coordinator expires us after the session timeout), then stops.
    /// </summary>
    private void Close(CloseConsumer close)
    {
        Timers.CancelAll();
        // Revoked first, so the positions committed are final: no record is handed over after them.
        var revoked = RevokeAll();
        var member = _group is not null && _memberId.Length > 0;
        var offsets = member && _generation >= 0 ? revoked.Concat(_releasing).ToList() : [];
        Become(Closing(close));
        if (!member)
        {
            Finish(close);
            return;
        }
        if (offsets.Count == 0)
        {
            Leave();
            return;
        }
        SendCommit(offsets, CloseStepTimeout).PipeTo(Self, success: _ => ClosingCommitAnswered.Instance, failure: _ => ClosingCommitAnswered.Instance);
    }

    private void Leave() =>
        KafkaAsync(new LeaveGroupRequestData(Group, _memberId, [new LeaveGroupMemberIdentity(_memberId)]), LeaveGroupResponseData.Read, CloseStepTimeout)
            .PipeTo(Self, success: _ => LeftGroup.Instance, failure: _ => LeftGroup.Instance);

    private UntypedReceive Closing(CloseConsumer close) => message =>
    {
        switch (message)
        {
            case ClosingCommitAnswered:
                Leave();
                break;
            case CommitAnswered earlier:
                // A commit sent before the close: the close's own commit follows it with newer positions.
                Complete(earlier.Waiters, null);
                break;
            case LeftGroup:
                Finish(close);
                break;
            case CommitNow commit:
                commit.Done.TrySetResult();
                break;
            case CloseConsumer again:
                again.Done.TrySetResult();
                break;
            case JoinConsumerGroup join:
                join.Joined.TrySetException(new ObjectDisposedException(nameof(Consumer)));
                break;
        }
    };

    private void Finish(CloseConsumer close)
    {
        close.Done.TrySetResult();
        Context.Stop(Self);
    }

    protected override void PostStop()
    {
        RevokeAll();
        _group?.Joined.TrySetException(new ObjectDisposedException(nameof(Consumer)));
        CompleteCommitWaiters(null);
    }

    private sealed record Joined(JoinGroupResponseData? Response, Exception? Failure);

    private sealed record LeaderAssigned(int Generation, IReadOnlyList<SyncGroupRequestAssignment> Assignments);

    private sealed record Synced(int Generation, SyncGroupResponseData? Response);

    private sealed record HeartbeatAnswered(int Generation, HeartbeatResponseData? Response);

    private sealed record CommittedFetched(IReadOnlyList<TopicPartition> Partitions, OffsetFetchResponseData? Response, Exception? Failure);

    /// <summary>A commit's outcome: <see cref="Error"/> is the first partition's refusal (None: all taken), null with <see cref="Failure"/> when unanswered.</summary>
    private sealed record CommitAnswered(IReadOnlyList<PartitionOffset> Offsets, IReadOnlyList<TaskCompletionSource> Waiters, ErrorCode? Error, Exception? Failure);

    private sealed class HeartbeatTick
    {
        public static readonly HeartbeatTick Instance = new();
    }

    private sealed class AutoCommitTick
    {
        public static readonly AutoCommitTick Instance = new();
    }

    private sealed class Rejoin
    {
        public static readonly Rejoin Instance = new();
    }

    private sealed class StartAssigned
    {
        public static readonly StartAssigned Instance = new();
    }

    private sealed class ClosingCommitAnswered
    {
        public static readonly ClosingCommitAnswered Instance = new();
    }

    private sealed class LeftGroup
    {
        public static readonly LeftGroup Instance = new();
    }
}

/// <summary>
/// What the facade shows of the actor's state: immutable snapshots the actor replaces (it is their only writer), so
/// reading them needs no lock and cannot see a half-made change.
/// </summary>
internal sealed class ConsumerView
{
    private volatile IReadOnlyList<TopicPartition> _assignment = [];
    private volatile string? _memberId;
    private volatile int _generation = -1;

    public IReadOnlyList<TopicPartition> Assignment { get => _assignment; set => _assignment = value; }
    public string? MemberId { get => _memberId; set => _memberId = value; }
    public int Generation { get => _generation; set => _generation = value; }
}
