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
/// when it settles, never for a heartbeat, and answered only once written), so when the coordinator moves the members
/// carry on with their generation and partitions instead of rejoining. Members speak Kafka's classic protocol
/// (<see cref="ClassicGroup"/>: the leader assigns), Kafka clients and `akkakafka consume --group` alike.
/// </summary>
public sealed class GroupActor : UntypedPersistentActor, IWithTimers
{
    private const string ExpiryTimer = "expire-members";
    private const string ClassicDeadlineTimer = "classic-deadline";
    private const int SnapshotEvery = 500;
    private readonly string _group;
    private readonly ClassicGroup _classic;
    private readonly ClassicGroupSettings _settings;
    // Copies what this group persists into __consumer_offsets, after the journal write (the source of truth).
    private readonly IActorRef _offsetsWriter;
    // The JoinGroup or SyncGroup each classic member is waiting on (answered when the rebalance gets that far).
    private readonly Dictionary<string, IActorRef> _held = new(StringComparer.Ordinal);
    private readonly GroupOffsets _offsets = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    // The membership last persisted: a new generation is a change to store, a heartbeat is not. Kept for snapshots
    // (a group in mid-rebalance is snapshotted as it was last stored).
    private GroupMetadata? _storedClassic;
    // The latest membership read during recovery, taken back at RecoveryCompleted with fresh sessions.
    private GroupMetadata? _recoveredClassic;

    public GroupActor(string group, ClassicGroupSettings settings, IActorRef offsetsWriter)
    {
        _group = group;
        _offsetsWriter = offsetsWriter;
        _classic = new ClassicGroup(group, settings);
        _settings = settings;
    }

