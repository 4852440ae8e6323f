using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;
using static AkkaKafka.Tests.KafkaWire.KafkaCodec;

namespace AkkaKafka.Tests.KafkaWire;

/// <summary>DescribeTransactions v0 and ListTransactions v0–1, as Kafka's message definitions lay them out (all flexible).</summary>
[Trait("Speed", "Fast")]
public sealed class TransactionsCodecSpecs
{
    public static TheoryData<short> ListVersions() => Versions(ApiKey.ListTransactions);

    [Fact]
    public void DescribeTransactions_requests_and_responses_round_trip_and_lay_out_as_the_v0_schema_says()
    {
        AssertRoundTrips(new DescribeTransactionsRequestData(["payments-1", ""]), 0, DescribeTransactionsRequestData.Read);
        AssertRoundTrips(new DescribeTransactionsResponseData(
        [
            new(ErrorCode.None, "payments-1", "Ongoing", 60_000, 1_765_000_000_000, 4242, 7, [new("orders", [0, 2]), new("audit", [1])]),
            new(ErrorCode.TransactionalIdNotFound, "nobody", "", 0, -1, -1, -1, []),
        ], ThrottleTimeMs: 3), 0, DescribeTransactionsResponseData.Read);
        AssertEveryPrefixThrows(new DescribeTransactionsRequestData(["payments-1"]), 0, DescribeTransactionsRequestData.Read);

        Assert.Equal(Hex("""
            02 02 78     // compact array: one id, compact string "x"
            00           // tagged fields
            """), Write(new DescribeTransactionsRequestData(["x"]), 0));
        Assert.Equal(Hex("""
            00000000             // throttle_time_ms
            02                   // one transaction state
            0000                 //   error_code NONE
            02 78                //   transactional_id "x"
            08 4F6E676F696E67    //   transaction_state "Ongoing"
            0000EA60             //   transaction_timeout_ms 60000
            0000000000000064     //   transaction_start_time_ms 100
            000000000000002A     //   producer_id 42
            0003                 //   producer_epoch 3
            02                   //   one topic
            02 74                //     topic "t"
            02 00000005          //     partitions [5]
            00                   //     topic tagged fields
            00                   //   state tagged fields
            00                   // tagged fields
            """), Write(new DescribeTransactionsResponseData([new(ErrorCode.None, "x", "Ongoing", 60_000, 100, 42, 3, [new("t", [5])])]), 0));
    }

    [Theory]
    [MemberData(nameof(ListVersions))]
    public void ListTransactions_requests_and_responses_round_trip_at_every_version(short version)
    {
        AssertRoundTrips(new ListTransactionsRequestData(["Ongoing", "PrepareCommit"], [4242, long.MaxValue], version >= 1 ? 60_000 : -1),
            version, ListTransactionsRequestData.Read);
        AssertRoundTrips(new ListTransactionsResponseData(ErrorCode.None, ["Bogus"], [new("payments-1", 4242, "Ongoing"), new("audit", 1, "Empty")], 5),
            version, ListTransactionsResponseData.Read);
        AssertEveryPrefixThrows(new ListTransactionsRequestData(["Ongoing"], [1], version >= 1 ? 1 : -1), version, ListTransactionsRequestData.Read);
    }

    [Fact]
    public void A_ListTransactions_request_carries_the_duration_filter_from_v1_and_its_response_lays_out_as_the_schema_says()
    {
        Assert.Equal(Hex("""
            02 08 4F6E676F696E67 // state_filters ["Ongoing"]
            02 000000000000002A  // producer_id_filters [42]
            00                   // tagged fields
            """), Write(new ListTransactionsRequestData(["Ongoing"], [42], 1000), 0));
        Assert.Equal(Hex("""
            01                   // state_filters []
            01                   // producer_id_filters []
            00000000000003E8     // duration_filter 1000
            00                   // tagged fields
            """), Write(new ListTransactionsRequestData([], [], 1000), 1));
        Assert.Equal(-1, RoundTrip(new ListTransactionsRequestData([], [], 1000), 0, ListTransactionsRequestData.Read).DurationFilterMs);
        Assert.Equal(Hex("""
            00000000             // throttle_time_ms
            0000                 // error_code NONE
            02 02 42             // unknown_state_filters ["B"]
            02                   // one transaction state
            02 78                //   transactional_id "x"
            000000000000002A     //   producer_id 42
            06 456D707479        //   transaction_state "Empty"
            00                   //   state tagged fields
            00                   // tagged fields
            """), Write(new ListTransactionsResponseData(ErrorCode.None, ["B"], [new("x", 42, "Empty")]), 0));
    }
}
