using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Broker.TransactionLog;

namespace AkkaKafka.Broker.Group;

/// <summary>
/// One consumer group: its members (kept alive by heartbeats, expired after their session timeout), their
/// partitions, and the group's committed offsets, which are event-sourced so a restarted consumer resumes where
/// its group left off, whichever broker runs the coordinator by then. Membership is event-sourced too (written whole
/// when it changes, never for a heartbeat, and answered only once written), so when the coordinator moves the members
/// carry on with their generation and partitions instead of rejoining. The members are either Akka consumers
/// (<see cref="GroupMembership"/>: the coordinator assigns) or Kafka clients speaking the classic protocol
/// (<see cref="ClassicGroup"/>: the leader assigns); the first to join decides, both share the committed offsets.
/// </summary>
public sealed class GroupActor : UntypedPersistentActor, IWithTimers
{
    private const string ExpiryTimer = "expire-members";
    private const string ClassicDeadlineTimer = "classic-deadline";
    private const int SnapshotEvery = 500;
    private readonly string _group;
    private readonly GroupMembership _membership = new();
    private readonly ClassicGroup _classic;
    private readonly ClassicGroupSettings _settings;
    // The JoinGroup or SyncGroup each classic member is waiting on (answered when the rebalance gets that far).
    private readonly Dictionary<string, IActorRef> _held = new(StringComparer.Ordinal);
    private readonly Dictionary<TopicPartition, long> _committed = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    // The membership last persisted, by kind: a new generation is a change to store, a heartbeat is not. Kept for snapshots
    // (a classic group in mid-rebalance is snapshotted as it was last stored).
    private GroupMetadata? _storedAkka;
    private GroupMetadata? _storedClassic;
    // The latest membership of each kind read during recovery, taken back at RecoveryCompleted with fresh sessions.
    private GroupMetadata? _recoveredAkka;
    private GroupMetadata? _recoveredClassic;

    public GroupActor(string group, ClassicGroupSettings settings)
    {
        _group = group;
        _classic = new ClassicGroup(group, settings);
        _settings = settings;
    }

    public static Props Props(string group, ClassicGroupSettings settings) =>
        Akka.Actor.Props.Create(() => new GroupActor(group, settings));

