using AkkaKafka.Protocol.Kafka;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// Who asked what: the request header, the connection it came on (for the transaction log and for errors), the user
/// the connection authenticated as (ANONYMOUS without SASL), whom authorization checks, and the transport it came by
/// (<see cref="Http.BrokerMetrics.KafkaListener"/> or <see cref="Http.BrokerMetrics.AkkaListener"/>, a label of the
/// request metrics). <see cref="Authorize"/> is false only for Akka clients of a cluster that trusts them
/// (akkakafka.security.akka-client-authentication = off): they log in as nobody, so no ACL can name them.
/// </summary>
public sealed record KafkaRequestContext(RequestHeader Header, string ClientAddress, string User = Protocol.Security.Authorizer.Anonymous,
    string Listener = Http.BrokerMetrics.KafkaListener, bool Authorize = true)
{
    public short Version => Header.ApiVersion;
    public string ClientId => Header.ClientId ?? "";
}
