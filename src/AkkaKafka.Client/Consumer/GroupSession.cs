using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Client.Consumer;

/// <summary>What a <see cref="GroupSession"/> asks of its shell: a request to send, a partition to stop reading, a timer, an answer to give.</summary>
internal abstract record GroupStep
{
    /// <summary>JoinGroup; answered when the rebalance completes (up to the rebalance timeout).</summary>
    public sealed record SendJoinGroup(JoinGroupRequestData Request) : GroupStep;

    /// <summary>The member leads this generation: it needs the partition counts of <paramref name="Topics"/> to assign them.</summary>
    public sealed record FindPartitionCounts(int Generation, IReadOnlyList<string> Topics) : GroupStep;

    public sealed record SendSyncGroup(int Generation, SyncGroupRequestData Request) : GroupStep;

    public sealed record SendHeartbeat(int Generation, HeartbeatRequestData Request) : GroupStep;

    /// <summary>An OffsetCommit as this generation's member; <paramref name="Waiters"/> hear its outcome.</summary>
    public sealed record SendOffsetCommit(OffsetCommitRequestData Request, IReadOnlyList<PartitionOffset> Offsets, IReadOnlyList<TaskCompletionSource> Waiters) : GroupStep;

    /// <summary>The last commit of a closing member; LeaveGroup follows whatever its outcome.</summary>
    public sealed record SendClosingCommit(OffsetCommitRequestData Request) : GroupStep;

    public sealed record SendLeaveGroup(LeaveGroupRequestData Request) : GroupStep;

    /// <summary>The partition's lease is revoked (its buffered records are dropped): stop its fetcher.</summary>
    public sealed record StopReading(TopicPartition Partition) : GroupStep;

    /// <summary>Start reading every assigned partition not read yet (from the group's committed offsets).</summary>
    public sealed record ReadAssigned : GroupStep;

    /// <summary>The member is in a generation: heartbeats and auto-commits run (if they do not already).</summary>
    public sealed record StartBeating : GroupStep;

    /// <summary>Join again after a heartbeat interval (the coordinator moving or not answering).</summary>
    public sealed record RejoinLater : GroupStep;

    public sealed record CompleteCommits(IReadOnlyList<TaskCompletionSource> Waiters, Exception? Error) : GroupStep;

    /// <summary>The first join failed: the subscriber hears why, and the consumer is in no group (the session is over).</summary>
    public sealed record SubscribeFailed(Exception Error) : GroupStep;
}

/// <summary>Where the member is in Kafka's join protocol.</summary>
internal enum GroupPhase
{
    Unjoined,
    /// <summary>Eager: everything revoked, its positions being committed before the JoinGroup goes.</summary>
    Preparing,
    Joining,
    Syncing,
    Stable,
}

/// <summary>
/// A member's session in a classic consumer group, as Kafka's ConsumerCoordinator runs it, with no actor and no I/O:
/// the answers (JoinGroup, SyncGroup, Heartbeat, OffsetCommit) and ticks go in, the next <see cref="GroupStep"/>s come
/// out; <see cref="ConsumerActor"/> sends what it says and feeds the answers back.
/// <para>JoinGroup (protocol type "consumer", one ConsumerProtocol subscription per assignor of
/// partition-assignment-strategy), SyncGroup (the leader assigns client-side, <see cref="PartitionAssignors"/>),
/// Heartbeat, OffsetCommit, LeaveGroup. Rebalances read nothing twice: a partition is given up only after its lease is
/// revoked (the position handed over is final) and that position is committed, as Kafka's consumer does in
/// onPartitionsRevoked with auto-commit. Eager (with range among the assignors): everything is revoked and committed
/// before the member rejoins. Cooperative (KIP-429, cooperative-sticky alone): the member keeps its partitions while
/// it rejoins, revokes and commits only those the new assignment leaves out, and rejoins so the next rebalance gives
/// them to their new owners. A member that loses its membership (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION) loses its
/// partitions and cannot commit: what it handed over since its last commit is read again (at least once).</para>
/// <para>The coordinator moving is not a lost membership: the coordinator that takes over recovers the group's members
/// and generation. Meanwhile requests get no answer or COORDINATOR_NOT_AVAILABLE / NOT_COORDINATOR /
/// COORDINATOR_LOAD_IN_PROGRESS: the member keeps its partitions and positions and tries again as it is; every broker
/// routes group requests to the coordinator, so trying again is finding it again.</para>
/// </summary>
internal sealed class GroupSession
{
    // A commit refused for a stale assignment is made again after rejoining; a group rebalancing on and on gets this many tries.
    private const int CommitAttempts = 3;

