using AkkaKafka.Protocol.Kafka;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// Who asked what: the request header, the connection it came on (for the transaction log and for errors), and the
/// user the connection authenticated as (ANONYMOUS without SASL), whom authorization checks.
/// </summary>
public sealed record KafkaRequestContext(RequestHeader Header, string ClientAddress, string User = Protocol.Security.Authorizer.Anonymous)
{
    public short Version => Header.ApiVersion;
    public string ClientId => Header.ClientId ?? "";
}
