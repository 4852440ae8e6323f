using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;
using static AkkaKafka.Tests.KafkaWire.KafkaCodec;

namespace AkkaKafka.Tests.KafkaWire;

/// <summary>WriteTxnMarkers v0–1 and DescribeProducers v0, as Kafka's message definitions lay them out.</summary>
[Trait("Speed", "Fast")]
public sealed class TransactionMarkersCodecSpecs
{
    public static TheoryData<short> MarkerVersions() => Versions(ApiKey.WriteTxnMarkers);

    private static readonly WriteTxnMarkersRequestData Markers = new(
    [
        new(4242, 7, true, [new("orders", [0, 2]), new("audit", [1])], 12),
        new(long.MaxValue, short.MaxValue, false, [], int.MaxValue),
    ]);

    private static readonly WriteTxnMarkersResponseData MarkerResults = new(
    [
        new(4242, [new("orders", [new(0, ErrorCode.None), new(2, ErrorCode.InvalidProducerEpoch)]), new("audit", [new(1, ErrorCode.NotLeaderOrFollower)])]),
        new(long.MaxValue, []),
    ]);

    [Theory]
    [MemberData(nameof(MarkerVersions))]
    public void WriteTxnMarkers_requests_and_responses_round_trip_at_every_version(short version)
    {
        AssertRoundTrips(Markers, version, WriteTxnMarkersRequestData.Read);
        AssertRoundTrips(MarkerResults, version, WriteTxnMarkersResponseData.Read);
    }

    [Fact]
    public void A_v0_marker_request_and_a_v1_response_match_bytes_written_by_hand_from_the_schema()
    {
        Assert.Equal(Hex("""
            00000001            // one marker
            000000000000002A    //   producer_id 42
            0003                //   producer_epoch 3
            01                  //   transaction_result COMMIT
            00000001            //   one topic
            0001 74             //     name "t"
            00000001 00000005   //     partition_indexes [5]
            00000009            //   coordinator_epoch 9
            """), Write(new WriteTxnMarkersRequestData([new(42, 3, true, [new("t", [5])], 9)]), 0));
        Assert.Equal(Hex("""
            02                  // compact array: one marker
            000000000000002A    //   producer_id 42
            02                  //   one topic
            02 74               //     compact name "t"
            02                  //     one partition
            00000005 002F 00    //       index 5, INVALID_PRODUCER_EPOCH, no tagged fields
            00                  //     topic tagged fields
            00                  //   marker tagged fields
            00                  // tagged fields
            """), Write(new WriteTxnMarkersResponseData([new(42, [new("t", [new(5, ErrorCode.InvalidProducerEpoch)])])]), 1));
    }

    [Fact]
    public void DescribeProducers_requests_and_responses_round_trip_and_lay_out_as_the_flexible_v0_schema_says()
    {
        var request = new DescribeProducersRequestData([new("orders", [0, 1]), new("audit", [])]);
        var response = new DescribeProducersResponseData(
        [
            new("orders", [new(0, ErrorCode.None, null, [new(4242, 7, 99, 1_700_000_000_000, 3, 120), new(1, 0, -1, -1, -1, -1)])]),
            new("audit", [new(1, ErrorCode.NotLeaderOrFollower, "not the owner", [])]),
        ], ThrottleTimeMs: 5);
        AssertRoundTrips(request, 0, DescribeProducersRequestData.Read);
        AssertRoundTrips(response, 0, DescribeProducersResponseData.Read);

        Assert.Equal(Hex("""
            02 02 74 02 00000003 00  // one topic: compact name "t", partition_indexes [3], tagged fields
            00                       // tagged fields
            """), Write(new DescribeProducersRequestData([new("t", [3])]), 0));
        Assert.Equal(Hex("""
            00000000            // throttle_time_ms
            02 02 74            // one topic "t"
            02 00000003 0000 00 //   one partition: index 3, no error, null error message
            02                  //   one producer
            0000000000000009    //     producer_id 9
            00000001            //     producer_epoch 1
            00000004            //     last_sequence 4
            0000000000000064    //     last_timestamp 100
            00000002            //     coordinator_epoch 2
            0000000000000006    //     current_txn_start_offset 6
            00 00 00 00         //   tagged fields of producer, partition, topic, response
            """), Write(new DescribeProducersResponseData([new("t", [new(3, ErrorCode.None, null, [new(9, 1, 4, 100, 2, 6)])])]), 0));
    }

    [Fact]
    public void Truncated_bodies_are_a_protocol_error_not_a_crash()
    {
        AssertEveryPrefixThrows(Markers, 1, WriteTxnMarkersRequestData.Read);
        AssertEveryPrefixThrows(new DescribeProducersResponseData([new("t", [new(3, ErrorCode.None, "m", [new(9, 1, 4, 100, 2, 6)])])]), 0,
            DescribeProducersResponseData.Read);
    }
}
