namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>
/// SaslHandshake v0–1: the client names the SASL mechanism it wants. v1 says the tokens then travel in SaslAuthenticate
/// requests; v0 meant raw size-prefixed tokens, which this broker does not speak (it advertises v1, and every client
/// that knows v1 uses it). No flexible version.
/// </summary>
public sealed record SaslHandshakeRequestData(string Mechanism) : IKafkaRequest
{
    public ApiKey ApiKey => ApiKey.SaslHandshake;

    public static SaslHandshakeRequestData Read(ref KafkaReader r, short version) => new(r.String());

    public void Write(KafkaWriter w, short version) => w.String(Mechanism);
}

/// <summary>None, UNSUPPORTED_SASL_MECHANISM or ILLEGAL_SASL_STATE, and the mechanisms this listener has enabled.</summary>
public sealed record SaslHandshakeResponseData(ErrorCode ErrorCode, IReadOnlyList<string> Mechanisms) : IKafkaResponse
{
    public static SaslHandshakeResponseData Read(ref KafkaReader r, short version)
    {
        var error = (ErrorCode)r.Int16();
        var mechanisms = r.Array((ref KafkaReader e) => e.String());
        return new SaslHandshakeResponseData(error, mechanisms);
    }

    public void Write(KafkaWriter w, short version)
    {
        w.Int16((short)ErrorCode);
        w.Array(Mechanisms, (e, m) => e.String(m));
    }
}
