using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;
using static AkkaKafka.Tests.KafkaWire.KafkaCodec;

namespace AkkaKafka.Tests.KafkaWire;

/// <summary>TxnOffsetCommit v0–4 and OffsetFetch's require_stable (v7), laid out as Kafka's message JSONs say.</summary>
[Trait("Speed", "Fast")]
public sealed class TxnOffsetCommitCodecSpecs
{
    public static TheoryData<short> Versions() => KafkaCodec.Versions(ApiKey.TxnOffsetCommit);

    private static TxnOffsetCommitRequestData Request(short version) => new("tx-1", "orders-app", 4_000, 7,
        [
            new("orders", [new(0, 1_234, "meta", version >= 2 ? 5 : -1), new(1, 0, null, version >= 2 ? 5 : -1)]),
            new("payments", [new(3, long.MaxValue, "", -1)]),
        ],
        version >= 3 ? 12 : -1, version >= 3 ? "rdkafka-abc" : "", version >= 3 ? "instance-1" : null);

    private static readonly TxnOffsetCommitResponseData Response = new(
        [new("orders", [new(0, ErrorCode.None), new(1, ErrorCode.IllegalGeneration)]), new("payments", [new(3, ErrorCode.FencedInstanceId)])], 9);

    [Theory]
    [MemberData(nameof(Versions))]
    public void Requests_and_responses_round_trip_at_every_version(short version)
    {
        AssertRoundTrips(Request(version), version, TxnOffsetCommitRequestData.Read);
        AssertRoundTrips(Response, version, TxnOffsetCommitResponseData.Read);
        if (version >= 3) AssertRoundTrips(Request(version) with { GroupInstanceId = null, MemberId = "" }, version, TxnOffsetCommitRequestData.Read);
    }

    [Fact]
    public void Every_version_the_schema_defines_is_answered()
    {
        var support = KafkaApis.Find(ApiKey.TxnOffsetCommit)!;
        Assert.Equal(4, support.MaxVersion);
        Assert.Equal(0, support.LowestAnswered);
        Assert.Equal(3, support.FirstFlexible);
    }

    [Fact]
    public void A_v0_request_is_laid_out_as_the_schema_says()
    {
        var writer = new KafkaWriter();
        new TxnOffsetCommitRequestData("tx", "g", 5, 1, [new("t", [new(0, 42, null)])]).Write(writer, 0);
        Assert.Equal(Hex("""
            0002 7478            // transactional_id "tx"
            0001 67              // group_id "g"
            0000000000000005     // producer_id
            0001                 // producer_epoch
            00000001 0001 74     // one topic "t"
            00000001             //   one partition
            00000000             //     partition_index 0
            000000000000002a     //     committed_offset 42
            ffff                 //     committed_metadata null
            """), writer.ToArray());
    }

    [Fact]
    public void A_v3_request_is_flexible_and_carries_the_consumers_group_metadata()
    {
        var writer = new KafkaWriter();
        new TxnOffsetCommitRequestData("tx", "g", 5, 1, [new("t", [new(0, 42, null, 3)])], 2, "m", null).Write(writer, 3);
        Assert.Equal(Hex("""
            03 7478              // transactional_id "tx" (compact)
            02 67                // group_id "g"
            0000000000000005     // producer_id
            0001                 // producer_epoch
            00000002             // generation_id
            02 6d                // member_id "m"
            00                   // group_instance_id null
            02 02 74             // one topic "t"
            02                   //   one partition
            00000000             //     partition_index 0
            000000000000002a     //     committed_offset 42
            00000003             //     committed_leader_epoch 3
            00                   //     committed_metadata null
            00                   //     tagged fields
            00                   //   tagged fields
            00                   // tagged fields
            """), writer.ToArray());
        var reader = new KafkaReader(writer.ToArray());
        var read = TxnOffsetCommitRequestData.Read(ref reader, 3);
        Assert.Equal((2, "m", (string?)null), (read.GenerationId, read.MemberId, read.GroupInstanceId));
    }

