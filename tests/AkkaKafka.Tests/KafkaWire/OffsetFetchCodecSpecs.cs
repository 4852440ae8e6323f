using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;
using static AkkaKafka.Tests.KafkaWire.KafkaCodec;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class OffsetFetchCodecSpecs
{
    private static readonly OffsetFetchRequestData Request =
        new("orders-app", [new("orders", [0, 1, 2]), new("payments", [0])]);

    private static OffsetFetchResponseData Response(short version) => new(
        [
            new("orders",
            [
                new(0, 1_234, "", ErrorCode.None, CommittedLeaderEpoch: version >= 5 ? 4 : -1),
                new(1, -1, null, ErrorCode.None), // nothing committed
            ]),
            new("payments", [new(0, -1, null, ErrorCode.UnknownTopicOrPartition)]),
        ],
        ThrottleTimeMs: version >= 3 ? 8 : 0);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    public void Requests_and_responses_round_trip_at_every_version(short version)
    {
        KafkaCodec.AssertRoundTrips(Request, version, OffsetFetchRequestData.Read);
        KafkaCodec.AssertRoundTrips(Response(version), version, OffsetFetchResponseData.Read);
        if (version >= 2)
        {
            KafkaCodec.AssertRoundTrips(Request with { Topics = null }, version, OffsetFetchRequestData.Read);
            KafkaCodec.AssertRoundTrips(new OffsetFetchResponseData([], ErrorCode.CoordinatorLoadInProgress, version >= 3 ? 1 : 0), version, OffsetFetchResponseData.Read);
        }
    }

    [Fact]
    public void From_v2_a_null_topic_list_asks_for_every_committed_topic()
    {
        var reader = new KafkaReader(Hex("0001 67 ffffffff")); // group_id "g", topics null
        var request = OffsetFetchRequestData.Read(ref reader, 2);
        Assert.Equal(0, reader.Remaining);
        Assert.Equal("g", request.GroupId);
        Assert.Null(request.Topics);
    }

    [Fact]
    public void Before_v2_all_topics_cannot_be_asked_for()
    {
        Assert.Throws<InvalidOperationException>(() => new OffsetFetchRequestData("g", null).Write(new KafkaWriter(), 1));
    }

    [Fact]
    public void A_v5_response_is_laid_out_as_the_schema_says()
    {
        var writer = new KafkaWriter();
        new OffsetFetchResponseData([new("t", [new(0, 42, null, ErrorCode.None, 3)])], ErrorCode.None, 0).Write(writer, 5);
        Assert.Equal(Hex("""
            00000000            // throttle_time_ms
            00000001 0001 74    // one topic "t"
            00000001            //   one partition
            00000000            //     partition_index 0
            000000000000002a    //     committed_offset 42
            00000003            //     committed_leader_epoch 3
            ffff                //     metadata null
            0000                //     error_code
            0000                // group-level error_code
            """), writer.ToArray());
    }

    [Fact]
    public void Truncated_bodies_are_a_protocol_error_not_a_crash()
    {
        AssertEveryPrefixThrows(Request, 5, OffsetFetchRequestData.Read);
        AssertEveryPrefixThrows(Response(5), 5, OffsetFetchResponseData.Read);
        AssertEveryPrefixThrows(Response(1), 1, OffsetFetchResponseData.Read);
    }
}
