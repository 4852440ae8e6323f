using AkkaKafka.Protocol.Kafka.Apis;

namespace AkkaKafka.Protocol.Kafka;

/// <summary>Decodes a request body by API key: the one place that maps keys to the per-API codecs.</summary>
public static class KafkaRequests
{
    /// <exception cref="KafkaProtocolException">Malformed body, or a key this broker has no codec for.</exception>
    public static IKafkaRequest Read(ApiKey key, short version, ref KafkaReader reader)
    {
        IKafkaRequest request = key switch
        {
            ApiKey.ApiVersions => ApiVersionsRequestData.Read(ref reader, version),
            ApiKey.Metadata => MetadataRequestData.Read(ref reader, version),
            ApiKey.Produce => ProduceRequestData.Read(ref reader, version),
            ApiKey.Fetch => FetchRequestData.Read(ref reader, version),
            ApiKey.ListOffsets => ListOffsetsRequestData.Read(ref reader, version),
            ApiKey.CreateTopics => CreateTopicsRequestData.Read(ref reader, version),
            ApiKey.DeleteTopics => DeleteTopicsRequestData.Read(ref reader, version),
            ApiKey.CreatePartitions => CreatePartitionsRequestData.Read(ref reader, version),
            ApiKey.DescribeConfigs => DescribeConfigsRequestData.Read(ref reader, version),
            ApiKey.FindCoordinator => FindCoordinatorRequestData.Read(ref reader, version),
            ApiKey.JoinGroup => JoinGroupRequestData.Read(ref reader, version),
            ApiKey.SyncGroup => SyncGroupRequestData.Read(ref reader, version),
            ApiKey.Heartbeat => HeartbeatRequestData.Read(ref reader, version),
            ApiKey.LeaveGroup => LeaveGroupRequestData.Read(ref reader, version),
            ApiKey.OffsetCommit => OffsetCommitRequestData.Read(ref reader, version),
            ApiKey.OffsetFetch => OffsetFetchRequestData.Read(ref reader, version),
            ApiKey.ListGroups => ListGroupsRequestData.Read(ref reader, version),
            ApiKey.DescribeGroups => DescribeGroupsRequestData.Read(ref reader, version),
            ApiKey.DeleteGroups => DeleteGroupsRequestData.Read(ref reader, version),
            ApiKey.IncrementalAlterConfigs => IncrementalAlterConfigsRequestData.Read(ref reader, version),
            ApiKey.DescribeAcls => DescribeAclsRequestData.Read(ref reader, version),
            ApiKey.CreateAcls => CreateAclsRequestData.Read(ref reader, version),
            ApiKey.DeleteAcls => DeleteAclsRequestData.Read(ref reader, version),
            ApiKey.DescribeUserScramCredentials => DescribeUserScramCredentialsRequestData.Read(ref reader, version),
            ApiKey.AlterUserScramCredentials => AlterUserScramCredentialsRequestData.Read(ref reader, version),
            ApiKey.InitProducerId => InitProducerIdRequestData.Read(ref reader, version),
            ApiKey.DescribeCluster => DescribeClusterRequestData.Read(ref reader, version),
            ApiKey.AddPartitionsToTxn => AddPartitionsToTxnRequestData.Read(ref reader, version),
            ApiKey.AddOffsetsToTxn => AddOffsetsToTxnRequestData.Read(ref reader, version),
            ApiKey.EndTxn => EndTxnRequestData.Read(ref reader, version),
            ApiKey.WriteTxnMarkers => WriteTxnMarkersRequestData.Read(ref reader, version),
            ApiKey.DescribeProducers => DescribeProducersRequestData.Read(ref reader, version),
            ApiKey.SaslHandshake => SaslHandshakeRequestData.Read(ref reader, version),
            ApiKey.SaslAuthenticate => SaslAuthenticateRequestData.Read(ref reader, version),
            _ => throw new KafkaProtocolException($"no decoder for API key {(short)key}"),
        };
        // Trailing bytes mean the client and this broker disagree about the layout: refuse rather than guess.
        reader.ExpectEnd($"{key} v{version} request");
        return request;
    }
}
