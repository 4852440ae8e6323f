using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class IncrementalAlterConfigsCodecSpecs
{
    public static TheoryData<short> Versions() => KafkaCodec.Versions(ApiKey.IncrementalAlterConfigs);

    [Theory]
    [MemberData(nameof(Versions))]
    public void Requests_and_responses_round_trip_at_every_version(short version)
    {
        var request = new IncrementalAlterConfigsRequestData(
        [
            new(IncrementalAlterConfigsRequestData.TopicResource, "orders",
                [new("retention.ms", IncrementalAlterConfigsRequestData.Set, "60000"), new("retention.bytes", IncrementalAlterConfigsRequestData.Delete, null)]),
            new(4, "", []),
        ], ValidateOnly: true);
        KafkaCodec.AssertRoundTrips(request, version, IncrementalAlterConfigsRequestData.Read);
        var response = new IncrementalAlterConfigsResponseData(
            [new(ErrorCode.None, null, 2, "orders"), new(ErrorCode.InvalidConfig, "cleanup.policy=compact is not supported", 2, "x")], 5);
        KafkaCodec.AssertRoundTrips(response, version, IncrementalAlterConfigsResponseData.Read);
    }

    [Fact]
    public void A_v0_request_and_a_v1_response_match_bytes_written_by_hand_from_the_schema()
    {
        byte[] request =
        [
            0, 0, 0, 1, 2, 0, 1, (byte)'t', // resources: one, type 2 (topic), name "t"
            0, 0, 0, 1, 0, 2, (byte)'r', (byte)'m', 0, 0, 1, (byte)'5', // configs: one, "rm", SET, "5"
            1, // validate_only
        ];
        var writer = new KafkaWriter();
        new IncrementalAlterConfigsRequestData([new(2, "t", [new("rm", 0, "5")])], true).Write(writer, 0);
        Assert.Equal(request, writer.ToArray());

        byte[] response =
        [
            0, 0, 0, 0, 2, // throttle 0; responses: compact array of one
            0, 40, 2, (byte)'x', 2, 2, (byte)'t', 0, // INVALID_CONFIG, message "x", type 2, name "t", no tagged fields
            0, // no tagged fields
        ];
        var reader = new KafkaReader(response);
        var read = IncrementalAlterConfigsResponseData.Read(ref reader, 1);
        Assert.Equal(new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse(ErrorCode.InvalidConfig, "x", 2, "t"), Assert.Single(read.Responses));
    }
}
