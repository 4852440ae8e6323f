using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;
using static AkkaKafka.Tests.KafkaWire.KafkaCodec;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class OffsetCommitCodecSpecs
{
    private static OffsetCommitRequestData Request(short version) => new(
        "orders-app",
        Topics:
        [
            new("orders",
            [
                new(0, 1_234, "", CommittedLeaderEpoch: version >= 6 ? 4 : -1, CommitTimestamp: version == 1 ? 1_700_000_000_000 : -1),
                new(1, 99, null, CommittedLeaderEpoch: version >= 6 ? 4 : -1, CommitTimestamp: version == 1 ? 1_700_000_000_500 : -1),
            ]),
            new("payments", [new(0, 7, "checkpoint-9")]),
        ],
        GenerationIdOrMemberEpoch: version >= 1 ? 3 : -1,
        MemberId: version >= 1 ? "rdkafka-7c1e" : "",
        GroupInstanceId: version >= 7 ? "orders-app-1" : null,
        RetentionTimeMs: version is >= 2 and <= 4 ? 86_400_000 : -1);

    private static OffsetCommitResponseData Response(short version) => new(
        [
            new("orders", [new(0, ErrorCode.None), new(1, ErrorCode.IllegalGeneration)]),
            new("payments", [new(0, ErrorCode.UnknownTopicOrPartition)]),
        ],
        ThrottleTimeMs: version >= 3 ? 11 : 0);

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
        KafkaCodec.AssertRoundTrips(Request(version), version, OffsetCommitRequestData.Read);
        KafkaCodec.AssertRoundTrips(Response(version), version, OffsetCommitResponseData.Read);
    }

    [Fact]
    public void A_v7_commit_reads_as_the_schema_says()
    {
        var reader = new KafkaReader(Hex("""
            0001 67             // group_id "g"
            00000005            // generation_id_or_member_epoch 5
            0002 6d31           // member_id "m1"
            ffff                // group_instance_id null
            00000001            // one topic
            0001 74             //   name "t"
            00000001            //   one partition
            00000000            //     partition_index 0
            000000000000002a    //     committed_offset 42
            ffffffff            //     committed_leader_epoch -1
            0000                //     committed_metadata ""
            """));
        var request = OffsetCommitRequestData.Read(ref reader, 7);
        Assert.Equal(0, reader.Remaining);
        Assert.Equal(("g", 5, "m1", (string?)null, -1L), (request.GroupId, request.GenerationIdOrMemberEpoch, request.MemberId, request.GroupInstanceId, request.RetentionTimeMs));
        var topic = Assert.Single(request.Topics);
        Assert.Equal("t", topic.Name);
        Assert.Equal(new OffsetCommitRequestPartition(0, 42, "", -1, -1), Assert.Single(topic.Partitions));
    }

    [Fact]
    public void Only_v1_carries_a_commit_timestamp_and_only_v2_to_v4_a_retention_time()
    {
        var writer = new KafkaWriter();
        new OffsetCommitRequestData("g", [new("t", [new(0, 42, null, CommitTimestamp: 1000)])], 5, "m1").Write(writer, 1);
        Assert.Equal(Hex("""
            0001 67 00000005 0002 6d31  // group_id, generation, member_id
            00000001 0001 74 00000001   // one topic "t", one partition
            00000000 000000000000002a   //   partition 0, offset 42
            00000000000003e8            //   commit_timestamp 1000
            ffff                        //   committed_metadata null
            """), writer.ToArray());

        writer = new KafkaWriter();
        new OffsetCommitRequestData("g", [], 5, "m1", RetentionTimeMs: 60_000).Write(writer, 4);
        Assert.Equal(Hex("0001 67 00000005 0002 6d31 000000000000ea60 00000000"), writer.ToArray()); // retention 60000, no topics
    }

    [Fact]
    public void Truncated_bodies_are_a_protocol_error_not_a_crash()
    {
        foreach (short version in new short[] { 1, 2, 7 })
        {
            AssertEveryPrefixThrows(Request(version), version, OffsetCommitRequestData.Read);
            AssertEveryPrefixThrows(Response(version), version, OffsetCommitResponseData.Read);
        }
    }
}
