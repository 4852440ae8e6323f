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
/// <para>The group session is Kafka's classic consumer protocol, decided by the pure <see cref="GroupSession"/>: this
/// actor sends the requests it asks for (as Kafka frames, <see cref="PartitionRoutes.KafkaAsync"/>, so a group may mix
/// these members with Kafka clients), runs its timers, stops the fetchers of the partitions it revokes, and feeds the
/// answers back. Every broker serves group requests for the group's coordinator (FindCoordinator names the broker
/// asked), so they go to the contact broker; "find the coordinator again" is sending the next attempt, which the
/// ClusterClient routes to a live broker.</para>
/// </summary>
internal sealed class ConsumerActor : UntypedActor, IWithTimers
{
    private const string HeartbeatTimer = "heartbeat";
    private const string AutoCommitTimer = "auto-commit";
    private const string RejoinTimer = "rejoin";
    private const string StartTimer = "start-assigned";
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
    private readonly HashSet<TopicPartition> _fetchingCommitted = [];

    // The group session (null: partitions assigned by hand).
    private GroupSession? _session;

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
            case JoinConsumerGroup join when _session is not null:
                join.Joined.TrySetException(new InvalidOperationException("already subscribed"));
                break;
            case JoinConsumerGroup join:
                _session = new GroupSession(join, _settings, _positions);
                Run(_session.Start());
                break;
            case Joined joined: Run(_session?.OnJoined(joined.Response, joined.Failure)); break;
            case PartitionCounts counts: Run(_session?.OnPartitionCounts(counts.Generation, counts.PerTopic)); break;
            case Synced synced: Run(_session?.OnSynced(synced.Generation, synced.Response)); break;
            case HeartbeatTick: Run(_session?.HeartbeatTick()); break;
            case HeartbeatAnswered answered: Run(_session?.OnHeartbeat(answered.Generation, answered.Response)); break;
            case Rejoin: Run(_session?.RejoinTick()); break;
            case StartAssigned: StartAssignedPartitions(); break;
            case CommittedFetched fetched: OnCommittedFetched(fetched); break;
            case FetcherPositioned positioned when _positions.IsCurrent(positioned.Lease):
                _positioned.Add(positioned.Lease.Partition);
                CompleteJoinIfReady();
                break;
            case FetcherCannotStart cannot:
                // The subscriber hears why (as before); the fetcher keeps trying, so the member goes on if it is not given up.
                _session?.Subscription.Joined.TrySetException(cannot.Error);
                break;
            case CommitNow commit when _session is null:
                commit.Done.TrySetResult(); // partitions assigned by hand: no group to commit to
                break;
            case CommitNow commit: Run(_session!.Commit(commit.Done)); break;
            case AutoCommitTick: Run(_session?.Commit(null)); break;
            case CommitAnswered answered: Run(_session?.OnCommitAnswered(answered.Offsets, answered.Waiters, answered.Error, answered.Failure)); break;
            case CloseConsumer close: Close(close); break;
            case Terminated terminated: OnFetcherStopped(terminated.ActorRef); break;
        }
    }

    /// <summary>Does what the group session asks, in its order.</summary>
    private void Run(IReadOnlyList<GroupStep>? steps)
    {
        if (steps is null) return;
        foreach (var step in steps)
            switch (step)
            {
                case GroupStep.SendJoinGroup join:
                    Timers.Cancel(RejoinTimer);
                    KafkaAsync(join.Request, JoinGroupResponseData.Read, RebalanceWait)
                        .PipeTo(Self, success: r => new Joined(r, null), failure: e => new Joined(null, e.GetBaseException()));
                    break;
                case GroupStep.FindPartitionCounts find:
                    var generation = find.Generation;
                    new AdminClient(_connection).MetadataAsync(find.Topics).PipeTo(Self,
                        success: metadata => new PartitionCounts(generation, find.Topics.Select(t => metadata.Topic(t)).OfType<TopicMetadata>()
                            .ToDictionary(t => t.Name, t => t.PartitionCount)),
                        failure: _ => new Synced(generation, null)); // no metadata: rejoin, as after a failed sync
                    break;
                case GroupStep.SendSyncGroup sync:
                    var syncing = sync.Generation;
                    KafkaAsync(sync.Request, SyncGroupResponseData.Read, RebalanceWait)
                        .PipeTo(Self, success: r => new Synced(syncing, r), failure: _ => new Synced(syncing, null));
                    break;
                case GroupStep.SendHeartbeat beat:
                    var beating = beat.Generation;
                    KafkaAsync(beat.Request, HeartbeatResponseData.Read, _settings.AttemptTimeout)
                        .PipeTo(Self, success: r => new HeartbeatAnswered(beating, r), failure: _ => new HeartbeatAnswered(beating, null));
                    break;
                case GroupStep.SendOffsetCommit commit:
                    SendCommit(commit.Request, _settings.RequestTimeout).PipeTo(Self,
                        success: r => new CommitAnswered(commit.Offsets, commit.Waiters, r, null),
                        failure: e => new CommitAnswered(commit.Offsets, commit.Waiters, null, e.GetBaseException()));
                    break;
                case GroupStep.SendClosingCommit commit:
                    SendCommit(commit.Request, CloseStepTimeout).PipeTo(Self, success: _ => ClosingCommitAnswered.Instance, failure: _ => ClosingCommitAnswered.Instance);
                    break;
                case GroupStep.SendLeaveGroup leave:
                    KafkaAsync(leave.Request, LeaveGroupResponseData.Read, CloseStepTimeout)
                        .PipeTo(Self, success: _ => LeftGroup.Instance, failure: _ => LeftGroup.Instance);
                    break;
                case GroupStep.StopReading stop: StopReading(stop.Partition); break;
                case GroupStep.ReadAssigned: StartAssignedPartitions(); break;
                case GroupStep.StartBeating when !Timers.IsTimerActive(HeartbeatTimer):
                    Timers.StartPeriodicTimer(HeartbeatTimer, HeartbeatTick.Instance, _settings.HeartbeatInterval);
                    Timers.StartPeriodicTimer(AutoCommitTimer, AutoCommitTick.Instance, _settings.AutoCommitInterval);
                    break;
                case GroupStep.RejoinLater: Timers.StartSingleTimer(RejoinTimer, Rejoin.Instance, _settings.HeartbeatInterval); break;
                case GroupStep.CompleteCommits done: Complete(done.Waiters, done.Error); break;
                case GroupStep.SubscribeFailed failed:
                    _session?.Subscription.Joined.TrySetException(failed.Error);
                    _session = null;
                    break;
            }
        Publish();
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

    /// <summary>The partition's lease is revoked (its position is final): its fetcher stops.</summary>
    private void StopReading(TopicPartition tp)
    {
        _positions.Revoke(tp); // the group session revoked it already; a partition assigned by hand has it revoked here
        _positioned.Remove(tp);
        _starts.Remove(tp);
        if (_fetchers.Remove(tp, out var fetcher)) Context.Stop(fetcher);
    }

    private void StopReadingAll()
    {
        foreach (var tp in _fetchers.Keys.ToList()) StopReading(tp);
    }

    /// <summary>What <see cref="Consumer.Assignment"/>, <see cref="Consumer.MemberId"/> and <see cref="Consumer.Generation"/> show (immutable snapshots).</summary>
    private void Publish()
    {
        IEnumerable<TopicPartition> partitions = _session is null ? _fetchers.Keys : _session.Assigned;
        _view.Assignment = partitions.OrderBy(tp => tp.Topic, StringComparer.Ordinal).ThenBy(tp => tp.Partition).ToList();
        _view.MemberId = _session is { MemberId.Length: > 0 } ? _session.MemberId : null;
        _view.Generation = _session?.Generation ?? -1;
    }

    private Task<T> KafkaAsync<T>(IKafkaRequest request, KafkaResponseReader<T> read, TimeSpan timeout) =>
        _connection.Routes.KafkaAsync(null, request, _clientId, read, timeout);

    // A JoinGroup (and a follower's SyncGroup) is answered when the rebalance completes: up to the rebalance timeout.
    private TimeSpan RebalanceWait => (_settings.RebalanceTimeout > _settings.SessionTimeout ? _settings.RebalanceTimeout : _settings.SessionTimeout) + _settings.RequestTimeout;

    /// <summary>Partitions assigned and not read yet: their committed offsets first, then a fetcher each.</summary>
    private void StartAssignedPartitions()
    {
        if (_session is not { } session) return;
        var added = session.Assigned.Where(tp => !_fetchers.ContainsKey(tp) && !_fetchingCommitted.Contains(tp)).ToList();
        if (added.Count == 0)
        {
            CompleteJoinIfReady();
            return;
        }
        _fetchingCommitted.UnionWith(added);
        // read_committed asks for stable offsets, as Kafka's consumers do: none a transaction still open has committed.
        var request = new OffsetFetchRequestData(session.Group, added.GroupBy(tp => tp.Topic)
            .Select(t => new OffsetFetchRequestTopic(t.Key, t.Select(tp => tp.Partition).ToList())).ToList(),
            RequireStable: _settings.IsolationLevel == IsolationLevel.ReadCommitted);
        KafkaAsync(request, OffsetFetchResponseData.Read, _settings.RequestTimeout)
            .PipeTo(Self, success: r => new CommittedFetched(added, r, null), failure: e => new CommittedFetched(added, null, e.GetBaseException()));
    }

    private void OnCommittedFetched(CommittedFetched fetched)
    {
        _fetchingCommitted.ExceptWith(fetched.Partitions);
        if (_session is not { } session) return;
        if (fetched.Response is { ErrorCode: ErrorCode.None } answer && answer.Topics.SelectMany(t => t.Partitions).Any(p => p.ErrorCode == ErrorCode.UnstableOffsetCommit))
        {
            // A transaction still open has committed offsets of these partitions: ask again until it has ended rather
            // than start from the offsets before it (which would read again what the transaction consumed).
            Timers.StartSingleTimer(StartTimer, StartAssigned.Instance, _settings.HeartbeatInterval);
            return;
        }
        var error = fetched.Response switch
        {
            null => fetched.Failure,
            { ErrorCode: not ErrorCode.None and var code } => new KafkaException(code, $"reading the offsets of group {session.Group}: {code.Describe()}"),
            { } r when r.Topics.SelectMany(t => t.Partitions).FirstOrDefault(p => p.ErrorCode != ErrorCode.None) is { } p =>
                new KafkaException(p.ErrorCode, $"reading the offsets of group {session.Group}: {p.ErrorCode.Describe()}"),
            _ => null,
        };
        if (error is not null)
        {
            session.Subscription.Joined.TrySetException(error);
            Timers.StartSingleTimer(StartTimer, StartAssigned.Instance, _settings.HeartbeatInterval);
            return;
        }
        var committed = fetched.Response!.Topics.SelectMany(t => t.Partitions.Select(p => (Tp: new TopicPartition(t.Name, p.PartitionIndex), p.CommittedOffset)))
            .ToDictionary(x => x.Tp, x => x.CommittedOffset);
        var assigned = session.Assigned.ToHashSet();
        foreach (var tp in fetched.Partitions.Where(tp => assigned.Contains(tp) && !_fetchers.ContainsKey(tp)))
        {
            var offset = committed.GetValueOrDefault(tp, -1);
            StartFetcher(new PartitionLease(tp), offset, offset >= 0 ? new StartPosition.At(offset) : session.Subscription.ResetTo);
        }
        Publish();
    }

    private void CompleteJoinIfReady()
    {
        if (_session is { Phase: GroupPhase.Stable } session && session.Assigned.All(_positioned.Contains)) session.Subscription.Joined.TrySetResult();
    }

    /// <summary>Kafka's OffsetCommit; answers the first partition's refusal (None: all taken).</summary>
    private async Task<ErrorCode> SendCommit(OffsetCommitRequestData request, TimeSpan timeout)
    {
        var response = await KafkaAsync(request, OffsetCommitResponseData.Read, timeout);
        return response.Topics.SelectMany(t => t.Partitions).Select(p => p.ErrorCode).FirstOrDefault(e => e != ErrorCode.None);
    }

    private static void Complete(IEnumerable<TaskCompletionSource> waiters, Exception? error)
    {
        foreach (var w in waiters)
            if (error is null) w.TrySetResult();
            else w.TrySetException(error);
    }

    // ---------------- close ----------------

    /// <summary>
    /// Stops reading, commits what was handed over and leaves the group as the session says (each step bounded), then
    /// stops. Partitions assigned by hand are only stopped.
    /// </summary>
    private void Close(CloseConsumer close)
    {
        Timers.CancelAll();
        Become(Closing(close));
        var steps = _session?.Close() ?? [];
        Run(steps);
        StopReadingAll();
        if (!steps.Any(s => s is GroupStep.SendClosingCommit or GroupStep.SendLeaveGroup)) Finish(close);
    }

    private UntypedReceive Closing(CloseConsumer close) => message =>
    {
        switch (message)
        {
            case ClosingCommitAnswered:
                Run(_session?.OnClosingCommitAnswered());
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
        StopReadingAll();
        if (_session is null) return;
        _session.Subscription.Joined.TrySetException(new ObjectDisposedException(nameof(Consumer)));
        Complete(_session.TakeCommitWaiters(), null);
    }

    private sealed record Joined(JoinGroupResponseData? Response, Exception? Failure);

    private sealed record PartitionCounts(int Generation, IReadOnlyDictionary<string, int> PerTopic);

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
