namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>SaslAuthenticate v0–2 (v2 is flexible): one SASL token from the client, as the mechanism defines it.</summary>
public sealed record SaslAuthenticateRequestData(ReadOnlyMemory<byte> AuthBytes) : IKafkaRequest
{
    public ApiKey ApiKey => ApiKey.SaslAuthenticate;

    public static SaslAuthenticateRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.SaslAuthenticate, version);
        var bytes = r.Bytes(flexible);
        r.TaggedFields(flexible);
        return new SaslAuthenticateRequestData(bytes);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.SaslAuthenticate, version);
        w.Bytes(AuthBytes.Span, flexible).TaggedFields(flexible);
    }
}

/// <summary>
/// The server's token (empty when the mechanism has none), or SASL_AUTHENTICATION_FAILED / ILLEGAL_SASL_STATE with a
/// message the client shows its user. Absent in v0: SessionLifetimeMs (reads 0; 0 means no re-authentication is asked).
/// </summary>
public sealed record SaslAuthenticateResponseData(ErrorCode ErrorCode, string? ErrorMessage, ReadOnlyMemory<byte> AuthBytes, long SessionLifetimeMs = 0) : IKafkaResponse
{
    public static SaslAuthenticateResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.SaslAuthenticate, version);
        var error = (ErrorCode)r.Int16();
        var message = r.NullableString(flexible);
        var bytes = r.Bytes(flexible);
        var lifetime = version >= 1 ? r.Int64() : 0;
        r.TaggedFields(flexible);
        return new SaslAuthenticateResponseData(error, message, bytes, lifetime);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.SaslAuthenticate, version);
        w.Int16((short)ErrorCode).NullableString(ErrorMessage, flexible).Bytes(AuthBytes.Span, flexible);
        if (version >= 1) w.Int64(SessionLifetimeMs);
        w.TaggedFields(flexible);
    }
}
