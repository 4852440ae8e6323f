using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class DeleteTopicsCodecSpecs
{
    public static TheoryData<short> Versions() => KafkaCodec.Versions(ApiKey.DeleteTopics);

    [Theory]
    [MemberData(nameof(Versions))]
    public void Requests_and_responses_round_trip_at_every_version(short version)
    {
        KafkaCodec.AssertRoundTrips(new DeleteTopicsRequestData(["orders", "payments"], 30_000), version, DeleteTopicsRequestData.Read);
        var response = new DeleteTopicsResponseData(
            [new("orders", ErrorCode.None), new("payments", ErrorCode.UnknownTopicOrPartition, version >= 5 ? "topic 'payments' does not exist" : null)],
            ThrottleTimeMs: version >= 1 ? 2 : 0);
        KafkaCodec.AssertRoundTrips(response, version, DeleteTopicsResponseData.Read);
    }

    [Fact]
    public void A_v1_response_matches_bytes_written_by_hand_from_the_schema()
    {
        byte[] expected =
        [
            0, 0, 0, 0, // throttle_time_ms 0
            0, 0, 0, 1, 0, 1, (byte)'t', 0, 3, // responses: one, "t", UNKNOWN_TOPIC_OR_PARTITION
        ];
        var reader = new KafkaReader(expected);
        var read = DeleteTopicsResponseData.Read(ref reader, 1);
        reader.ExpectEnd("delete topics v1");
        Assert.Equal(new DeleteTopicsResponseData.DeletableTopicResult("t", ErrorCode.UnknownTopicOrPartition), Assert.Single(read.Responses));
        var writer = new KafkaWriter();
        read.Write(writer, 1);
        Assert.Equal(expected, writer.ToArray());
    }

    [Fact]
    public void A_v5_response_carries_the_brokers_reason_for_a_refusal()
    {
        byte[] expected =
        [
            0, 0, 0, 0, // throttle_time_ms 0
            2, // responses: one (compact array)
            2, (byte)'t', // name "t"
            0, 17, // INVALID_TOPIC_EXCEPTION
            9, .. "internal"u8, // error_message (compact nullable string)
            0, // the result's tagged fields
            0, // the response's tagged fields
        ];
        var reader = new KafkaReader(expected);
        var read = DeleteTopicsResponseData.Read(ref reader, 5);
        reader.ExpectEnd("delete topics v5");
        Assert.Equal(new DeleteTopicsResponseData.DeletableTopicResult("t", ErrorCode.InvalidTopic, "internal"), Assert.Single(read.Responses));
        var writer = new KafkaWriter();
        read.Write(writer, 5);
        Assert.Equal(expected, writer.ToArray());
    }
}
