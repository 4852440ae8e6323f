namespace AkkaKafka.Protocol.Kafka;

/// <summary>
/// What this broker advertises for one API in ApiVersions, and which of those versions it answers for real.
/// Versions below <see cref="LowestAnswered"/> are advertised anyway (minimum 0) and answered UNSUPPORTED_VERSION
/// per partition: older librdkafka builds turn features off when a broker's minimum is above 0 (librdkafka #4948,
/// KAFKA-18659). <see cref="FirstFlexible"/> is the first version with compact fields and tagged fields.
/// </summary>
public sealed record ApiSupport(ApiKey Key, short MaxVersion, short LowestAnswered, short FirstFlexible)
{
    public const short MinVersion = 0;

    public bool IsAdvertised(short version) => version >= MinVersion && version <= MaxVersion;
    public bool IsAnswered(short version) => version >= LowestAnswered && version <= MaxVersion;
    public bool IsFlexible(short version) => version >= FirstFlexible;
}

/// <summary>The APIs the Kafka listener answers, in one table: ApiVersions, header versions and dispatch all read it.</summary>
public static class KafkaApis
{
    public static readonly IReadOnlyList<ApiSupport> Supported =
    [
        new(ApiKey.Produce, MaxVersion: 8, LowestAnswered: 3, FirstFlexible: 9),
        new(ApiKey.Fetch, MaxVersion: 11, LowestAnswered: 4, FirstFlexible: 12),
        new(ApiKey.ListOffsets, MaxVersion: 5, LowestAnswered: 0, FirstFlexible: 6),
        new(ApiKey.Metadata, MaxVersion: 8, LowestAnswered: 0, FirstFlexible: 9),
        new(ApiKey.OffsetCommit, MaxVersion: 7, LowestAnswered: 0, FirstFlexible: 8),
        new(ApiKey.OffsetFetch, MaxVersion: 5, LowestAnswered: 0, FirstFlexible: 6),
        new(ApiKey.FindCoordinator, MaxVersion: 2, LowestAnswered: 0, FirstFlexible: 3),
        new(ApiKey.JoinGroup, MaxVersion: 5, LowestAnswered: 0, FirstFlexible: 6),
        new(ApiKey.Heartbeat, MaxVersion: 3, LowestAnswered: 0, FirstFlexible: 4),
        new(ApiKey.LeaveGroup, MaxVersion: 3, LowestAnswered: 0, FirstFlexible: 4),
        new(ApiKey.SyncGroup, MaxVersion: 3, LowestAnswered: 0, FirstFlexible: 4),
        new(ApiKey.DescribeGroups, MaxVersion: 4, LowestAnswered: 0, FirstFlexible: 5),
        new(ApiKey.ListGroups, MaxVersion: 2, LowestAnswered: 0, FirstFlexible: 3),
        new(ApiKey.ApiVersions, MaxVersion: 3, LowestAnswered: 0, FirstFlexible: 3),
        new(ApiKey.CreateTopics, MaxVersion: 4, LowestAnswered: 0, FirstFlexible: 5),
        new(ApiKey.DeleteTopics, MaxVersion: 5, LowestAnswered: 0, FirstFlexible: 4),
        new(ApiKey.DescribeConfigs, MaxVersion: 3, LowestAnswered: 0, FirstFlexible: 4),
        new(ApiKey.CreatePartitions, MaxVersion: 1, LowestAnswered: 0, FirstFlexible: 2),
        new(ApiKey.DeleteGroups, MaxVersion: 1, LowestAnswered: 0, FirstFlexible: 2),
        new(ApiKey.IncrementalAlterConfigs, MaxVersion: 1, LowestAnswered: 0, FirstFlexible: 1),
        // ACLs: librdkafka sends v0–1 of each, the Java client up to v3 (v3 only adds the USER resource type).
        new(ApiKey.DescribeAcls, MaxVersion: 3, LowestAnswered: 0, FirstFlexible: 2),
        new(ApiKey.CreateAcls, MaxVersion: 3, LowestAnswered: 0, FirstFlexible: 2),
        new(ApiKey.DeleteAcls, MaxVersion: 3, LowestAnswered: 0, FirstFlexible: 2),
        // SCRAM credentials: v0 is the only version, flexible.
        new(ApiKey.DescribeUserScramCredentials, MaxVersion: 0, LowestAnswered: 0, FirstFlexible: 0),
        new(ApiKey.AlterUserScramCredentials, MaxVersion: 0, LowestAnswered: 0, FirstFlexible: 0),
        // Kafka's admin clients' describeCluster; flexible from v0, v1 adds the endpoint type.
        new(ApiKey.DescribeCluster, MaxVersion: 1, LowestAnswered: 0, FirstFlexible: 0),
        // v0–4 cover librdkafka and the Java client (v5 only adds a transactional error code).
        new(ApiKey.InitProducerId, MaxVersion: 4, LowestAnswered: 0, FirstFlexible: 2),
        // Transactions, the coordinator's half: the versions whose semantics it serves. AddPartitionsToTxn v0–3 from
        // clients, v4 from brokers (batched, verify_only, KIP-890 part 1); AddOffsetsToTxn and EndTxn v0–3. The next
        // version of each only allows TRANSACTION_ABORTABLE (never answered here); EndTxn v5 bumps the epoch at every
        // end (KIP-890 part 2), which this coordinator does not do.
        new(ApiKey.AddPartitionsToTxn, MaxVersion: 4, LowestAnswered: 0, FirstFlexible: 3),
        new(ApiKey.AddOffsetsToTxn, MaxVersion: 3, LowestAnswered: 0, FirstFlexible: 3),
        new(ApiKey.EndTxn, MaxVersion: 3, LowestAnswered: 0, FirstFlexible: 3),
        // Transactions, the partition's half: WriteTxnMarkers v0–1 as Kafka 3.x brokers send it (brokers only), and
        // DescribeProducers v0 (the only version, flexible) as kafka-transactions.sh describe-producers sends it.
        new(ApiKey.WriteTxnMarkers, MaxVersion: 1, LowestAnswered: 0, FirstFlexible: 1),
        new(ApiKey.DescribeProducers, MaxVersion: 0, LowestAnswered: 0, FirstFlexible: 0),
        // SASL (advertised only on a listener with SASL on). SaslHandshake has no flexible version: 2 is past its max.
        new(ApiKey.SaslHandshake, MaxVersion: 1, LowestAnswered: 0, FirstFlexible: 2),
        new(ApiKey.SaslAuthenticate, MaxVersion: 2, LowestAnswered: 0, FirstFlexible: 2),
    ];

    private static readonly Dictionary<ApiKey, ApiSupport> ByKey = Supported.ToDictionary(s => s.Key);

    /// <summary>The SASL APIs: served before authentication, and advertised only where SASL is on.</summary>
    public static bool IsSasl(ApiKey key) => key is ApiKey.SaslHandshake or ApiKey.SaslAuthenticate;

    public static ApiSupport? Find(ApiKey key) => ByKey.GetValueOrDefault(key);

    public static bool IsFlexible(ApiKey key, short version) => Find(key) is { } s && s.IsFlexible(version);

    /// <summary>Request header v2 (tagged fields after the client id) for flexible versions, else v1.</summary>
    public static short RequestHeaderVersion(ApiKey key, short version) => IsFlexible(key, version) ? (short)2 : (short)1;

    /// <summary>
    /// Response header v1 (tagged fields after the correlation id) for flexible versions, else v0. ApiVersions always
    /// answers with v0, so a client that sent a version the broker does not know can still read the answer.
    /// </summary>
    public static short ResponseHeaderVersion(ApiKey key, short version) =>
        key != ApiKey.ApiVersions && IsFlexible(key, version) ? (short)1 : (short)0;
}
