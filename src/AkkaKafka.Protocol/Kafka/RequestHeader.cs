namespace AkkaKafka.Protocol.Kafka;

/// <summary>
/// The header in front of every Kafka request. The client id is a classic nullable string even in header v2
/// (a quirk of the protocol); v2 adds tagged fields after it.
/// </summary>
public sealed record RequestHeader(ApiKey ApiKey, short ApiVersion, int CorrelationId, string? ClientId)
{
    public static RequestHeader Read(ref KafkaReader reader)
    {
        var key = (ApiKey)reader.Int16();
        var version = reader.Int16();
        var correlationId = reader.Int32();
        var clientId = reader.NullableString();
        reader.TaggedFields(KafkaApis.RequestHeaderVersion(key, version) >= 2);
        return new RequestHeader(key, version, correlationId, clientId);
    }

    public void Write(KafkaWriter writer)
    {
        writer.Int16((short)ApiKey).Int16(ApiVersion).Int32(CorrelationId).NullableString(ClientId);
        writer.TaggedFields(KafkaApis.RequestHeaderVersion(ApiKey, ApiVersion) >= 2);
    }
}

/// <summary>The header in front of every response: the request's correlation id (and, in v1, tagged fields).</summary>
public static class ResponseHeader
{
    public static void Write(KafkaWriter writer, ApiKey key, short version, int correlationId)
    {
        writer.Int32(correlationId);
        writer.TaggedFields(KafkaApis.ResponseHeaderVersion(key, version) >= 1);
    }

    /// <summary>Reads a response header; returns the correlation id.</summary>
    public static int Read(ref KafkaReader reader, ApiKey key, short version)
    {
        var correlationId = reader.Int32();
        reader.TaggedFields(KafkaApis.ResponseHeaderVersion(key, version) >= 1);
        return correlationId;
    }
}
