using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class CreateTopicsCodecSpecs
{
    public static TheoryData<short> Versions() => KafkaCodec.Versions(ApiKey.CreateTopics);

    [Theory]
    [MemberData(nameof(Versions))]
    public void Requests_round_trip_at_every_version(short version) =>
        KafkaCodec.AssertRoundTrips(SampleRequest(version), version, CreateTopicsRequestData.Read);

    [Theory]
    [MemberData(nameof(Versions))]
    public void Responses_round_trip_at_every_version(short version)
    {
        var response = new CreateTopicsResponseData(
        [
            new("orders", ErrorCode.None),
            new("orders-dup", ErrorCode.TopicAlreadyExists, version >= 1 ? "Topic 'orders-dup' already exists." : null),
        ], ThrottleTimeMs: version >= 2 ? 6 : 0);
        KafkaCodec.AssertRoundTrips(response, version, CreateTopicsResponseData.Read);
    }

    [Fact]
    public void A_v4_request_as_kafkajs_sends_it_matches_bytes_written_by_hand_from_the_schema()
    {
        byte[] expected =
        [
            0, 0, 0, 1, 0, 1, (byte)'t', // topics: one, "t"
            0, 0, 0, 3, 0, 1, // num_partitions 3, replication_factor 1
            0, 0, 0, 0, // assignments: none
            0, 0, 0, 1, 0, 2, (byte)'c', (byte)'p', 0, 6, (byte)'d', (byte)'e', (byte)'l', (byte)'e', (byte)'t', (byte)'e', // configs: cp=delete
            0, 0, 0x13, 0x88, // timeout_ms 5000
            0, // validate_only false
        ];
        var request = new CreateTopicsRequestData([new("t", 3, 1, [], [new("cp", "delete")])], 5000);
        var writer = new KafkaWriter();
        request.Write(writer, 4);
        Assert.Equal(expected, writer.ToArray());
        KafkaCodec.AssertRoundTrips(request, 4, CreateTopicsRequestData.Read);
    }

    [Fact]
    public void Every_prefix_of_a_request_is_a_protocol_error() =>
        KafkaCodec.AssertEveryPrefixThrows(SampleRequest(4), 4, CreateTopicsRequestData.Read);

    private static CreateTopicsRequestData SampleRequest(short version) => new(
        [
            new("orders", 6, 3, [], [new("retention.ms", "604800000"), new("cleanup.policy", null)]),
            new("placed", -1, -1, [new(0, [1, 2]), new(1, [2, 3])], []),
        ],
        TimeoutMs: 30_000,
        ValidateOnly: version >= 1);
}
