using Akka.Actor;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// How Kafka request handlers reach the broker's actors: asks to this node's BrokerActor, which serves or routes them
/// exactly as it does for the Akka clients. Asks never block a thread. The handlers see only this seam, so their
/// specs can answer the asks themselves and run without an ActorSystem.
/// </summary>
public sealed class BrokerGateway
{
    private readonly Func<object, TimeSpan, Task<object>> _ask;
    private readonly Action<object> _tell;

    /// <summary>
    /// The asks go to <paramref name="broker"/>; a tell goes as that BrokerActor itself: the request was authenticated
    /// and authorized where it came in (for either transport), and the BrokerActor trusts its own node. With no sender
    /// it could not tell this from an Akka client's acks=0 produce sent without a session, which it drops unheard on a
    /// secured cluster: every acks=0 batch of a SASL client was lost.
    /// </summary>
    public BrokerGateway(IActorRef broker, TimeSpan requestTimeout)
        : this((message, timeout) => broker.Ask<object>(message, timeout), message => broker.Tell(message, broker), requestTimeout)
    {
    }

    /// <summary>A gateway over any answerer (specs of the handlers).</summary>
    public BrokerGateway(Func<object, TimeSpan, Task<object>> ask, Action<object> tell, TimeSpan requestTimeout)
    {
        _ask = ask;
        _tell = tell;
        RequestTimeout = requestTimeout;
    }

    public TimeSpan RequestTimeout { get; }

    public async Task<T> Ask<T>(object message, TimeSpan? timeout = null) => await _ask(message, timeout ?? RequestTimeout) switch
    {
        T answer => answer,
        Status.Failure failure => throw failure.Cause,
        var other => throw new InvalidCastException($"asked {message.GetType().Name} for a {typeof(T).Name}, answered {other?.GetType().Name ?? "null"}"),
    };

    /// <summary>Sends <paramref name="message"/> with no answer expected (an acks=0 produce).</summary>
    public void Tell(object message) => _tell(message);
}
