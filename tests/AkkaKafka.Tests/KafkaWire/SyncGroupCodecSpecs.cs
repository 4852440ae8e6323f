using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;
using static AkkaKafka.Tests.KafkaWire.KafkaCodec;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class SyncGroupCodecSpecs
{
    // A consumer-protocol MemberAssignment: version 0, topic "orders" partitions [0, 1], no user data.
    private static readonly byte[] Assignment = Hex("0000 00000001 0006 6f7264657273 00000002 00000000 00000001 ffffffff");

    private static SyncGroupRequestData LeaderRequest(short version) => new(
        "orders-app", GenerationId: 3, MemberId: "rdkafka-7c1e",
        Assignments: [new("rdkafka-7c1e", Assignment), new("rdkafka-0b2d", Array.Empty<byte>())],
        GroupInstanceId: version >= 3 ? "orders-app-1" : null);

    private static SyncGroupResponseData Response(short version) => new(ErrorCode.None, Assignment, ThrottleTimeMs: version >= 1 ? 5 : 0);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Requests_and_responses_round_trip_at_every_version(short version)
    {
        KafkaCodec.AssertRoundTrips(LeaderRequest(version), version, SyncGroupRequestData.Read);
        // Followers send no assignments.
        KafkaCodec.AssertRoundTrips(LeaderRequest(version) with { MemberId = "rdkafka-0b2d", Assignments = [] }, version, SyncGroupRequestData.Read);
        KafkaCodec.AssertRoundTrips(Response(version), version, SyncGroupResponseData.Read);
        KafkaCodec.AssertRoundTrips(new SyncGroupResponseData(ErrorCode.RebalanceInProgress, ReadOnlyMemory<byte>.Empty), version, SyncGroupResponseData.Read);
    }

    [Fact]
    public void A_v3_follower_request_reads_as_the_schema_says()
    {
        var reader = new KafkaReader(Hex("""
            0001 67          // group_id "g"
            00000007         // generation_id 7
            0002 6d31        // member_id "m1"
            ffff             // group_instance_id null
            00000000         // no assignments
            """));
        var request = SyncGroupRequestData.Read(ref reader, 3);
        Assert.Equal(0, reader.Remaining);
        Assert.Equal(("g", 7, "m1", (string?)null, 0),
            (request.GroupId, request.GenerationId, request.MemberId, request.GroupInstanceId, request.Assignments.Count));
    }

    [Fact]
    public void A_v1_response_is_laid_out_as_the_schema_says()
    {
        var writer = new KafkaWriter();
        new SyncGroupResponseData(ErrorCode.None, new byte[] { 0xAB, 0xCD }, ThrottleTimeMs: 2).Write(writer, 1);
        Assert.Equal(Hex("""
            00000002       // throttle_time_ms
            0000           // error_code
            00000002 abcd  // assignment
            """), writer.ToArray());
    }

    [Fact]
    public void Truncated_bodies_are_a_protocol_error_not_a_crash()
    {
        AssertEveryPrefixThrows(LeaderRequest(3), 3, SyncGroupRequestData.Read);
        AssertEveryPrefixThrows(Response(3), 3, SyncGroupResponseData.Read);
    }
}