    private readonly ClientSettings _settings;
    private readonly IReadOnlyList<IPartitionAssignor> _assignors;
    private readonly CommitPositions _positions;
    // Positions of revoked partitions, to commit before the partitions are given up (then forgotten: their new owner commits).
    private readonly List<PartitionOffset> _releasing = [];
    // Cooperative: partitions were revoked, so once their positions are committed the member rejoins to hand them over.
    private bool _rejoinAfterRelease;
    private bool _heartbeatInFlight;
    private bool _commitInFlight;
    private bool _commitWanted;
    private int _commitAttempt;
    private readonly List<TaskCompletionSource> _commitWaiters = [];
    // This member leads the generation being assigned: the assignor the group chose and every member's subscription.
    private (int Generation, IPartitionAssignor Assignor, IReadOnlyList<GroupSubscriber> Members)? _leading;
    private List<GroupStep> _steps = [];

    /// <param name="positions">The leases of the partitions read and their committed positions (the shell's, shared).</param>
    public GroupSession(JoinConsumerGroup subscription, ClientSettings settings, CommitPositions positions)
    {
        Subscription = subscription;
        _settings = settings;
        _positions = positions;
        _assignors = settings.PartitionAssignmentStrategy.Select(PartitionAssignors.Named).ToList();
        Protocol = PartitionAssignors.ProtocolOf(_assignors);
    }

    public JoinConsumerGroup Subscription { get; }
    public string Group => Subscription.Group;
    public RebalanceProtocol Protocol { get; }
    public GroupPhase Phase { get; private set; } = GroupPhase.Unjoined;
    public string MemberId { get; private set; } = "";
    public int Generation { get; private set; } = -1;

    /// <summary>The partitions this member owns: the last assignment, less what it revoked since.</summary>
    public IReadOnlyList<TopicPartition> Assigned { get; private set; } = [];

    public IReadOnlyList<GroupStep> Start() => Steps(Join);

    /// <summary>The rejoin timer: a member that got back in meanwhile stays as it is.</summary>
    public IReadOnlyList<GroupStep> RejoinTick() => Steps(() =>
    {
        if (Phase == GroupPhase.Unjoined) Join();
    });

    public IReadOnlyList<GroupStep> OnJoined(JoinGroupResponseData? response, Exception? failure) => Steps(() =>
    {
        if (Phase != GroupPhase.Joining) return;
        Phase = GroupPhase.Unjoined;
        if (response is null)
        {
            if (!FailFirstJoin(failure!)) Emit(new GroupStep.RejoinLater());
            return;
        }
        var code = response.ErrorCode;
        if (code == ErrorCode.None)
        {
            MemberId = response.MemberId;
            Generation = response.GenerationId;
            Phase = GroupPhase.Syncing;
            if (response.Leader == MemberId) Lead(response);
            else Sync(response.GenerationId, []);
        }
        else if (code == ErrorCode.MemberIdRequired)
        {
            // JoinGroup v4+: the coordinator gave us our id first; join with it.
            MemberId = response.MemberId;
            SendJoin();
        }
        else if (!JoinAgainAfter(code) && (IsCoordinatorError(code) || !FailFirstJoin(new KafkaException(code, $"joining group {Group}: {code.Describe()}"))))
            Emit(new GroupStep.RejoinLater());
    });

    /// <summary>The leader's partition counts (from metadata; the members may subscribe to topics this one does not): it assigns and syncs.</summary>
    public IReadOnlyList<GroupStep> OnPartitionCounts(int generation, IReadOnlyDictionary<string, int> partitionsPerTopic) => Steps(() =>
    {
        if (_leading is not { } leading || leading.Generation != generation) return;
        var assignment = leading.Assignor.Assign(partitionsPerTopic, leading.Members);
        if (Protocol == RebalanceProtocol.Cooperative) assignment = PartitionAssignors.WithoutTransfers(assignment, leading.Members);
        Sync(generation, assignment.Select(kv => new SyncGroupRequestAssignment(kv.Key, ConsumerProtocol.EncodeAssignment(kv.Value))).ToList());
    });

