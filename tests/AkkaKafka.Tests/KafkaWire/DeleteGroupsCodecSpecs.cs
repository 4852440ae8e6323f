using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;
using static AkkaKafka.Tests.KafkaWire.KafkaCodec;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class DeleteGroupsCodecSpecs
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Requests_and_responses_round_trip_at_every_version(short version)
    {
        KafkaCodec.AssertRoundTrips(new DeleteGroupsRequestData(["orders-app", "audit"]), version, DeleteGroupsRequestData.Read);
        var response = new DeleteGroupsResponseData(
            [new("orders-app", ErrorCode.NonEmptyGroup), new("audit", ErrorCode.None), new("gone", ErrorCode.GroupIdNotFound)], ThrottleTimeMs: 12);
        KafkaCodec.AssertRoundTrips(response, version, DeleteGroupsResponseData.Read);
    }

    [Fact]
    public void A_v0_response_carries_a_throttle_time_and_is_laid_out_as_the_schema_says()
    {
        var writer = new KafkaWriter();
        new DeleteGroupsResponseData([new("g", ErrorCode.NonEmptyGroup)]).Write(writer, 0);
        Assert.Equal(Hex("""
            00000000    // throttle_time_ms (present from v0)
            00000001    // one result
            0001 67     //   group_id "g"
            0044        //   error_code NON_EMPTY_GROUP
            """), writer.ToArray());

        var reader = new KafkaReader(Hex("00000002 0001 61 0001 62")); // groups_names ["a", "b"]
        Assert.Equal(["a", "b"], DeleteGroupsRequestData.Read(ref reader, 1).GroupsNames);
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public void Truncated_bodies_are_a_protocol_error_not_a_crash() =>
        AssertEveryPrefixThrows(new DeleteGroupsResponseData([new("orders-app", ErrorCode.None)], 1), 1, DeleteGroupsResponseData.Read);
}