    public static Props Props(string group, ClassicGroupSettings settings, IActorRef offsetsWriter) =>
        Akka.Actor.Props.Create(() => new GroupActor(group, settings, offsetsWriter));

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
                _offsets.Restore(snapshot);
                // snapshot.Akka: written before Akka consumers became classic members (issue 19); nothing to take back.
                _recoveredClassic = snapshot.Classic;
                break;
            case GroupMembershipChanged { Metadata.Kind: GroupKind.Akka }:
                // Journals written before Akka consumers became classic members (issue 19) hold the coordinator-assigned
                // membership of that time. Its members rejoin as classic members (their old member ids are unknown
                // here, which makes them join anew); their committed offsets are in OffsetsCommitted and are kept.
                break;
            case GroupMembershipChanged e:
                _recoveredClassic = e.Metadata;
                break;
            case RecoveryCompleted:
                RestoreMembership(DateTime.UtcNow);
                break;
            case OffsetsCommitted or TransactionalOffsetsPrepared or TransactionalOffsetsAborted or GroupOffsetsDeleted:
                // LastSequenceNr is the replayed event's: where in the journal it was written.
                _offsets.Apply((IGroupEvent)message, LastSequenceNr);
                break;
        }
    }

    /// <summary>
    /// The members as last persisted, each with a whole session from now (the coordinator may have moved: nobody could
    /// heartbeat meanwhile). One that is really gone times out as usual and the others rebalance then.
    /// </summary>
    private void RestoreMembership(DateTime now)
    {
        if (_recoveredClassic is { } classic) _classic.Restore(classic, now);
        _storedClassic = _recoveredClassic;
        if (_classic.MemberCount > 0)
            _log.Info("Group {0}: recovered {1} members at generation {2}; their sessions start now", _group, _classic.MemberCount, _classic.Generation);
        _recoveredClassic = null;
    }

    /// <summary>
    /// Persists the membership if it settled in a new generation since it was last persisted, then does
    /// <paramref name="then"/> (the answers): a member hears of a generation only once a coordinator that takes over
    /// would know it. Without a change (a heartbeat, a commit), at once.
    /// </summary>
    private void AfterMembershipStored(Action then)
    {
        if (!_classic.IsSettled || _classic.Generation == (_storedClassic?.Generation ?? 0))
        {
            then();
            return;
        }
        Persist(new GroupMembershipChanged(_storedClassic = _classic.ToMetadata()), e =>
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            _offsetsWriter.Tell(new ConsumerOffsetsWrite(_group,
                [new ConsumerOffsetsRecord(ConsumerOffsets.GroupMetadataKey(_group), ConsumerOffsets.GroupMetadataValue(e.Metadata, now), now)]));
            SaveSnapshotIfDue();
            then();
        });
    }

    private void SaveSnapshotIfDue()
    {
        if (LastSequenceNr % SnapshotEvery != 0) return;
        var (committed, committedAt, pending) = _offsets.ToSnapshot();
        SaveSnapshot(new GroupSnapshot(committed, Classic: _storedClassic, CommittedAt: committedAt, Pending: pending));
    }

    protected override void OnCommand(object message)
    {
        var now = DateTime.UtcNow;
        switch (message)
        {
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
                    .Select(tp => new PartitionOffset(tp.Topic, tp.Partition, _offsets.CommittedOffset(tp))).ToList(),
                    fetch.RequireStable ? fetch.Partitions.Where(_offsets.IsUnstable).ToList() : []));
                break;
            case TransactionalOffsetCommit commit:
                HandleTransactionalCommit(commit);
                break;
            case CompleteTransactionalOffsets complete:
                HandleCompletion(complete);
                break;
            case DescribeGroup:
                Sender.Tell(Describe());
                break;
            case DeleteGroupCommand delete:
                HandleDelete(delete);
                break;
            case ExpireMembers:
                Run(_classic.Tick(now));
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

    private GroupDescription Describe()
    {
        var committed = _offsets.Committed;
        var members = _classic.Members.Select(m => new GroupMemberDescription(m.MemberId, m.ClientId,
            _classic.ProtocolType == GroupDescription.ConsumerProtocolType ? ConsumerProtocol.TryDecodeAssignment(m.Assignment) ?? [] : [],
            m.ClientHost, m.MetadataFor(_classic.ProtocolName), m.Assignment)).ToList();
        return new GroupDescription(_group, ErrorCode.None, _classic.Generation, members, committed,
            _classic.State, _classic.ProtocolType ?? GroupDescription.ConsumerProtocolType, _classic.ProtocolName ?? "");
    }

    private void HandleDelete(DeleteGroupCommand delete)
    {
        if (!_classic.IsEmpty)
        {
            Sender.Tell(new GroupDeleteOutcome(_group, ErrorCode.NonEmptyGroup, delete.ReplyTo));
            return;
        }
        var coordinator = Sender;
        Persist(GroupOffsetsDeleted.Instance, e =>
        {
            // Tombstones, as Kafka's coordinator writes for a deleted group: each offset's key and the group's own.
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var tombstones = _offsets.Committed.Select(o => new ConsumerOffsetsRecord(ConsumerOffsets.OffsetCommitKey(_group, o.Topic, o.Partition), null, now))
                .Append(new ConsumerOffsetsRecord(ConsumerOffsets.GroupMetadataKey(_group), null, now)).ToList();
            _offsetsWriter.Tell(new ConsumerOffsetsWrite(_group, tombstones));
            _offsets.Apply(e, LastSequenceNr);
            _log.Info("Group {0}: deleted with its committed offsets", _group);
            coordinator.Tell(new GroupDeleteOutcome(_group, ErrorCode.None, delete.ReplyTo));
        });
    }

    private void HandleCommit(OffsetCommit commit, DateTime now)
    {
        // Kafka's rules: a member of the current generation (not while its assignment is being made), or a standalone
        // commit while nobody is in the group. Kafka does not check who owns a partition; neither do we.
        var error = _classic.ValidateCommit(commit.MemberId, commit.Generation, now);
        if (error != ErrorCode.None)
        {
            Sender.Tell(new OffsetCommitResponse(_group, error, $"{commit.MemberId} cannot commit to group {_group} at generation {commit.Generation}: {error.Describe()}"));
            return;
        }
        var replyTo = Sender;
        Persist(new OffsetsCommitted(commit.Offsets), e =>
        {
            OffsetsWritten(e, commit.MemberId, commit.ClientAddress);
            replyTo.Tell(new OffsetCommitResponse(_group, ErrorCode.None));
        });
    }

    /// <summary>
    /// What follows every commit of the group's offsets once written, a consumer's and a transaction's alike: the
    /// offsets are the group's, copied into __consumer_offsets, the transaction log records them, and a snapshot is
    /// taken when due.
    /// </summary>
    private void OffsetsWritten(IGroupEvent e, string committer, string? clientAddress)
    {
        _offsets.Apply(e, LastSequenceNr);
        if (e is OffsetsCommitted committed)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            // Copied into __consumer_offsets after the journal write (the source of truth), off the commit's path.
            // Kafka's OffsetCommitValue also has the leader epoch and the commit's metadata string; neither is kept by
            // the group's journal, so readers see Kafka's defaults for them (-1 and "").
            _offsetsWriter.Tell(new ConsumerOffsetsWrite(_group, committed.Offsets.Select(o => new ConsumerOffsetsRecord(
                ConsumerOffsets.OffsetCommitKey(_group, o.Topic, o.Partition), ConsumerOffsets.OffsetCommitValue(o.Offset, -1, "", now), now)).ToList()));
            foreach (var o in committed.Offsets.Where(o => TransactionLogEntry.IsLogged(o.Topic)))
                Context.System.EventStream.Publish(new TransactionLogEntry(TransactionLogEntry.Commit, committer, clientAddress,
                    o.Topic, o.Partition, o.Offset, o.Offset, 0, now, _group));
        }
        SaveSnapshotIfDue();
    }

    /// <summary>
    /// Kafka TxnOffsetCommit: the member checked as Kafka checks a transactional commit (KIP-447), the producer's epoch
    /// against its pending offsets; then the offsets are pending (journaled, so a coordinator that takes over holds
    /// them too), answered once written.
    /// </summary>
    private void HandleTransactionalCommit(TransactionalOffsetCommit commit)
    {
        var error = _classic.ValidateTransactionalCommit(commit.MemberId, commit.GroupInstanceId, commit.Generation);
        if (error == ErrorCode.None) error = _offsets.CheckTransactionalCommit(commit.ProducerId, commit.ProducerEpoch);
        if (error != ErrorCode.None)
        {
            Sender.Tell(new OffsetCommitResponse(_group, error,
                $"transactional id {commit.TransactionalId} (producer {commit.ProducerId}, epoch {commit.ProducerEpoch}, member '{commit.MemberId}', generation {commit.Generation}) cannot commit to group {_group}: {error.Describe()}"));
            return;
        }
        var replyTo = Sender;
        Persist(new TransactionalOffsetsPrepared(commit.TransactionalId, commit.ProducerId, commit.ProducerEpoch, commit.Offsets), e =>
        {
            _offsets.Apply(e, LastSequenceNr);
            replyTo.Tell(new OffsetCommitResponse(_group, ErrorCode.None));
            SaveSnapshotIfDue();
        });
    }

    /// <summary>
    /// The transaction coordinator ended a transaction that added this group: its pending offsets become the group's
    /// committed offsets through the same event a consumer's commit writes, or are dropped; answered once written.
    /// </summary>
    private void HandleCompletion(CompleteTransactionalOffsets complete)
    {
        var (error, decided) = _offsets.Complete(complete.ProducerId, complete.ProducerEpoch, complete.Commit);
        if (decided is null)
        {
            if (error != ErrorCode.None)
                _log.Warning("Group {0}: completion of producer {1}'s transaction at epoch {2} refused: {3}", _group, complete.ProducerId, complete.ProducerEpoch, error.Describe());
            Sender.Tell(new TransactionalOffsetsCompleted(_group, error));
            return;
        }
        var replyTo = Sender;
        var committer = _offsets.TransactionalIdOf(complete.ProducerId)!;
        Persist(decided, e =>
        {
            OffsetsWritten(e, committer, null);
            replyTo.Tell(new TransactionalOffsetsCompleted(_group, ErrorCode.None));
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