    /// <summary>The SyncGroup answer (null: none, or the leader found no partition counts).</summary>
    public IReadOnlyList<GroupStep> OnSynced(int generation, SyncGroupResponseData? response) => Steps(() =>
    {
        if (Phase != GroupPhase.Syncing || generation != Generation) return;
        Phase = GroupPhase.Unjoined;
        _leading = null;
        if (response is { ErrorCode: ErrorCode.None })
        {
            Phase = GroupPhase.Stable;
            Emit(new GroupStep.StartBeating());
            ApplyAssignment(ConsumerProtocol.TryDecodeAssignment(response.Assignment.Span) ?? []);
        }
        else if (response is not { } refused || !JoinAgainAfter(refused.ErrorCode))
            Emit(new GroupStep.RejoinLater()); // no answer or the coordinator moving: join again once it is found
    });

    public IReadOnlyList<GroupStep> HeartbeatTick() => Steps(() =>
    {
        if (Phase != GroupPhase.Stable || _heartbeatInFlight) return;
        _heartbeatInFlight = true;
        Emit(new GroupStep.SendHeartbeat(Generation, new HeartbeatRequestData(Group, Generation, MemberId)));
    });

    /// <summary>A heartbeat's answer (null: none).</summary>
    public IReadOnlyList<GroupStep> OnHeartbeat(int generation, HeartbeatResponseData? response) => Steps(() =>
    {
        _heartbeatInFlight = false;
        // No answer: the coordinator is failing over; the next beat tries again. An answer overtaken by a rebalance: stale.
        if (response is null || Phase != GroupPhase.Stable || generation != Generation) return;
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
    });

    /// <summary>
    /// Commits the positions handed to the application since the last commit, and those of revoked partitions (one
    /// commit in flight at a time); <paramref name="waiter"/> (the application's CommitAsync; null: auto-commit) hears
    /// the outcome. Only a member of a generation commits: while it joins, the commit waits.
    /// </summary>
    public IReadOnlyList<GroupStep> Commit(TaskCompletionSource? waiter) => Steps(() =>
    {
        if (waiter is not null) _commitWaiters.Add(waiter);
        Commit();
    });

    /// <summary>A commit's outcome: <paramref name="error"/> is the first partition's refusal (None: all taken), null with <paramref name="failure"/> when unanswered.</summary>
    public IReadOnlyList<GroupStep> OnCommitAnswered(IReadOnlyList<PartitionOffset> offsets, IReadOnlyList<TaskCompletionSource> waiters, ErrorCode? error,
        Exception? failure) => Steps(() =>
    {
        _commitInFlight = false;
        // Whatever the answer, revoked partitions are given up now: committed, or (refused, no answer) read again by their
        // new owners from the last commit; holding them longer would only stall the group.
        if (Phase == GroupPhase.Preparing)
        {
            // Kafka's onJoinPrepare goes on to join whatever its commit's outcome. The answer may be of an auto-commit
            // sent before the revoke: the revoked partitions' positions go first, then the join.
            Emit(new GroupStep.CompleteCommits(waiters, error is ErrorCode.None ? null : failure ?? Refused(error!.Value)));
            if (_releasing.Count > 0) Commit();
            if (!_commitInFlight) SendJoin();
            return;
        }
        switch (error)
        {
            case ErrorCode.None:
                _positions.Accepted(offsets);
                _commitAttempt = 0;
                Emit(new GroupStep.CompleteCommits(waiters, null));
                break;
            case ErrorCode.IllegalGeneration or ErrorCode.RebalanceInProgress when ++_commitAttempt < CommitAttempts:
                // Our generation is older than the coordinator's: rejoin, then commit what we kept.
                _commitWaiters.InsertRange(0, waiters);
                _commitWanted = true;
                Join();
                return;
            case ErrorCode.UnknownMemberId:
                _commitAttempt = 0;
                Emit(new GroupStep.CompleteCommits(waiters, Refused(ErrorCode.UnknownMemberId)));
                LoseMembership(forgetMemberId: true);
                Join();
                return;
            case { } refused:
                // Retriable coordinator errors among them: the positions stay due, and the next auto-commit sends them
                // again with the same member id and generation.
                _commitAttempt = 0;
                Emit(new GroupStep.CompleteCommits(waiters, Refused(refused)));
                break;
            case null:
                // No answer: the next auto-commit tries again; a caller waiting hears why.
                _commitAttempt = 0;
                Emit(new GroupStep.CompleteCommits(waiters, failure));
                break;
        }
        if (_commitWanted) Commit();
        RejoinIfReleased();
    });

