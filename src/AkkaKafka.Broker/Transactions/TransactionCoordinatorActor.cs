using Akka.Actor;
using Akka.Persistence;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Transactions;

/// <summary>
/// Kafka's transaction coordinator: one <see cref="TransactionalIdActor"/> per transactional id, each with its own
/// journal. Meant to run as a cluster singleton beside the controller and the GroupCoordinatorActor (one coordinator
/// for every transactional id, as FindCoordinator with key type 1 answers), taking producer ids from
/// <paramref name="producerIds"/> (the controller's ProducerIdAllocator) and writing markers and telling groups through
/// <paramref name="brokers"/> (this node's BrokerActor, which routes a <see cref="WriteTxnMarker"/> to its partition's
/// owner and a group command to the group coordinator).
/// <para>It persists which transactional ids exist (journal "transactional-ids", one event at an id's first
/// InitProducerId, as the group coordinator registers groups), and after recovery (a failover: the singleton moved)
/// starts every one's actor, as Kafka's coordinator loads every transactional id when it takes over: an actor whose
/// transaction was being ended writes the rest of its markers, one whose transaction is open arms its timeout, whether
/// or not its producer ever comes back. Ids are registered once in their life, so a transaction costs no write here.
/// ListTransactions asks every registered id's actor and answers when all have; DescribeTransactions of an id never
/// registered is answered here, without starting an actor for it.</para>
/// </summary>
public sealed class TransactionCoordinatorActor(IActorRef producerIds, ICanTell brokers, TransactionSettings settings, TimeSpan askTimeout)
    : UntypedPersistentActor
{
    private const int SnapshotEvery = 1000;

    private readonly SortedSet<string> _transactionalIds = new(StringComparer.Ordinal);

    public static Props Props(IActorRef producerIds, ICanTell brokers, TransactionSettings settings, TimeSpan askTimeout) =>
        Akka.Actor.Props.Create(() => new TransactionCoordinatorActor(producerIds, brokers, settings, askTimeout));

    /// <summary>Not "transaction-…": that is each id's own journal ("transaction-{id}"), and an id may be named anything.</summary>
    public override string PersistenceId => "transactional-ids";

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: TransactionalIdsSnapshot snapshot }:
                _transactionalIds.UnionWith(snapshot.TransactionalIds);
                break;
            case TransactionalIdRegistered registered:
                _transactionalIds.Add(registered.TransactionalId);
                break;
            case RecoveryCompleted:
                foreach (var transactionalId in _transactionalIds) TransactionalIdFor(transactionalId);
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            // Kafka: an empty transactional id is INVALID_REQUEST (a null one is an idempotent producer's, for the controller).
            case InitTransactionalProducer { TransactionalId.Length: 0 }:
                Sender.Tell(new InitProducerIdResult(ErrorCode.InvalidRequest, -1, -1, "the transactional.id is empty"));
                break;
            case InitTransactionalProducer init when !_transactionalIds.Contains(init.TransactionalId):
            {
                var sender = Sender;
                Persist(new TransactionalIdRegistered(init.TransactionalId), e =>
                {
                    _transactionalIds.Add(e.TransactionalId);
                    if (LastSequenceNr % SnapshotEvery == 0) SaveSnapshot(new TransactionalIdsSnapshot(_transactionalIds.ToList()));
                    TransactionalIdFor(e.TransactionalId).Tell(init, sender);
                });
                break;
            }
            case DescribeTransaction { TransactionalId.Length: 0 } describe:
                Sender.Tell(TransactionListings.NotFound(describe.TransactionalId) with { Error = ErrorCode.InvalidRequest });
                break;
            case DescribeTransaction describe when !_transactionalIds.Contains(describe.TransactionalId):
                Sender.Tell(TransactionListings.NotFound(describe.TransactionalId));
                break;
            case ListTransactions list:
                ListAll(list, Sender);
                break;
            case ITransactionCommand command:
                TransactionalIdFor(command.TransactionalId).Forward(command);
                break;
            case SaveSnapshotSuccess or SaveSnapshotFailure:
                // A failed snapshot only lengthens the next recovery: the journal holds every registration.
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>
    /// Asks every registered id for its state (their actors answer independently; this one goes on serving) and pipes
    /// the listing to <paramref name="replyTo"/>. An id that does not answer in time (its journal is slow to recover)
    /// makes the whole answer COORDINATOR_LOAD_IN_PROGRESS, which Kafka's admin client retries, rather than a listing
    /// that silently leaves it out.
    /// </summary>
    private void ListAll(ListTransactions list, IActorRef replyTo)
    {
        var asks = _transactionalIds.Select(id => TransactionalIdFor(id).Ask<TransactionDescription>(new DescribeTransaction(id), askTimeout)).ToList();
        Task.WhenAll(asks).PipeTo(replyTo,
            success: described => TransactionListings.List(described, list, DateTime.UtcNow),
            failure: _ => new TransactionListing(ErrorCode.CoordinatorLoadInProgress, [], []));
    }

    private IActorRef TransactionalIdFor(string transactionalId)
    {
        var name = "txn-" + Uri.EscapeDataString(transactionalId);
        var child = Context.Child(name);
        return child.IsNobody() ? Context.ActorOf(TransactionalIdActor.Props(transactionalId, producerIds, brokers, settings, askTimeout), name) : child;
    }
}
