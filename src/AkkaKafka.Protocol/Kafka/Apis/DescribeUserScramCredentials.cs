namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>Kafka's SCRAM mechanisms as they travel (int8).</summary>
public static class KafkaScramMechanisms
{
    public const sbyte Unknown = 0, ScramSha256 = 1, ScramSha512 = 2;

    public static string? NameOf(sbyte code) => code switch
    {
        ScramSha256 => Security.SaslMechanisms.ScramSha256,
        ScramSha512 => Security.SaslMechanisms.ScramSha512,
        _ => null,
    };

    public static sbyte CodeOf(string mechanism) => mechanism switch
    {
        Security.SaslMechanisms.ScramSha256 => ScramSha256,
        Security.SaslMechanisms.ScramSha512 => ScramSha512,
        _ => Unknown,
    };
}

/// <summary>DescribeUserScramCredentials v0 (flexible from v0): the users named, or every user when <see cref="Users"/> is null.</summary>
public sealed record DescribeUserScramCredentialsRequestData(IReadOnlyList<string>? Users) : IKafkaRequest
{
    public ApiKey ApiKey => ApiKey.DescribeUserScramCredentials;

    public static DescribeUserScramCredentialsRequestData Read(ref KafkaReader r, short version)
    {
        var users = r.NullableArray((ref KafkaReader u) =>
        {
            var name = u.String(flexible: true);
            u.TaggedFields(true);
            return name;
        }, flexible: true);
        r.TaggedFields(true);
        return new DescribeUserScramCredentialsRequestData(users);
    }

    public void Write(KafkaWriter w, short version) =>
        w.NullableArray(Users, (u, name) => u.String(name, true).TaggedFields(true), flexible: true).TaggedFields(true);
}

/// <summary>Per user, its mechanisms and iterations (never salts or keys), or why it cannot be described.</summary>
public sealed record DescribeUserScramCredentialsResponseData(ErrorCode ErrorCode, string? ErrorMessage,
    IReadOnlyList<DescribeUserScramCredentialsResponseData.UserResult> Results, int ThrottleTimeMs = 0) : IKafkaResponse
{
    public sealed record UserResult(string User, ErrorCode ErrorCode, string? ErrorMessage, IReadOnlyList<CredentialInfo> CredentialInfos);

    public sealed record CredentialInfo(sbyte Mechanism, int Iterations);

    public static DescribeUserScramCredentialsResponseData Read(ref KafkaReader r, short version)
    {
        var throttle = r.Int32();
        var error = (ErrorCode)r.Int16();
        var message = r.NullableString(true);
        var results = r.Array((ref KafkaReader u) =>
        {
            var user = u.String(true);
            var userError = (ErrorCode)u.Int16();
            var userMessage = u.NullableString(true);
            var infos = u.Array((ref KafkaReader c) =>
            {
                var info = new CredentialInfo(c.Int8(), c.Int32());
                c.TaggedFields(true);
                return info;
            }, true);
            u.TaggedFields(true);
            return new UserResult(user, userError, userMessage, infos);
        }, true);
        r.TaggedFields(true);
        return new DescribeUserScramCredentialsResponseData(error, message, results, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        w.Int32(ThrottleTimeMs).Int16((short)ErrorCode).NullableString(ErrorMessage, true);
        w.Array(Results, (u, result) =>
        {
            u.String(result.User, true).Int16((short)result.ErrorCode).NullableString(result.ErrorMessage, true);
            u.Array(result.CredentialInfos, (c, info) => c.Int8(info.Mechanism).Int32(info.Iterations).TaggedFields(true), true);
            u.TaggedFields(true);
        }, true);
        w.TaggedFields(true);
    }
}