    /// <summary>
    /// Stops reading (every lease revoked: what is still buffered is not handed over), then commits what was handed
    /// over and leaves the group (a courtesy: without it the coordinator expires us after the session timeout). No
    /// step to send: not a member, nothing to do.
    /// </summary>
    public IReadOnlyList<GroupStep> Close() => Steps(() =>
    {
        // Revoked first, so the positions committed are final: no record is handed over after them.
        var revoked = RevokeAll();
        if (MemberId.Length == 0) return;
        var offsets = Generation >= 0 ? revoked.Concat(_releasing).ToList() : [];
        _releasing.Clear();
        if (offsets.Count == 0) Leave();
        else Emit(new GroupStep.SendClosingCommit(CommitRequest(offsets)));
    });

    /// <summary>The closing commit is answered (or not): leave.</summary>
    public IReadOnlyList<GroupStep> OnClosingCommitAnswered() => Steps(Leave);

    /// <summary>The commits still waiting, which hear nothing more once the consumer stops.</summary>
    public IReadOnlyList<TaskCompletionSource> TakeCommitWaiters()
    {
        var waiters = _commitWaiters.ToList();
        _commitWaiters.Clear();
        return waiters;
    }

    private IReadOnlyList<GroupStep> Steps(Action input)
    {
        _steps = [];
        input();
        return _steps;
    }

    private void Emit(GroupStep step) => _steps.Add(step);

    private static bool IsCoordinatorError(ErrorCode code) =>
        code is ErrorCode.CoordinatorNotAvailable or ErrorCode.NotCoordinator or ErrorCode.CoordinatorLoadInProgress;

    /// <summary>
    /// (Re)joins the group, as Kafka's onJoinPrepare does first: eager, every partition is revoked and its position
    /// committed before the JoinGroup goes; cooperative, the member keeps what it owns and names it in its subscription.
    /// </summary>
    private void Join()
    {
        if (Phase is GroupPhase.Preparing or GroupPhase.Joining or GroupPhase.Syncing) return;
        if (Protocol == RebalanceProtocol.Eager && Assigned.Count > 0)
        {
            Phase = GroupPhase.Preparing;
            _releasing.AddRange(RevokeAll());
            Commit();
            if (!_commitInFlight) SendJoin();
            return;
        }
        SendJoin();
    }

    private void SendJoin()
    {
        Phase = GroupPhase.Joining;
        _rejoinAfterRelease = false; // this join hands over whatever was revoked
        var subscription = ConsumerProtocol.EncodeSubscription(new ConsumerProtocol.Subscription(
            Subscription.Partitions.Select(tp => tp.Topic).Distinct().ToList(), Assigned.Order(PartitionAssignors.Order).ToList(), Generation));
        Emit(new GroupStep.SendJoinGroup(new JoinGroupRequestData(Group, (int)_settings.SessionTimeout.TotalMilliseconds, MemberId,
            GroupDescription.ConsumerProtocolType, _assignors.Select(a => new JoinGroupRequestProtocol(a.Name, subscription)).ToList(),
            (int)_settings.RebalanceTimeout.TotalMilliseconds)));
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
        if (Generation >= 0 || Subscription.Joined.Task.IsCompleted) return false;
        Emit(new GroupStep.SubscribeFailed(error));
        return true;
    }

