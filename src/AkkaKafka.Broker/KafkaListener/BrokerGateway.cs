using Akka.Actor;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// How Kafka request handlers reach the broker's actors: asks to this node's BrokerActor, which serves or routes them
/// exactly as it does for the Akka clients. Asks never block a thread.
/// </summary>
public sealed class BrokerGateway(IActorRef broker, TimeSpan requestTimeout)
{
    public TimeSpan RequestTimeout => requestTimeout;

    public Task<T> Ask<T>(object message, TimeSpan? timeout = null) => broker.Ask<T>(message, timeout ?? requestTimeout);

    public void Tell(object message) => broker.Tell(message, ActorRefs.NoSender);
}
