using Akka.Actor;
using Akka.Persistence;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Group;

/// <summary>
/// Kafka's group coordinator, as a cluster singleton beside the controller: it knows every group (persisted) and
/// runs one <see cref="GroupActor"/> per active group, started on first use. A group becomes known with its first
/// join (Akka or Kafka classic) or its first offset commit (admin tools commit without joining), and is forgotten
/// when deleted.
/// </summary>
public sealed class GroupCoordinatorActor : UntypedPersistentActor, IWithUnboundedStash, IWithTimers
{
    private const string DeletionTimer = "deletion";

    private readonly SortedSet<string> _groups = new(StringComparer.Ordinal);
    private readonly ClassicGroupSettings _settings;
    // Also how long a deletion may take: a group that cannot persist its deletion stops without answering, and the
    // coordinator must not wait on it forever.
    private readonly TimeSpan _requestTimeout;
    // The groups' copy into __consumer_offsets: one writer for all of them, so it moves with the coordinator and keeps
    // each group's records in order.
    private readonly IActorRef _offsetsWriter;

    public GroupCoordinatorActor()
    {
        _settings = ClassicGroupSettings.Create(Context.System.Settings.Config);
        var broker = BrokerSettings.Create(Context.System);
        _requestTimeout = broker.RequestTimeout;
        _offsetsWriter = Context.ActorOf(ConsumerOffsetsWriter.Props(Context.System.ActorSelection("/user/" + Names.BrokerActorName), broker,
            "group-coordinator"), "consumer-offsets-writer");
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new GroupCoordinatorActor());

    public override string PersistenceId => "group-coordinator";

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case GroupRegistered registered:
                _groups.Add(registered.Group);
                break;
            case GroupUnregistered unregistered:
                _groups.Remove(unregistered.Group);
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case ListGroups:
                Sender.Tell(new ListGroupsResponse(_groups.ToList()));
                break;
            case DescribeGroup describe when !_groups.Contains(describe.Group):
                Sender.Tell(new GroupDescription(describe.Group, ErrorCode.InvalidRequest, 0, [], []));
                break;
            case OffsetFetch fetch when !_groups.Contains(fetch.Group):
                Sender.Tell(new OffsetFetchResponse(fetch.Group, fetch.Partitions.Select(tp => new PartitionOffset(tp.Topic, tp.Partition, -1)).ToList()));
                break;
            case JoinClassicGroup { Group: "" } join:
                Sender.Tell(new JoinClassicGroupResponse("", ErrorCode.InvalidGroupId, -1, null, null, "", join.MemberId, []));
                break;
            case OffsetCommit { Group: "" } or TransactionalOffsetCommit { Group: "" }:
                Sender.Tell(new OffsetCommitResponse("", ErrorCode.InvalidGroupId, "the group id is empty"));
                break;
            // Kafka's coordinator: a request naming a member of a group that does not exist is refused with
            // UNKNOWN_MEMBER_ID, and the group is not created. Here that also keeps requests for groups nobody uses (a
            // client's typo, a fuzzer's mangled names) from registering a group or leaving a group actor behind each.
            case JoinClassicGroup { MemberId.Length: > 0 } join when !_groups.Contains(join.Group):
                Sender.Tell(new JoinClassicGroupResponse(join.Group, ErrorCode.UnknownMemberId, -1, null, null, "", join.MemberId, []));
                break;
            case OffsetCommit commit when !_groups.Contains(commit.Group) && (commit.Generation >= 0 || commit.MemberId.Length > 0):
                Sender.Tell(new OffsetCommitResponse(commit.Group, ErrorCode.UnknownMemberId, $"{commit.MemberId} is not a member of group {commit.Group}, which does not exist"));
                break;
            // Kafka's coordinator: a transactional commit to a group that does not exist creates it only without a
            // generation (a producer whose consumer uses no group management); with one, that generation is not the group's.
            case TransactionalOffsetCommit commit when !_groups.Contains(commit.Group) && commit.Generation >= 0:
                Sender.Tell(new OffsetCommitResponse(commit.Group, ErrorCode.IllegalGeneration, $"group {commit.Group} does not exist, so generation {commit.Generation} is not its generation"));
                break;
            // Nothing can be pending in a group that does not exist: a completion (retried until answered) has nothing to do.
            case CompleteTransactionalOffsets complete when !_groups.Contains(complete.Group):
                Sender.Tell(new TransactionalOffsetsCompleted(complete.Group, ErrorCode.None));
                break;
            case SyncClassicGroup { Group.Length: > 0 } sync when !_groups.Contains(sync.Group):
                Sender.Tell(new SyncClassicGroupResponse(sync.Group, ErrorCode.UnknownMemberId, null, null, []));
                break;
            case ClassicHeartbeat { Group.Length: > 0 } heartbeat when !_groups.Contains(heartbeat.Group):
                Sender.Tell(new ClassicHeartbeatResponse(heartbeat.Group, ErrorCode.UnknownMemberId));
                break;
            case LeaveClassicGroup { Group.Length: > 0 } leave when !_groups.Contains(leave.Group):
                Sender.Tell(new LeaveClassicGroupResponse(leave.Group, ErrorCode.None, leave.MemberIds.Select(m => new MemberLeft(m, ErrorCode.UnknownMemberId)).ToList()));
                break;
            case JoinClassicGroup or OffsetCommit or TransactionalOffsetCommit when !_groups.Contains(GroupOf((IGroupCommand)message)):
                RegisterThenForward((IGroupCommand)message);
                break;
            case DeleteGroup delete when !_groups.Contains(delete.Group):
                Sender.Tell(new DeleteGroupResponse(delete.Group, ErrorCode.GroupIdNotFound));
                break;
            case DeleteGroup delete:
                // Nothing else reaches the group until it has answered, so no member can slip in between its check that
                // it is empty and the unregistration.
                GroupFor(delete.Group).Tell(new DeleteGroupCommand(delete, Sender));
                Timers.StartSingleTimer(DeletionTimer, new DeletionTimedOut(delete.Group, Sender), _requestTimeout);
                BecomeStacked(AwaitingDeletion);
                break;
            case GroupDeleteOutcome { Error: ErrorCode.None } late when _groups.Contains(late.Group):
                // The group deleted its offsets after we stopped waiting: finish the job (the requester heard a timeout).
                Persist(new GroupUnregistered(late.Group), e => _groups.Remove(e.Group));
                break;
            case GroupDeleteOutcome:
                break;
            case IGroupCommand command:
                GroupFor(GroupOf(command)).Forward(command);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void RegisterThenForward(IGroupCommand command)
    {
        var sender = Sender;
        Persist(new GroupRegistered(GroupOf(command)), e =>
        {
            _groups.Add(e.Group);
            GroupFor(e.Group).Tell(command, sender);
        });
    }

