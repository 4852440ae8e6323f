using System.Threading.Channels;
using Akka.Actor;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Client.Consumer;

/// <summary>
/// The one owner of a consumer's state: which partitions it reads (one <see cref="PartitionFetcher"/> child and one
/// <see cref="PartitionLease"/> per partition), the positions it commits, and its group session (join, heartbeat,
/// rebalance, commit, leave). The <see cref="Consumer"/> facade only sends it messages; the application's thread
/// touches nothing of it but the lease of each record it takes from the buffer.
/// <para>Rebalances: a member learns of a new assignment from its next heartbeat (or from a commit the coordinator
/// refuses). A revoked partition's lease is revoked before its fetcher stops: records of it still in the buffer are
/// then dropped by the reader instead of being handed over, and the position handed over is final. That position is
/// committed, and only then does the member tell the coordinator it applied the assignment (the generation in its
/// heartbeats), which releases the partition to its new owner (<c>GroupMembership</c>): the new owner starts where this
/// member stopped, so a rebalance among live members reads nothing twice. Only a member that loses its membership
/// (expired) cannot commit: its records handed over since its last commit (at most one auto-commit interval's worth)
/// are read again by the new owner: at least once.</para>
/// <para>The coordinator moving (its broker killed) is not a lost membership: the coordinator that takes over recovers
/// the group's members, generation and partitions, and gives each a whole session. While it moves, heartbeats and
/// commits get no answer or a retriable coordinator error (COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR, a timeout):
/// the member keeps its partitions and positions and tries again with the same member id and generation; its
/// positions stay due and are committed by the next auto-commit that gets through.</para>
/// <para>A commit refused because the assignment changed (ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS) makes the member
/// rejoin, as Kafka's consumer does: joining again with its member id answers the current generation and its
/// partitions, the lost ones are revoked, and the commit is made again for the ones it kept. UNKNOWN_MEMBER_ID (expired)
/// loses every partition and joins as a new member.</para>
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

    // The group session (null: partitions assigned by hand).
    private JoinConsumerGroup? _group;
    private string? _memberId;
    private int _generation;
    // The latest assignment this member has applied (told in heartbeats: it releases the partitions it lost by then).
    private int _applied;
    // An assignment applied but not yet told: its revoked partitions' positions are being committed.
    private int? _pendingApplied;
    // Positions of revoked partitions, to commit before releasing them (then forgotten: their new owner commits).
    private readonly List<PartitionOffset> _releasing = [];
    private bool _releaseCommitInFlight;
    private bool _heartbeatWanted;
    private IReadOnlyList<TopicPartition> _assigned = [];
    private readonly HashSet<TopicPartition> _fetchingCommitted = [];
    private bool _joining;
    private bool _heartbeatInFlight;
    private bool _commitInFlight;
    private bool _commitWanted;
    private int _commitAttempt;
    private readonly List<TaskCompletionSource> _commitWaiters = [];

    public ConsumerActor(ClusterConnection connection, string clientId, ChannelWriter<Delivery> buffer, ConsumerView view, Action<FetchError> onFetchError)
    {
        _connection = connection;
        _settings = connection.Settings;
        _clientId = clientId;
        _buffer = buffer;
        _view = view;
        _onFetchError = onFetchError;
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
                Join(null);
                break;
            case Joined joined: OnJoined(joined); break;
            case HeartbeatTick: SendHeartbeat(); break;
            case HeartbeatAnswered answered: OnHeartbeat(answered); break;
            case Rejoin: Join(_memberId); break;
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

    /// <summary>What <see cref="Consumer.Assignment"/> and <see cref="Consumer.MemberId"/> show (immutable snapshots).</summary>
    private void Publish()
    {
        IEnumerable<TopicPartition> partitions = _group is null ? _fetchers.Keys : _assigned;
        _view.Assignment = partitions.OrderBy(tp => tp.Topic, StringComparer.Ordinal).ThenBy(tp => tp.Partition).ToList();
        _view.MemberId = _memberId;
    }

    // ---------------- group session ----------------

    private void Join(string? memberId)
    {
        if (_joining || _group is null) return;
        _joining = true;
        _connection.AskAsync<JoinGroupResponse>(new JoinGroup(Group, memberId, _clientId, _group.Partitions, (int)_settings.SessionTimeout.TotalMilliseconds))
            .PipeTo(Self, success: r => new Joined(r, null), failure: e => new Joined(null, e.GetBaseException()));
    }

    private void OnJoined(Joined joined)
    {
        _joining = false;
        if (joined.Response is not { Error: ErrorCode.None } response)
        {
            var error = joined.Response is { } refused
                ? new KafkaException(refused.Error, $"joining group {Group}: {refused.Error.Describe()}")
                : joined.Failure!;
            if (_memberId is null && _group!.Joined.TrySetException(error))
            {
                // The first join failed: the subscriber hears it and this consumer is in no group.
                _group = null;
                return;
            }
            Timers.StartSingleTimer(RejoinTimer, Rejoin.Instance, _settings.HeartbeatInterval);
            return;
        }
        _memberId = response.MemberId;
        if (!Timers.IsTimerActive(HeartbeatTimer))
        {
            Timers.StartPeriodicTimer(HeartbeatTimer, HeartbeatTick.Instance, _settings.HeartbeatInterval);
            Timers.StartPeriodicTimer(AutoCommitTimer, AutoCommitTick.Instance, _settings.AutoCommitInterval);
        }
        ApplyAssignment(response.Generation, response.Assignment);
        if (_commitWanted) Commit();
    }

    private void SendHeartbeat()
    {
        if (_memberId is null || _joining) return;
        if (_heartbeatInFlight)
        {
            _heartbeatWanted = true; // it may carry a newer applied generation: sent when this one is answered
            return;
        }
        _heartbeatInFlight = true;
        var memberId = _memberId;
        _connection.AskAsync<HeartbeatResponse>(new Heartbeat(Group, memberId, _applied))
            .PipeTo(Self, success: r => new HeartbeatAnswered(memberId, r), failure: _ => new HeartbeatAnswered(memberId, null));
    }

    private void OnHeartbeat(HeartbeatAnswered answered)
    {
        _heartbeatInFlight = false;
        if (_heartbeatWanted)
        {
            _heartbeatWanted = false;
            SendHeartbeat();
        }
        // No answer: the coordinator is failing over; the next beat tries again. An answer overtaken by a join: stale.
        if (answered.Response is not { } response || _joining || answered.MemberId != _memberId) return;
        switch (response.Error)
        {
            case ErrorCode.None when response.Generation != _generation:
                ApplyAssignment(response.Generation, response.Assignment);
                if (_commitWanted) Commit();
                break;
            case ErrorCode.UnknownMemberId:
                LoseMembership();
                Join(null);
                break;
            case ErrorCode.IllegalGeneration or ErrorCode.RebalanceInProgress:
                Join(_memberId); // still a member: learn the current generation and partitions
                break;
            default:
                // Nothing new, or the coordinator is moving (COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR): the one that
                // takes over knows this member, so it keeps its partitions and the next beat tries again as it is.
                break;
        }
    }

    /// <summary>Expired, or the coordinator moved: every partition is lost (Kafka's onPartitionsLost); they come back from the commits.</summary>
    private void LoseMembership()
    {
        _memberId = null;
        _generation = 0;
        _applied = 0;
        _pendingApplied = null;
        // Nothing can be committed without membership: their new owners read them from the last commit.
        _releasing.Clear();
        RevokeAll();
        Publish();
    }

    private void ApplyAssignment(int generation, IReadOnlyList<TopicPartition> assignment)
    {
        _generation = generation;
        _assigned = assignment;
        var wanted = assignment.ToHashSet();
        foreach (var tp in _fetchers.Keys.Where(tp => !wanted.Contains(tp)).ToList())
            if (Revoke(tp) is { } due) _releasing.Add(due);
        StartAssignedPartitions();
        Publish();
        _pendingApplied = generation;
        if (_releasing.Count > 0) Commit(); // the positions of what was revoked first: then the generation is told
        else TellApplied();
    }

    /// <summary>
    /// Tells the coordinator (at once, not at the next beat) that the latest assignment is applied, once the positions
    /// of the partitions it revoked are committed: the coordinator then gives those partitions to their new owners.
    /// </summary>
    private void TellApplied()
    {
        if (_pendingApplied is not { } generation || _releasing.Count > 0 || _releaseCommitInFlight) return;
        _pendingApplied = null;
        _applied = generation;
        SendHeartbeat();
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
        _connection.AskAsync<OffsetFetchResponse>(new OffsetFetch(Group, added))
            .PipeTo(Self, success: r => new CommittedFetched(added, r, null), failure: e => new CommittedFetched(added, null, e.GetBaseException()));
    }

    private void OnCommittedFetched(CommittedFetched fetched)
    {
        _fetchingCommitted.ExceptWith(fetched.Partitions);
        if (_group is null) return;
        if (fetched.Response is not { } response)
        {
            _group.Joined.TrySetException(fetched.Failure!);
            Timers.StartSingleTimer(StartTimer, StartAssigned.Instance, _settings.HeartbeatInterval);
            return;
        }
        var assigned = _assigned.ToHashSet();
        foreach (var tp in fetched.Partitions.Where(tp => assigned.Contains(tp) && !_fetchers.ContainsKey(tp)))
        {
            var committed = response.Offsets.FirstOrDefault(o => o.Topic == tp.Topic && o.Partition == tp.Partition)?.Offset ?? -1;
            StartFetcher(new PartitionLease(tp), committed, committed >= 0 ? new StartPosition.At(committed) : _group.ResetTo);
        }
        Publish();
    }

    private void CompleteJoinIfReady()
    {
        if (_group is { } g && _memberId is not null && _assigned.All(_positioned.Contains)) g.Joined.TrySetResult();
    }

    // ---------------- commits ----------------

    /// <summary>Commits the positions handed to the application since the last commit (one commit in flight at a time).</summary>
    private void Commit()
    {
        if (_group is null)
        {
            CompleteCommitWaiters(null);
            return;
        }
        if (_commitInFlight || _joining || _memberId is null)
        {
            _commitWanted = true; // after the commit in flight, or once joined
            return;
        }
        _commitWanted = false;
        var offsets = _positions.Due().Concat(_releasing).ToList();
        _releaseCommitInFlight = _releasing.Count > 0;
        _releasing.Clear();
        if (offsets.Count == 0)
        {
            CompleteCommitWaiters(null);
            return;
        }
        _commitInFlight = true;
        var waiters = _commitWaiters.ToList();
        _commitWaiters.Clear();
        _connection.AskAsync<OffsetCommitResponse>(new OffsetCommit(Group, _memberId, _generation, offsets, _connection.Address))
            .PipeTo(Self, success: r => new CommitAnswered(offsets, waiters, r, null), failure: e => new CommitAnswered(offsets, waiters, null, e.GetBaseException()));
    }

    private void OnCommitAnswered(CommitAnswered answered)
    {
        _commitInFlight = false;
        // Whatever the answer, revoked partitions are released now: committed, or (refused, no answer) read again by
        // their new owners from the last commit; holding them longer would only stall the group.
        _releaseCommitInFlight = false;
        TellApplied();
        switch (answered.Response?.Error)
        {
            case ErrorCode.None:
                _positions.Accepted(answered.Offsets);
                _commitAttempt = 0;
                Complete(answered.Waiters, null);
                break;
            case ErrorCode.IllegalGeneration or ErrorCode.RebalanceInProgress when ++_commitAttempt < CommitAttempts:
                // Our assignment is older than the coordinator's: rejoin to learn it, then commit what we kept.
                _commitWaiters.InsertRange(0, answered.Waiters);
                _commitWanted = true;
                Join(_memberId);
                return;
            case ErrorCode.UnknownMemberId:
                _commitAttempt = 0;
                Complete(answered.Waiters, Refused(answered.Response!));
                LoseMembership();
                Join(null);
                break;
            case not null:
                // Retriable coordinator errors among them: the positions stay due, and the next auto-commit sends them
                // again with the same member id and generation.
                _commitAttempt = 0;
                Complete(answered.Waiters, Refused(answered.Response!));
                break;
            case null:
                // No answer: the next auto-commit tries again; a caller waiting hears why.
                _commitAttempt = 0;
                Complete(answered.Waiters, answered.Failure);
                break;
        }
        if (_commitWanted) Commit();
    }

    private KafkaException Refused(OffsetCommitResponse response) =>
        new(response.Error, $"committing to group {Group}: {response.ErrorMessage ?? response.Error.Describe()}");

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
        var offsets = _group is not null && _memberId is not null ? revoked.Concat(_releasing).ToList() : [];
        Become(Closing(close));
        if (_group is null || _memberId is null)
        {
            Finish(close);
            return;
        }
        if (offsets.Count == 0)
        {
            Leave();
            return;
        }
        _connection.AskAsync<OffsetCommitResponse>(new OffsetCommit(Group, _memberId, _generation, offsets, _connection.Address), CloseStepTimeout)
            .PipeTo(Self, success: _ => ClosingCommitAnswered.Instance, failure: _ => ClosingCommitAnswered.Instance);
    }

    private void Leave() =>
        _connection.AskAsync<LeaveGroupResponse>(new LeaveGroup(Group, _memberId!), CloseStepTimeout)
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

    private sealed record Joined(JoinGroupResponse? Response, Exception? Failure);

    private sealed record HeartbeatAnswered(string MemberId, HeartbeatResponse? Response);

    private sealed record CommittedFetched(IReadOnlyList<TopicPartition> Partitions, OffsetFetchResponse? Response, Exception? Failure);

    private sealed record CommitAnswered(IReadOnlyList<PartitionOffset> Offsets, IReadOnlyList<TaskCompletionSource> Waiters, OffsetCommitResponse? Response, Exception? Failure);

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

    public IReadOnlyList<TopicPartition> Assignment { get => _assignment; set => _assignment = value; }
    public string? MemberId { get => _memberId; set => _memberId = value; }
}
