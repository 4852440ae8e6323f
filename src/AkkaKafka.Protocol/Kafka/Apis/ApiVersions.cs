namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>ApiVersions v0–3 (v3 is flexible and names the client software).</summary>
public sealed record ApiVersionsRequestData(string? ClientSoftwareName = null, string? ClientSoftwareVersion = null) : IKafkaRequest
{
    public ApiKey ApiKey => ApiKey.ApiVersions;

    public static ApiVersionsRequestData Read(ref KafkaReader r, short version)
    {
        if (version < 3) return new ApiVersionsRequestData();
        var name = r.String(flexible: true);
        var softwareVersion = r.String(flexible: true);
        r.TaggedFields(true);
        return new ApiVersionsRequestData(name, softwareVersion);
    }

    public void Write(KafkaWriter w, short version)
    {
        if (version < 3) return;
        w.String(ClientSoftwareName ?? "", flexible: true).String(ClientSoftwareVersion ?? "", flexible: true).TaggedFields(true);
    }
}

public sealed record ApiVersionRange(short ApiKey, short MinVersion, short MaxVersion);

/// <summary>
/// The answer: the error (35 when the client asked for a version this broker does not know — then written as v0
/// so any client can read it), the supported ranges, and (v1+) the throttle time.
/// </summary>
public sealed record ApiVersionsResponseData(ErrorCode ErrorCode, IReadOnlyList<ApiVersionRange> ApiKeys, int ThrottleTimeMs = 0) : IKafkaResponse
{
    public static ApiVersionsResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = version >= 3;
        var error = (ErrorCode)r.Int16();
        var keys = r.Array((ref KafkaReader e) =>
        {
            var range = new ApiVersionRange(e.Int16(), e.Int16(), e.Int16());
            e.TaggedFields(flexible);
            return range;
        }, flexible);
        var throttle = version >= 1 ? r.Int32() : 0;
        r.TaggedFields(flexible);
        return new ApiVersionsResponseData(error, keys, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = version >= 3;
        w.Int16((short)ErrorCode);
        w.Array(ApiKeys, (e, k) => e.Int16(k.ApiKey).Int16(k.MinVersion).Int16(k.MaxVersion).TaggedFields(flexible), flexible);
        if (version >= 1) w.Int32(ThrottleTimeMs);
        w.TaggedFields(flexible);
    }

    /// <summary>Every API in <see cref="KafkaApis.Supported"/>, advertised from version 0.</summary>
    public static ApiVersionsResponseData Advertised() => Advertised(withSasl: true);

    /// <summary>
    /// As <see cref="Advertised()"/>, without SaslHandshake and SaslAuthenticate on a listener without SASL: a client
    /// that sees them may try to authenticate where nobody checks.
    /// </summary>
    public static ApiVersionsResponseData Advertised(bool withSasl) => new(ErrorCode.None,
        KafkaApis.Supported.Where(s => withSasl || !KafkaApis.IsSasl(s.Key))
            .Select(s => new ApiVersionRange((short)s.Key, ApiSupport.MinVersion, s.MaxVersion)).ToList());
}
