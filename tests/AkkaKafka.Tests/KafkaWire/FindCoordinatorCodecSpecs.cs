using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;
using static AkkaKafka.Tests.KafkaWire.KafkaCodec;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class FindCoordinatorCodecSpecs
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Requests_and_responses_round_trip_at_every_version(short version)
    {
        var request = new FindCoordinatorRequestData("orders-app", version >= 1 ? FindCoordinatorRequestData.TransactionKeyType : FindCoordinatorRequestData.GroupKeyType);
        KafkaCodec.AssertRoundTrips(request, version, FindCoordinatorRequestData.Read);

        var response = new FindCoordinatorResponseData(ErrorCode.None, 2, "broker-2.local", 9093,
            ErrorMessage: version >= 1 ? "found" : null, ThrottleTimeMs: version >= 1 ? 15 : 0);
        KafkaCodec.AssertRoundTrips(response, version, FindCoordinatorResponseData.Read);
    }

    [Fact]
    public void A_v0_request_asks_for_a_group_coordinator()
    {
        var reader = new KafkaReader(Hex("0002 6731")); // key "g1"; v0 has no key type
        var request = FindCoordinatorRequestData.Read(ref reader, 0);
        Assert.Equal(new FindCoordinatorRequestData("g1", FindCoordinatorRequestData.GroupKeyType), request);
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public void A_v2_response_is_laid_out_as_the_schema_says()
    {
        var writer = new KafkaWriter();
        new FindCoordinatorResponseData(ErrorCode.CoordinatorNotAvailable, -1, "", -1).Write(writer, 2);
        Assert.Equal(Hex("""
            00000000 // throttle_time_ms
            000f     // error_code COORDINATOR_NOT_AVAILABLE
            ffff     // error_message null
            ffffffff // node_id -1
            0000     // host ""
            ffffffff // port -1
            """), writer.ToArray());
    }
}
