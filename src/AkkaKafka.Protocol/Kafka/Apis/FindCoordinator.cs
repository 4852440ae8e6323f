namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>
/// FindCoordinator v0–2: which broker coordinates a group (KeyType 0) or a transactional id (KeyType 1).
/// Absent in v0: KeyType (reads as 0, a group). v3+ is flexible and v4+ batches keys; neither is advertised yet.
/// </summary>
public sealed record FindCoordinatorRequestData(string Key, sbyte KeyType = FindCoordinatorRequestData.GroupKeyType) : IKafkaRequest
{
    public const sbyte GroupKeyType = 0;
    public const sbyte TransactionKeyType = 1;

    public ApiKey ApiKey => ApiKey.FindCoordinator;

    public static FindCoordinatorRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.FindCoordinator, version);
        var key = r.String(flexible);
        var keyType = version >= 1 ? r.Int8() : GroupKeyType;
        r.TaggedFields(flexible);
        return new FindCoordinatorRequestData(key, keyType);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.FindCoordinator, version);
        w.String(Key, flexible);
        if (version >= 1) w.Int8(KeyType);
        w.TaggedFields(flexible);
    }
}

/// <summary>
/// The coordinator's address, or an error (COORDINATOR_NOT_AVAILABLE with node -1 while none is known).
/// Absent in v0: ThrottleTimeMs (reads 0) and ErrorMessage (reads null).
/// </summary>
public sealed record FindCoordinatorResponseData(
    ErrorCode ErrorCode, int NodeId, string Host, int Port, string? ErrorMessage = null, int ThrottleTimeMs = 0) : IKafkaResponse
{
    public static FindCoordinatorResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.FindCoordinator, version);
        var throttle = version >= 1 ? r.Int32() : 0;
        var error = (ErrorCode)r.Int16();
        var message = version >= 1 ? r.NullableString(flexible) : null;
        var nodeId = r.Int32();
        var host = r.String(flexible);
        var port = r.Int32();
        r.TaggedFields(flexible);
        return new FindCoordinatorResponseData(error, nodeId, host, port, message, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.FindCoordinator, version);
        if (version >= 1) w.Int32(ThrottleTimeMs);
        w.Int16((short)ErrorCode);
        if (version >= 1) w.NullableString(ErrorMessage, flexible);
        w.Int32(NodeId).String(Host, flexible).Int32(Port);
        w.TaggedFields(flexible);
    }
}