    public override string PersistenceId => $"group-{_group}";

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer(ExpiryTimer, ExpireMembers.Instance, TimeSpan.FromMilliseconds(250));
        base.PreStart();
    }

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: GroupSnapshot snapshot }:
                foreach (var o in snapshot.Committed) _committed[new TopicPartition(o.Topic, o.Partition)] = o.Offset;
                _recoveredAkka = snapshot.Akka;
                _recoveredClassic = snapshot.Classic;
                break;
            case GroupMembershipChanged { Metadata.Kind: GroupKind.Akka } e:
                _recoveredAkka = e.Metadata;
                break;
            case GroupMembershipChanged e:
                _recoveredClassic = e.Metadata;
                break;
            case RecoveryCompleted:
                RestoreMembership(DateTime.UtcNow);
                break;
            case OffsetsCommitted e:
                Apply(e);
                break;
            case GroupOffsetsDeleted:
                _committed.Clear();
                break;
        }
    }

    /// <summary>
    /// The members as last persisted, each with a whole session from now (the coordinator may have moved: nobody could
    /// heartbeat meanwhile). One that is really gone times out as usual and the others rebalance then.
    /// </summary>
    private void RestoreMembership(DateTime now)
    {
        if (_recoveredAkka is { } akka) _membership.Restore(akka, now);
        if (_recoveredClassic is { } classic) _classic.Restore(classic, now);
        (_storedAkka, _storedClassic) = (_recoveredAkka, _recoveredClassic);
        if (_membership.Members.Count + _classic.MemberCount > 0)
            _log.Info("Group {0}: recovered {1} members at generation {2}; their sessions start now", _group,
                _membership.Members.Count + _classic.MemberCount, _classic.MemberCount > 0 ? _classic.Generation : _membership.Generation);
        _recoveredAkka = _recoveredClassic = null;
    }

    /// <summary>
    /// Persists the membership of each kind that has a new generation since it was last persisted (a classic group once
    /// it settles in it), then does <paramref name="then"/> (the answers): a member hears of a generation only once a
    /// coordinator that takes over would know it. Without a change (a heartbeat, a commit), at once.
    /// </summary>
    private void AfterMembershipStored(Action then)
    {
        var changes = new List<GroupMembershipChanged>(2);
        if (_membership.Generation != (_storedAkka?.Generation ?? 0))
            changes.Add(new GroupMembershipChanged(_storedAkka = _membership.ToMetadata()));
        if (_classic.IsSettled && _classic.Generation != (_storedClassic?.Generation ?? 0))
            changes.Add(new GroupMembershipChanged(_storedClassic = _classic.ToMetadata()));
        if (changes.Count == 0)
        {
            then();
            return;
        }
        var toWrite = changes.Count;
        PersistAll(changes, _ =>
        {
            SaveSnapshotIfDue();
            if (--toWrite == 0) then();
        });
    }

    private void SaveSnapshotIfDue()
    {
        if (LastSequenceNr % SnapshotEvery != 0) return;
        SaveSnapshot(new GroupSnapshot(_committed.Select(kv => new PartitionOffset(kv.Key.Topic, kv.Key.Partition, kv.Value)).ToList(),
            _storedAkka, _storedClassic));
    }

    private void Apply(OffsetsCommitted e)
    {
        foreach (var o in e.Offsets) _committed[new TopicPartition(o.Topic, o.Partition)] = o.Offset;
    }

    protected override void OnCommand(object message)
    {
        var now = DateTime.UtcNow;
        switch (message)
        {
            case JoinGroup join when _classic.MemberCount > 0:
                // Kafka clients own this group right now; an Akka consumer cannot share it.
                Sender.Tell(new JoinGroupResponse(_group, ErrorCode.InconsistentGroupProtocol, join.MemberId ?? "", 0, []));
                break;
            case JoinGroup join:
            {
                var member = _membership.Join(join.MemberId, join.ClientId, join.Partitions, SessionTimeoutOf(join), now);
                _log.Info("Group {0}: {1} joined, generation {2}, {3} members", _group, member.MemberId, _membership.Generation, _membership.Members.Count);
                ReplyOnceStored(new JoinGroupResponse(_group, ErrorCode.None, member.MemberId, _membership.Generation, _membership.AssignmentOf(member.MemberId)));
                break;
            }
            case Heartbeat heartbeat:
                // A heartbeat that releases partitions makes a new generation (stored); any other writes nothing.
                ReplyOnceStored(_membership.Heartbeat(heartbeat.MemberId, now, heartbeat.Generation)
                    ? new HeartbeatResponse(_group, ErrorCode.None, _membership.Generation, _membership.AssignmentOf(heartbeat.MemberId))
                    : new HeartbeatResponse(_group, ErrorCode.UnknownMemberId, _membership.Generation, []));
                break;
            case LeaveGroup leave:
                if (_membership.Leave(leave.MemberId, now))
                    _log.Info("Group {0}: {1} left, generation {2}", _group, leave.MemberId, _membership.Generation);
                ReplyOnceStored(new LeaveGroupResponse(_group, ErrorCode.None));
                break;
            case JoinClassicGroup join when _membership.Members.Count > 0:
                Sender.Tell(new JoinClassicGroupResponse(_group, ErrorCode.InconsistentGroupProtocol, -1, null, null, "", join.MemberId, []));
                break;
            case JoinClassicGroup join:
                Run(_classic.Join(join, now));
                break;
            case SyncClassicGroup sync:
                Run(_classic.Sync(sync, now));
                break;
            case ClassicHeartbeat heartbeat:
                Run(_classic.Heartbeat(heartbeat, now));
                break;
            case LeaveClassicGroup leave:
                Run(_classic.Leave(leave, now));
                break;
            case OffsetCommit commit:
                HandleCommit(commit, now);
                break;
            case OffsetFetch fetch:
                Sender.Tell(new OffsetFetchResponse(_group, fetch.Partitions
                    .Select(tp => new PartitionOffset(tp.Topic, tp.Partition, _committed.GetValueOrDefault(tp, -1))).ToList()));
                break;
            case DescribeGroup:
                Sender.Tell(Describe());
                break;
            case DeleteGroupCommand delete:
                HandleDelete(delete);
                break;
            case ExpireMembers:
            {
                var (expired, releasesTimedOut) = _membership.Expire(now);
                foreach (var id in expired)
                    _log.Info("Group {0}: {1} missed its heartbeats and was removed, generation {2}", _group, id, _membership.Generation);
                if (releasesTimedOut.Count > 0)
                    _log.Warning("Group {0}: {1} partitions were not released by their previous owner within its session timeout; their new owners read them from the last commit, generation {2}",
                        _group, releasesTimedOut.Count, _membership.Generation);
                Run(_classic.Tick(now));
                break;
            }
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

    private void ReplyOnceStored(object reply)
    {
        var replyTo = Sender;
        AfterMembershipStored(() => replyTo.Tell(reply));
    }

    /// <summary>
    /// Carries out what the classic group decided, once a settled group is stored: answers now, holds the sender,
    /// answers held members; then sets its wake-up.
    /// </summary>
    private void Run(IReadOnlyList<ClassicAction> actions)
    {
        var sender = Sender;
        var generation = _classic.Generation;
        AfterMembershipStored(() => CarryOut(actions, sender, generation));
    }

    private void CarryOut(IReadOnlyList<ClassicAction> actions, IActorRef sender, int generation)
    {
        foreach (var action in actions)
        {
            switch (action)
            {
                case ReplyToSender reply:
                    sender.Tell(reply.Message);
                    break;
                case HoldSender hold:
                    // A member that retried while held gets only the newer answer; the older Ask times out on its own.
                    _held[hold.MemberId] = sender;
                    break;
                case ReplyToHeld reply:
                    if (_held.Remove(reply.MemberId, out var waiting)) waiting.Tell(reply.Message);
                    break;
            }
        }
        if (actions.OfType<ReplyToHeld>().Any(r => r.Message is JoinClassicGroupResponse { Error: ErrorCode.None }))
            _log.Info("Group {0}: generation {1} of {2} Kafka members, protocol {3}, leader {4}", _group, generation, _classic.MemberCount, _classic.ProtocolName, _classic.LeaderId);
        if (_classic.NextDeadline is { } deadline)
            Timers.StartSingleTimer(ClassicDeadlineTimer, ExpireMembers.Instance, Max(deadline - DateTime.UtcNow, TimeSpan.Zero) + TimeSpan.FromMilliseconds(1));
        else
            Timers.Cancel(ClassicDeadlineTimer);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    // An Akka member's session timeout, within the bounds a Kafka member's must keep (akkakafka.broker.group).
    private TimeSpan SessionTimeoutOf(JoinGroup join) =>
        TimeSpan.FromMilliseconds(Math.Clamp(join.SessionTimeoutMs, _settings.MinSessionTimeout.TotalMilliseconds, _settings.MaxSessionTimeout.TotalMilliseconds));

    private GroupDescription Describe()
    {
        var committed = _committed.OrderBy(kv => kv.Key.Topic, StringComparer.Ordinal).ThenBy(kv => kv.Key.Partition)
            .Select(kv => new PartitionOffset(kv.Key.Topic, kv.Key.Partition, kv.Value)).ToList();
        if (_classic.MemberCount > 0 || _membership.Members.Count == 0 && _classic.Generation > 0)
        {
            var members = _classic.Members.Select(m => new GroupMemberDescription(m.MemberId, m.ClientId,
                _classic.ProtocolType == GroupDescription.ConsumerProtocolType ? ConsumerProtocol.TryDecodeAssignment(m.Assignment) ?? [] : [],
                m.ClientHost, m.MetadataFor(_classic.ProtocolName), m.Assignment)).ToList();
            return new GroupDescription(_group, ErrorCode.None, _classic.Generation, members, committed,
                _classic.State, _classic.ProtocolType ?? GroupDescription.ConsumerProtocolType, _classic.ProtocolName ?? "");
        }
        var akkaMembers = _membership.Members.OrderBy(m => m.JoinOrder)
            .Select(m => new GroupMemberDescription(m.MemberId, m.ClientId, _membership.AssignmentOf(m.MemberId))).ToList();
        return new GroupDescription(_group, ErrorCode.None, _membership.Generation, akkaMembers, committed,
            akkaMembers.Count > 0 ? GroupStates.Stable : GroupStates.Empty, GroupDescription.ConsumerProtocolType,
            akkaMembers.Count > 0 ? AkkaProtocol : "");
    }

    /// <summary>The "assignor" an Akka group reports: the coordinator's own assignment.</summary>
    public const string AkkaProtocol = "akkakafka";

    private void HandleDelete(DeleteGroupCommand delete)
    {
        if (_membership.Members.Count > 0 || !_classic.IsEmpty)
        {
            Sender.Tell(new GroupDeleteOutcome(_group, ErrorCode.NonEmptyGroup, delete.ReplyTo));
            return;
        }
        var coordinator = Sender;
        Persist(GroupOffsetsDeleted.Instance, _ =>
        {
            _committed.Clear();
            _log.Info("Group {0}: deleted with its committed offsets", _group);
            coordinator.Tell(new GroupDeleteOutcome(_group, ErrorCode.None, delete.ReplyTo));
        });
    }

    private void HandleCommit(OffsetCommit commit, DateTime now)
    {
        if (_classic.MemberCount > 0 || (commit.Generation < 0 && commit.MemberId.Length == 0))
        {
            // Kafka's rules: a member of the current generation (not while its assignment is being made), or a
            // standalone commit while nobody is in the group. Kafka does not check who owns a partition; neither do we.
            var error = _membership.Members.Count > 0 ? ErrorCode.UnknownMemberId : _classic.ValidateCommit(commit.MemberId, commit.Generation, now);
            if (error != ErrorCode.None)
            {
                Sender.Tell(new OffsetCommitResponse(_group, error, $"{commit.MemberId} cannot commit to group {_group} at generation {commit.Generation}: {error.Describe()}"));
                return;
            }
        }
        else
        {
            if (!_membership.IsMember(commit.MemberId))
            {
                Sender.Tell(new OffsetCommitResponse(_group, ErrorCode.UnknownMemberId, $"{commit.MemberId} is not a member of group {_group}"));
                return;
            }
            _membership.Heartbeat(commit.MemberId, now);
            // Only the current owner may move a partition's position: a member that has not yet noticed a rebalance
            // must not overwrite what the new owner commits.
            var foreign = commit.Offsets.FirstOrDefault(o => !_membership.Owns(commit.MemberId, new TopicPartition(o.Topic, o.Partition)));
            if (foreign is not null)
            {
                Sender.Tell(new OffsetCommitResponse(_group, ErrorCode.IllegalGeneration, $"{foreign.Topic}-{foreign.Partition} is no longer assigned to {commit.MemberId}"));
                return;
            }
        }
        var replyTo = Sender;
        Persist(new OffsetsCommitted(commit.Offsets), e =>
        {
            Apply(e);
            replyTo.Tell(new OffsetCommitResponse(_group, ErrorCode.None));
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            foreach (var o in e.Offsets.Where(o => TransactionLogEntry.IsLogged(o.Topic)))
                Context.System.EventStream.Publish(new TransactionLogEntry(TransactionLogEntry.Commit, commit.MemberId, commit.ClientAddress,
                    o.Topic, o.Partition, o.Offset, o.Offset, 0, now, _group));
            SaveSnapshotIfDue();
        });
    }

    private sealed class ExpireMembers
    {
        public static readonly ExpireMembers Instance = new();
    }
}

/// <summary>The coordinator asks a group to delete itself on behalf of <see cref="ReplyTo"/> (local only, never crosses the wire).</summary>
internal sealed record DeleteGroupCommand(DeleteGroup Request, IActorRef ReplyTo);

/// <summary>A group's answer to <see cref="DeleteGroupCommand"/>: deleted (the coordinator then unregisters it) or why not.</summary>
internal sealed record GroupDeleteOutcome(string Group, ErrorCode Error, IActorRef ReplyTo);
