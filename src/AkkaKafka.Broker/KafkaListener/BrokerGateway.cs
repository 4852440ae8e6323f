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

    /// <summary>
    /// Sends <paramref name="message"/> with no answer expected (an acks=0 produce), as this node's BrokerActor: the
    /// request was authenticated and authorized where it came in (for either transport), and the BrokerActor trusts
    /// its own node. With no sender it could not tell this from an Akka client's acks=0 produce sent without a
    /// session, which it drops unheard on a secured cluster: every acks=0 batch of a SASL client was lost.
    /// </summary>
    public void Tell(object message) => broker.Tell(message, broker);
}
