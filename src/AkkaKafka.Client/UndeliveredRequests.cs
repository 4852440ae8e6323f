using Akka.Actor;
using Akka.Event;
using AkkaKafka.Protocol.Messages;
using PubSubSend = Akka.Cluster.Tools.PublishSubscribe.Send;

namespace AkkaKafka.Client;

/// <summary>
/// Fails a request's ask at once when remoting drops the request, as Kafka's client fails the requests of a
/// connection that closes. When the broker the ClusterClient is connected to dies, the client's connection to it is
/// gated: everything the ClusterClient still sends there (until its failure detector picks another receptionist) goes
/// to dead letters and would otherwise hold a producer's in-flight slots until the request timeout. A request that
/// was never delivered can safely be retried. (One lost after it was written to the socket still times out.)
/// </summary>
internal sealed class UndeliveredRequests : ReceiveActor
{
    public UndeliveredRequests()
    {
        Receive<DeadLetter>(dead =>
        {
            // Through the ClusterClient (a pub-sub Send) or straight to a broker (a Kafka request, see PartitionRoutes).
            var command = dead.Message switch
            {
                PubSubSend { Message: IBrokerCommand c } => c,
                IBrokerCommand c => c,
                _ => null,
            };
            if (command is not null && IsAsk(dead.Sender))
                dead.Sender.Tell(new Status.Failure(new ClusterUnavailableException(
                    $"{command.GetType().Name} was not delivered: the connection to the broker was lost")));
        });
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new UndeliveredRequests());

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(DeadLetter));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    /// <summary>Only asks (temporary actors) wait for an answer; an actor that sent a request gets nothing.</summary>
    private static bool IsAsk(IActorRef? sender) =>
        sender is not null && !sender.IsNobody() && sender.Path.Elements is ["temp", ..];
}