    /// <summary>The leader assigns client-side, with the assignor the group chose, over every member's subscription.</summary>
    private void Lead(JoinGroupResponseData response)
    {
        var members = response.Members.Select(m => new GroupSubscriber(m.MemberId,
            ConsumerProtocol.TryDecodeSubscription(m.Metadata.Span) ?? new ConsumerProtocol.Subscription([], []))).ToList();
        _leading = (response.GenerationId, _assignors.First(a => a.Name == response.ProtocolName), members);
        Emit(new GroupStep.FindPartitionCounts(response.GenerationId, members.SelectMany(m => m.Subscription.Topics).Distinct().ToList()));
    }

    private void Sync(int generation, IReadOnlyList<SyncGroupRequestAssignment> assignments)
    {
        if (Phase != GroupPhase.Syncing || generation != Generation) return;
        Emit(new GroupStep.SendSyncGroup(generation, new SyncGroupRequestData(Group, generation, MemberId, assignments)));
    }

    /// <summary>Expired or fenced: every partition is lost (Kafka's onPartitionsLost), nothing can be committed; they come back from the commits.</summary>
    private void LoseMembership(bool forgetMemberId)
    {
        if (forgetMemberId) MemberId = "";
        Generation = -1;
        Phase = GroupPhase.Unjoined;
        _releasing.Clear();
        _rejoinAfterRelease = false;
        RevokeAll();
    }

    /// <summary>
    /// The partitions SyncGroup gave us. What we no longer have is revoked (cooperative: the leader left it out because
    /// it moves) and its position committed; then, cooperative, we rejoin so the next rebalance hands it over.
    /// </summary>
    private void ApplyAssignment(IReadOnlyList<TopicPartition> assignment)
    {
        var wanted = assignment.ToHashSet();
        foreach (var tp in Assigned.Where(tp => !wanted.Contains(tp)))
        {
            if (Revoke(tp) is { } due) _releasing.Add(due);
            _rejoinAfterRelease = true;
        }
        Assigned = assignment;
        Emit(new GroupStep.ReadAssigned());
        Commit();
        RejoinIfReleased();
    }

    private void RejoinIfReleased()
    {
        if (!_rejoinAfterRelease || _commitInFlight || _releasing.Count > 0) return;
        _rejoinAfterRelease = false;
        Join();
    }

    /// <summary>Answers the position handed over and not committed yet (null: none), final from here on.</summary>
    private PartitionOffset? Revoke(TopicPartition tp)
    {
        // The lease first: from here on the reader drops the partition's buffered records and hands none of them over.
        var due = _positions.Revoke(tp);
        Emit(new GroupStep.StopReading(tp));
        return due;
    }

    private List<PartitionOffset> RevokeAll()
    {
        var due = Assigned.Select(Revoke).OfType<PartitionOffset>().ToList();
        Assigned = [];
        return due;
    }

    private void Commit()
    {
        if (_commitInFlight || Phase is GroupPhase.Joining or GroupPhase.Syncing or GroupPhase.Unjoined || Generation < 0)
        {
            _commitWanted = true; // after the commit in flight, or once joined
            return;
        }
        _commitWanted = false;
        var offsets = _positions.Due().Concat(_releasing).ToList();
        _releasing.Clear();
        var waiters = TakeCommitWaiters();
        if (offsets.Count == 0)
        {
            if (waiters.Count > 0) Emit(new GroupStep.CompleteCommits(waiters, null));
            return;
        }
        _commitInFlight = true;
        Emit(new GroupStep.SendOffsetCommit(CommitRequest(offsets), offsets, waiters));
    }

    private OffsetCommitRequestData CommitRequest(IReadOnlyList<PartitionOffset> offsets) =>
        new(Group, offsets.GroupBy(o => o.Topic).Select(t => new OffsetCommitRequestTopic(t.Key,
            t.Select(o => new OffsetCommitRequestPartition(o.Partition, o.Offset, null)).ToList())).ToList(), Generation, MemberId);

    private void Leave() =>
        Emit(new GroupStep.SendLeaveGroup(new LeaveGroupRequestData(Group, MemberId, [new LeaveGroupMemberIdentity(MemberId)])));

    private KafkaException Refused(ErrorCode error) => new(error, $"committing to group {Group}: {error.Describe()}");
}
