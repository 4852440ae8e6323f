using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;
using static AkkaKafka.Tests.KafkaWire.KafkaCodec;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class HeartbeatCodecSpecs
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Requests_and_responses_round_trip_at_every_version(short version)
    {
        var request = new HeartbeatRequestData("orders-app", 3, "rdkafka-7c1e", version >= 3 ? "orders-app-1" : null);
        KafkaCodec.AssertRoundTrips(request, version, HeartbeatRequestData.Read);
        KafkaCodec.AssertRoundTrips(new HeartbeatResponseData(ErrorCode.RebalanceInProgress, version >= 1 ? 9 : 0), version, HeartbeatResponseData.Read);
    }

    [Fact]
    public void A_v3_request_and_a_v0_response_are_laid_out_as_the_schema_says()
    {
        var reader = new KafkaReader(Hex("""
            0001 67           // group_id "g"
            00000002          // generation_id 2
            0002 6d31         // member_id "m1"
            0002 6931         // group_instance_id "i1"
            """));
        Assert.Equal(new HeartbeatRequestData("g", 2, "m1", "i1"), HeartbeatRequestData.Read(ref reader, 3));
        Assert.Equal(0, reader.Remaining);

        var writer = new KafkaWriter();
        new HeartbeatResponseData(ErrorCode.IllegalGeneration).Write(writer, 0);
        Assert.Equal(Hex("0016"), writer.ToArray()); // v0: the error code alone, ILLEGAL_GENERATION
    }

    [Fact]
    public void Truncated_bodies_are_a_protocol_error_not_a_crash() =>
        AssertEveryPrefixThrows(new HeartbeatRequestData("orders-app", 3, "rdkafka-7c1e", "orders-app-1"), 3, HeartbeatRequestData.Read);
}
