using AkkaKafka.Protocol.Kafka;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>Who asked what: the request header and the connection it came on (for the transaction log and for errors).</summary>
public sealed record KafkaRequestContext(RequestHeader Header, string ClientAddress)
{
    public short Version => Header.ApiVersion;
    public string ClientId => Header.ClientId ?? "";
}
