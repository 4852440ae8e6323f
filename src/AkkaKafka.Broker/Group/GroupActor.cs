using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Broker.TransactionLog;

namespace AkkaKafka.Broker.Group;

/// <summary>
/// One consumer group: its members (kept alive by heartbeats, expired after their session timeout), their
/// partitions, and the group's committed offsets, which are event-sourced so a restarted consumer resumes where
/// its group left off, whichever broker runs the coordinator by then.
/// </summary>
public sealed class GroupActor : UntypedPersistentActor, IWithTimers
{
    private const string ExpiryTimer = "expire-members";
    private const int SnapshotEvery = 500;
    private readonly string _group;
    private readonly GroupMembership _membership = new();
    private readonly Dictionary<TopicPartition, long> _committed = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public GroupActor(string group) => _group = group;

    public static Props Props(string group) => Akka.Actor.Props.Create(() => new GroupActor(group));

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
                break;
            case OffsetsCommitted e:
                Apply(e);
                break;
        }
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
            case JoinGroup join:
            {
                var member = _membership.Join(join.MemberId, join.ClientId, join.Partitions, TimeSpan.FromMilliseconds(Math.Clamp(join.SessionTimeoutMs, 1000, 300_000)), now);
                _log.Info("Group {0}: {1} joined, generation {2}, {3} members", _group, member.MemberId, _membership.Generation, _membership.Members.Count);
                Sender.Tell(new JoinGroupResponse(_group, ErrorCode.None, member.MemberId, _membership.Generation, _membership.AssignmentOf(member.MemberId)));
                break;
            }
            case Heartbeat heartbeat:
                Sender.Tell(_membership.Heartbeat(heartbeat.MemberId, now)
                    ? new HeartbeatResponse(_group, ErrorCode.None, _membership.Generation, _membership.AssignmentOf(heartbeat.MemberId))
                    : new HeartbeatResponse(_group, ErrorCode.UnknownMemberId, _membership.Generation, []));
                break;
            case LeaveGroup leave:
                if (_membership.Leave(leave.MemberId))
                    _log.Info("Group {0}: {1} left, generation {2}", _group, leave.MemberId, _membership.Generation);
                Sender.Tell(new LeaveGroupResponse(_group, ErrorCode.None));
                break;
            case OffsetCommit commit:
                HandleCommit(commit, now);
                break;
            case OffsetFetch fetch:
                Sender.Tell(new OffsetFetchResponse(_group, fetch.Partitions
                    .Select(tp => new PartitionOffset(tp.Topic, tp.Partition, _committed.GetValueOrDefault(tp, -1))).ToList()));
                break;
            case DescribeGroup:
                Sender.Tell(new GroupDescription(_group, ErrorCode.None, _membership.Generation,
                    _membership.Members.OrderBy(m => m.JoinOrder).Select(m => new GroupMemberDescription(m.MemberId, m.ClientId, _membership.AssignmentOf(m.MemberId))).ToList(),
                    _committed.OrderBy(kv => kv.Key.Topic, StringComparer.Ordinal).ThenBy(kv => kv.Key.Partition)
                        .Select(kv => new PartitionOffset(kv.Key.Topic, kv.Key.Partition, kv.Value)).ToList()));
                break;
            case ExpireMembers:
                foreach (var id in _membership.Expire(now))
                    _log.Info("Group {0}: {1} missed its heartbeats and was removed, generation {2}", _group, id, _membership.Generation);
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

    private void HandleCommit(OffsetCommit commit, DateTime now)
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
        var replyTo = Sender;
        Persist(new OffsetsCommitted(commit.Offsets), e =>
        {
            Apply(e);
            replyTo.Tell(new OffsetCommitResponse(_group, ErrorCode.None));
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            foreach (var o in e.Offsets.Where(o => TransactionLogEntry.IsLogged(o.Topic)))
                Context.System.EventStream.Publish(new TransactionLogEntry(TransactionLogEntry.Commit, commit.MemberId, commit.ClientAddress,
                    o.Topic, o.Partition, o.Offset, o.Offset, 0, now, _group));
            if (LastSequenceNr % SnapshotEvery == 0)
                SaveSnapshot(new GroupSnapshot(_committed.Select(kv => new PartitionOffset(kv.Key.Topic, kv.Key.Partition, kv.Value)).ToList()));
        });
    }

    private sealed class ExpireMembers
    {
        public static readonly ExpireMembers Instance = new();
    }
}