    private void AwaitingDeletion(object message)
    {
        switch (message)
        {
            case GroupDeleteOutcome { Error: ErrorCode.None } outcome:
                Timers.Cancel(DeletionTimer);
                Persist(new GroupUnregistered(outcome.Group), e =>
                {
                    _groups.Remove(e.Group);
                    outcome.ReplyTo.Tell(new DeleteGroupResponse(e.Group, ErrorCode.None));
                    UnbecomeStacked();
                    Stash.UnstashAll();
                });
                break;
            case GroupDeleteOutcome outcome:
                Timers.Cancel(DeletionTimer);
                outcome.ReplyTo.Tell(new DeleteGroupResponse(outcome.Group, outcome.Error));
                UnbecomeStacked();
                Stash.UnstashAll();
                break;
            case DeletionTimedOut timedOut:
                timedOut.ReplyTo.Tell(new DeleteGroupResponse(timedOut.Group, ErrorCode.RequestTimedOut));
                UnbecomeStacked();
                Stash.UnstashAll();
                break;
            default:
                Stash.Stash();
                break;
        }
    }

    private static string GroupOf(IGroupCommand command) => command switch
    {
        OffsetCommit m => m.Group,
        OffsetFetch m => m.Group,
        DescribeGroup m => m.Group,
        JoinClassicGroup m => m.Group,
        SyncClassicGroup m => m.Group,
        ClassicHeartbeat m => m.Group,
        LeaveClassicGroup m => m.Group,
        DeleteGroup m => m.Group,
        TransactionalOffsetCommit m => m.Group,
        CompleteTransactionalOffsets m => m.Group,
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name),
    };

    private IActorRef GroupFor(string group)
    {
        var name = "group-" + Uri.EscapeDataString(group);
        var child = Context.Child(name);
        return child.IsNobody() ? Context.ActorOf(GroupActor.Props(group, _settings, _offsetsWriter), name) : child;
    }

    private sealed record DeletionTimedOut(string Group, IActorRef ReplyTo);
}
