using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class DescribeClusterCodecSpecs
{
    public static TheoryData<short> Versions() => KafkaCodec.Versions(ApiKey.DescribeCluster);

    [Theory]
    [MemberData(nameof(Versions))]
    public void Requests_and_responses_round_trip_at_every_version(short version)
    {
        KafkaCodec.AssertRoundTrips(new DescribeClusterRequestData(true), version, DescribeClusterRequestData.Read);
        KafkaCodec.AssertRoundTrips(new DescribeClusterResponseData(ErrorCode.None, null, "akkakafka", 2,
            [new(1, "127.0.0.1", 9092), new(2, "broker-2", 9093, "rack-b")], 1 << 8), version, DescribeClusterResponseData.Read);
        KafkaCodec.AssertEveryPrefixThrows(new DescribeClusterResponseData(ErrorCode.MismatchedEndpointType, "no controllers", "akkakafka", -1, []),
            version, DescribeClusterResponseData.Read);
    }

    [Fact]
    public void A_v1_request_and_response_match_bytes_written_by_hand_from_the_schema()
    {
        var writer = new KafkaWriter();
        new DescribeClusterRequestData(false, DescribeClusterRequestData.Controllers).Write(writer, 1);
        Assert.Equal([0, 2, 0], writer.ToArray()); // no authorized operations, endpoint type 2, no tagged fields

        writer = new KafkaWriter();
        new DescribeClusterResponseData(ErrorCode.None, null, "c", 1, [new(1, "h", 9)]).Write(writer, 1);
        Assert.Equal(KafkaCodec.Hex("""
            00000000 0000 00   // throttle, error, null message (compact)
            01                 // endpoint type 1 (brokers)
            0263 00000001      // cluster id "c", controller 1
            02 00000001 0268 00000009 00 00   // one broker: id 1, host "h", port 9, null rack, no tagged fields
            80000000 00        // authorized operations not asked, no tagged fields
            """), writer.ToArray());
    }
}
