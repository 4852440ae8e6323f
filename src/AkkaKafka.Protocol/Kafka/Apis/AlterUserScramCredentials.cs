namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>
/// AlterUserScramCredentials v0 (flexible from v0): credentials to delete (user, mechanism) and to set (user,
/// mechanism, iterations, salt, salted password). The client salts: the password never reaches the broker.
/// </summary>
public sealed record AlterUserScramCredentialsRequestData(
    IReadOnlyList<AlterUserScramCredentialsRequestData.ScramCredentialDeletion> Deletions,
    IReadOnlyList<AlterUserScramCredentialsRequestData.ScramCredentialUpsertion> Upsertions) : IKafkaRequest
{
    public sealed record ScramCredentialDeletion(string Name, sbyte Mechanism);

    public sealed record ScramCredentialUpsertion(string Name, sbyte Mechanism, int Iterations, ReadOnlyMemory<byte> Salt, ReadOnlyMemory<byte> SaltedPassword);

    public ApiKey ApiKey => ApiKey.AlterUserScramCredentials;

    public static AlterUserScramCredentialsRequestData Read(ref KafkaReader r, short version)
    {
        var deletions = r.Array((ref KafkaReader d) =>
        {
            var deletion = new ScramCredentialDeletion(d.String(true), d.Int8());
            d.TaggedFields(true);
            return deletion;
        }, true);
        var upsertions = r.Array((ref KafkaReader u) =>
        {
            var upsertion = new ScramCredentialUpsertion(u.String(true), u.Int8(), u.Int32(), u.Bytes(true), u.Bytes(true));
            u.TaggedFields(true);
            return upsertion;
        }, true);
        r.TaggedFields(true);
        // librdkafka 2.x writes this request's (empty) tagged fields twice; Kafka's broker ignores trailing bytes. A second
        // tagged-field section is read as one, so anything else after the request is still refused.
        if (r.Remaining > 0) r.TaggedFields(true);
        return new AlterUserScramCredentialsRequestData(deletions, upsertions);
    }

    public void Write(KafkaWriter w, short version) =>
        w.Array(Deletions, (d, deletion) => d.String(deletion.Name, true).Int8(deletion.Mechanism).TaggedFields(true), true)
            .Array(Upsertions, (u, upsertion) => u.String(upsertion.Name, true).Int8(upsertion.Mechanism).Int32(upsertion.Iterations)
                .Bytes(upsertion.Salt.Span, true).Bytes(upsertion.SaltedPassword.Span, true).TaggedFields(true), true)
            .TaggedFields(true);
}

/// <summary>One result per user named in the request.</summary>
public sealed record AlterUserScramCredentialsResponseData(IReadOnlyList<AlterUserScramCredentialsResponseData.UserResult> Results, int ThrottleTimeMs = 0)
    : IKafkaResponse
{
    public sealed record UserResult(string User, ErrorCode ErrorCode, string? ErrorMessage = null);

    public static AlterUserScramCredentialsResponseData Read(ref KafkaReader r, short version)
    {
        var throttle = r.Int32();
        var results = r.Array((ref KafkaReader u) =>
        {
            var result = new UserResult(u.String(true), (ErrorCode)u.Int16(), u.NullableString(true));
            u.TaggedFields(true);
            return result;
        }, true);
        r.TaggedFields(true);
        return new AlterUserScramCredentialsResponseData(results, throttle);
    }

    public void Write(KafkaWriter w, short version) =>
        w.Int32(ThrottleTimeMs)
            .Array(Results, (u, result) => u.String(result.User, true).Int16((short)result.ErrorCode).NullableString(result.ErrorMessage, true).TaggedFields(true), true)
            .TaggedFields(true);
}
