using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;
using static AkkaKafka.Protocol.Kafka.Apis.MetadataResponseData;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class MetadataCodecSpecs
{
    public static TheoryData<short> Versions() => KafkaCodec.Versions(ApiKey.Metadata);

    [Theory]
    [MemberData(nameof(Versions))]
    public void Requests_for_some_topics_round_trip_at_every_version(short version)
    {
        var request = new MetadataRequestData(
            [new("orders"), new("payments")],
            AllowAutoTopicCreation: version < 4 || false,
            IncludeClusterAuthorizedOperations: version >= 8,
            IncludeTopicAuthorizedOperations: version >= 8);
        KafkaCodec.AssertRoundTrips(request, version, MetadataRequestData.Read);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void A_request_for_all_topics_stays_all_topics_at_every_version(short version)
    {
        var read = KafkaCodec.RoundTrip(new MetadataRequestData(null), version, MetadataRequestData.Read);
        Assert.Null(read.Topics);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void Responses_round_trip_at_every_version(short version) =>
        KafkaCodec.AssertRoundTrips(SampleResponse(version), version, MetadataResponseData.Read);

    [Fact]
    public void A_v8_request_matches_bytes_written_by_hand_from_the_schema()
    {
        byte[] expected =
        [
            0, 0, 0, 1, // topics: one
            0, 2, (byte)'t', (byte)'1', // name "t1"
            1, // allow_auto_topic_creation
            0, // include_cluster_authorized_operations
            1, // include_topic_authorized_operations
        ];
        var request = new MetadataRequestData([new("t1")], AllowAutoTopicCreation: true, IncludeTopicAuthorizedOperations: true);
        var writer = new KafkaWriter();
        request.Write(writer, 8);
        Assert.Equal(expected, writer.ToArray());
        var reader = new KafkaReader(expected);
        Assert.Equal("t1", Assert.Single(MetadataRequestData.Read(ref reader, 8).Topics!).Name);
    }

    [Fact]
    public void A_v1_request_for_all_topics_is_a_null_array_and_v0_an_empty_one()
    {
        var v1 = new KafkaWriter();
        new MetadataRequestData(null).Write(v1, 1);
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, v1.ToArray());
        var v0 = new KafkaWriter();
        new MetadataRequestData(null).Write(v0, 0);
        Assert.Equal(new byte[] { 0, 0, 0, 0 }, v0.ToArray());
    }

    [Fact]
    public void A_v0_response_matches_bytes_written_by_hand_from_the_schema()
    {
        byte[] expected =
        [
            0, 0, 0, 1, // brokers: one
            0, 0, 0, 7, 0, 1, (byte)'h', 0, 0, 0x23, 0x84, // node 7, host "h", port 9092
            0, 0, 0, 1, // topics: one
            0, 0, 0, 1, (byte)'t', // error 0, name "t"
            0, 0, 0, 1, // partitions: one
            0, 5, 0, 0, 0, 0, 0, 0, 0, 7, // error LEADER_NOT_AVAILABLE, index 0, leader 7
            0, 0, 0, 1, 0, 0, 0, 7, // replicas [7]
            0, 0, 0, 0, // isr []
        ];
        var reader = new KafkaReader(expected);
        var read = MetadataResponseData.Read(ref reader, 0);
        reader.ExpectEnd("metadata v0");
        var partition = Assert.Single(Assert.Single(read.Topics).Partitions);
        Assert.Equal(ErrorCode.LeaderNotAvailable, partition.ErrorCode);
        Assert.Equal([7], partition.ReplicaNodes);
        Assert.Empty(partition.IsrNodes);
        Assert.Equal(-1, read.ControllerId);
        Assert.Equal(9092, Assert.Single(read.Brokers).Port);
        var writer = new KafkaWriter();
        read.Write(writer, 0);
        Assert.Equal(expected, writer.ToArray());
    }

    [Fact]
    public void Every_prefix_of_a_response_is_a_protocol_error() =>
        KafkaCodec.AssertEveryPrefixThrows(SampleResponse(8), 8, MetadataResponseData.Read);

    /// <summary>A three-broker cluster; fields a version lacks hold their defaults so the round trip is exact.</summary>
    private static MetadataResponseData SampleResponse(short version) => new(
        Brokers:
        [
            new(1, "broker-1.local", 9092, version >= 1 ? "rack-a" : null),
            new(2, "broker-2.local", 9093),
            new(3, "broker-3.local", 9094, version >= 1 ? "rack-b" : null),
        ],
        Topics:
        [
            new(ErrorCode.None, "orders",
            [
                new(ErrorCode.None, 0, 1, [1, 2], [1, 2], version >= 5 ? [3] : [], version >= 7 ? 4 : -1),
                new(ErrorCode.LeaderNotAvailable, 1, -1, [3], [], [], version >= 7 ? 2 : -1),
            ], IsInternal: false, TopicAuthorizedOperations: version >= 8 ? 0x1F8 : int.MinValue),
            new(ErrorCode.UnknownTopicOrPartition, "missing", [], IsInternal: version >= 1,
                TopicAuthorizedOperations: version >= 8 ? 0 : int.MinValue),
        ],
        ClusterId: version >= 2 ? "akka-kafka-cluster" : null,
        ControllerId: version >= 1 ? 1 : -1,
        ThrottleTimeMs: version >= 3 ? 12 : 0,
        ClusterAuthorizedOperations: version >= 8 ? 0xF : int.MinValue);
}
