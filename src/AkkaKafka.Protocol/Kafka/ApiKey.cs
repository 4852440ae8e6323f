namespace AkkaKafka.Protocol.Kafka;

/// <summary>Kafka's API keys (the int16 at the start of every request header) for the APIs this broker answers.</summary>
public enum ApiKey : short
{
    Produce = 0,
    Fetch = 1,
    ListOffsets = 2,
    Metadata = 3,
    OffsetCommit = 8,
    OffsetFetch = 9,
    FindCoordinator = 10,
    JoinGroup = 11,
    Heartbeat = 12,
    LeaveGroup = 13,
    SyncGroup = 14,
    DescribeGroups = 15,
    ListGroups = 16,
    SaslHandshake = 17,
    ApiVersions = 18,
    InitProducerId = 22,
    CreateTopics = 19,
    DeleteTopics = 20,
    DescribeAcls = 29,
    CreateAcls = 30,
    DeleteAcls = 31,
    DescribeConfigs = 32,
    SaslAuthenticate = 36,
    CreatePartitions = 37,
    DeleteGroups = 42,
    IncrementalAlterConfigs = 44,
    DescribeUserScramCredentials = 50,
    AlterUserScramCredentials = 51,
}
