using Akka.Actor;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Transactions;

/// <summary>
/// Kafka's transaction coordinator: one <see cref="TransactionalIdActor"/> per transactional id, started on first
/// use, each with its own journal, so this parent keeps no state of its own. Meant to run as a cluster singleton beside
/// the controller and the GroupCoordinatorActor (one coordinator for every transactional id, as FindCoordinator with
/// key type 1 will answer), taking producer ids from <paramref name="producerIds"/> (the controller's ProducerIdAllocator)
/// and writing markers and telling groups through <paramref name="brokers"/> (this node's BrokerActor, which routes a
/// <see cref="WriteTxnMarker"/> to its partition's owner and a group command to the group coordinator).
/// </summary>
public sealed class TransactionCoordinatorActor(IActorRef producerIds, ICanTell brokers, TransactionSettings settings, TimeSpan askTimeout) : UntypedActor
{
    public static Props Props(IActorRef producerIds, ICanTell brokers, TransactionSettings settings, TimeSpan askTimeout) =>
        Akka.Actor.Props.Create(() => new TransactionCoordinatorActor(producerIds, brokers, settings, askTimeout));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            // Kafka: an empty transactional id is INVALID_REQUEST (a null one is an idempotent producer's, for the controller).
            case InitTransactionalProducer { TransactionalId.Length: 0 }:
                Sender.Tell(new InitProducerIdResult(ErrorCode.InvalidRequest, -1, -1, "the transactional.id is empty"));
                break;
            case ITransactionCommand command:
                TransactionalIdFor(command.TransactionalId).Forward(command);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private IActorRef TransactionalIdFor(string transactionalId)
    {
        var name = "txn-" + Uri.EscapeDataString(transactionalId);
        var child = Context.Child(name);
        return child.IsNobody() ? Context.ActorOf(TransactionalIdActor.Props(transactionalId, producerIds, brokers, settings, askTimeout), name) : child;
    }
}
