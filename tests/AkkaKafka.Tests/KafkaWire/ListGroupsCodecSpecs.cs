using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;
using static AkkaKafka.Tests.KafkaWire.KafkaCodec;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class ListGroupsCodecSpecs
{
    private static ListGroupsResponseData Response(short version) => new(
        ErrorCode.None, [new("orders-app", "consumer"), new("audit", "consumer")], ThrottleTimeMs: version >= 1 ? 4 : 0);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Requests_and_responses_round_trip_at_every_version(short version)
    {
        KafkaCodec.AssertRoundTrips(new ListGroupsRequestData(), version, ListGroupsRequestData.Read);
        KafkaCodec.AssertRoundTrips(Response(version), version, ListGroupsResponseData.Read);
    }

    [Fact]
    public void The_request_has_no_body_and_a_v1_response_is_laid_out_as_the_schema_says()
    {
        var requestWriter = new KafkaWriter();
        new ListGroupsRequestData().Write(requestWriter, 2);
        Assert.Equal(0, requestWriter.Length);

        var writer = new KafkaWriter();
        new ListGroupsResponseData(ErrorCode.None, [new("g", "consumer")], 0).Write(writer, 1);
        Assert.Equal(Hex("""
            00000000                  // throttle_time_ms
            0000                      // error_code
            00000001                  // one group
            0001 67                   //   group_id "g"
            0008 636f6e73756d6572     //   protocol_type "consumer"
            """), writer.ToArray());
    }

    [Fact]
    public void Truncated_bodies_are_a_protocol_error_not_a_crash() =>
        AssertEveryPrefixThrows(Response(2), 2, ListGroupsResponseData.Read);
}