    [Fact]
    public void Before_v3_the_group_metadata_reads_as_Kafkas_defaults()
    {
        var read = RoundTrip(Request(3), 2, TxnOffsetCommitRequestData.Read);
        Assert.Equal((-1, "", (string?)null), (read.GenerationId, read.MemberId, read.GroupInstanceId));
    }

    [Fact]
    public void A_v3_response_is_laid_out_as_the_schema_says()
    {
        var writer = new KafkaWriter();
        new TxnOffsetCommitResponseData([new("t", [new(0, ErrorCode.IllegalGeneration)])]).Write(writer, 3);
        Assert.Equal(Hex("""
            00000000             // throttle_time_ms
            02 02 74             // one topic "t"
            02 00000000 0016 00  //   partition 0, ILLEGAL_GENERATION, tagged fields
            00                   //   tagged fields
            00                   // tagged fields
            """), writer.ToArray());
    }

    [Fact]
    public void An_OffsetFetch_v7_request_carries_require_stable_after_the_topics()
    {
        var writer = new KafkaWriter();
        new OffsetFetchRequestData("g", [new("t", [0])], RequireStable: true).Write(writer, 7);
        Assert.Equal(Hex("""
            02 67                // group_id "g" (compact)
            02 02 74             // one topic "t"
            02 00000000          //   partition_indexes [0]
            00                   //   tagged fields
            01                   // require_stable
            00                   // tagged fields
            """), writer.ToArray());
        var reader = new KafkaReader(Hex("02 67 00 01 00")); // every topic, require_stable
        var request = OffsetFetchRequestData.Read(ref reader, 7);
        Assert.Equal(0, reader.Remaining);
        Assert.Null(request.Topics);
        Assert.True(request.RequireStable);
    }

    [Fact]
    public void An_OffsetFetch_v7_response_says_UNSTABLE_OFFSET_COMMIT_per_partition()
    {
        var writer = new KafkaWriter();
        new OffsetFetchResponseData([new("t", [new(0, -1, "", ErrorCode.UnstableOffsetCommit)])]).Write(writer, 7);
        Assert.Equal(Hex("""
            00000000             // throttle_time_ms
            02 02 74             // one topic "t"
            02                   //   one partition
            00000000             //     partition_index 0
            ffffffffffffffff     //     committed_offset -1
            ffffffff             //     committed_leader_epoch -1
            01                   //     metadata ""
            0058                 //     error_code 88 UNSTABLE_OFFSET_COMMIT
            00                   //     tagged fields
            00                   //   tagged fields
            0000                 // group-level error_code
            00                   // tagged fields
            """), writer.ToArray());
    }

    [Theory]
    [InlineData(6)]
    [InlineData(7)]
    public void OffsetFetch_v6_and_v7_round_trip(short version)
    {
        var request = new OffsetFetchRequestData("orders-app", [new("orders", [0, 1, 2])], RequireStable: version >= 7);
        AssertRoundTrips(request, version, OffsetFetchRequestData.Read);
        AssertRoundTrips(request with { Topics = null }, version, OffsetFetchRequestData.Read);
        AssertRoundTrips(new OffsetFetchResponseData([new("orders", [new(0, 7, "", ErrorCode.None, 2), new(1, -1, "", ErrorCode.UnstableOffsetCommit)])], ErrorCode.None, 3),
            version, OffsetFetchResponseData.Read);
        // Before v7 there is no such field: the flag is not written, and reads as false.
        Assert.False(RoundTrip(request with { RequireStable = true }, 6, OffsetFetchRequestData.Read).RequireStable);
    }

    [Fact]
    public void Truncated_bodies_are_a_protocol_error_not_a_crash()
    {
        AssertEveryPrefixThrows(Request(4), 4, TxnOffsetCommitRequestData.Read);
        AssertEveryPrefixThrows(Request(2), 2, TxnOffsetCommitRequestData.Read);
        AssertEveryPrefixThrows(Response, 3, TxnOffsetCommitResponseData.Read);
        AssertEveryPrefixThrows(new OffsetFetchRequestData("g", [new("t", [0])], true), 7, OffsetFetchRequestData.Read);
    }
}
