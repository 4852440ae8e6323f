using Akka.Actor;
using Akka.Persistence;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Group;

/// <summary>
/// Kafka's group coordinator, as a cluster singleton beside the controller: it knows every group (persisted) and
/// runs one <see cref="GroupActor"/> per active group, started on first use.
/// </summary>
public sealed class GroupCoordinatorActor : UntypedPersistentActor
{
    private readonly SortedSet<string> _groups = new(StringComparer.Ordinal);

    public static Props Props() => Akka.Actor.Props.Create(() => new GroupCoordinatorActor());

    public override string PersistenceId => "group-coordinator";

    protected override void OnRecover(object message)
    {
        if (message is GroupRegistered registered) _groups.Add(registered.Group);
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case ListGroups:
                Sender.Tell(new ListGroupsResponse(_groups.ToList()));
                break;
            case DescribeGroup describe when !_groups.Contains(describe.Group):
                Sender.Tell(new GroupDescription(describe.Group, Protocol.ErrorCode.InvalidRequest, 0, [], []));
                break;
            case OffsetFetch fetch when !_groups.Contains(fetch.Group):
                Sender.Tell(new OffsetFetchResponse(fetch.Group, fetch.Partitions.Select(tp => new PartitionOffset(tp.Topic, tp.Partition, -1)).ToList()));
                break;
            case JoinGroup join when !_groups.Contains(join.Group):
                var sender = Sender;
                Persist(new GroupRegistered(join.Group), e =>
                {
                    _groups.Add(e.Group);
                    GroupFor(e.Group).Tell(join, sender);
                });
                break;
            case IGroupCommand command:
                GroupFor(GroupOf(command)).Forward(command);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private static string GroupOf(IGroupCommand command) => command switch
    {
        JoinGroup m => m.Group,
        Heartbeat m => m.Group,
        OffsetCommit m => m.Group,
        OffsetFetch m => m.Group,
        LeaveGroup m => m.Group,
        DescribeGroup m => m.Group,
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name),
    };

    private IActorRef GroupFor(string group)
    {
        var name = "group-" + Uri.EscapeDataString(group);
        var child = Context.Child(name);
        return child.IsNobody() ? Context.ActorOf(GroupActor.Props(group), name) : child;
    }
}
