using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;
using static AkkaKafka.Tests.KafkaWire.KafkaCodec;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class LeaveGroupCodecSpecs
{
    private static LeaveGroupRequestData Request(short version) => version >= 3
        ? LeaveGroupRequestData.Batch("orders-app", [new("rdkafka-7c1e", "orders-app-1"), new("rdkafka-0b2d")])
        : LeaveGroupRequestData.Single("orders-app", "rdkafka-7c1e");

    private static LeaveGroupResponseData Response(short version) => new(
        ErrorCode.None,
        version >= 3 ? [new("rdkafka-7c1e", "orders-app-1", ErrorCode.None), new("rdkafka-0b2d", null, ErrorCode.UnknownMemberId)] : [],
        ThrottleTimeMs: version >= 1 ? 3 : 0);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Requests_and_responses_round_trip_at_every_version(short version)
    {
        KafkaCodec.AssertRoundTrips(Request(version), version, LeaveGroupRequestData.Read);
        KafkaCodec.AssertRoundTrips(Response(version), version, LeaveGroupResponseData.Read);
    }

    [Fact]
    public void The_leaving_members_are_the_same_whether_named_singly_or_in_a_batch()
    {
        Assert.Equal([new LeaveGroupMemberIdentity("m1")], LeaveGroupRequestData.Single("g", "m1").LeavingMembers);
        Assert.Equal([new LeaveGroupMemberIdentity("m1", "i1")], LeaveGroupRequestData.Batch("g", [new("m1", "i1")]).LeavingMembers);
    }

    [Fact]
    public void A_v3_batch_reads_as_the_schema_says()
    {
        var reader = new KafkaReader(Hex("""
            0001 67          // group_id "g"
            00000002         // two members
            0002 6d31        //   member_id "m1"
            ffff             //   group_instance_id null
            0000             //   member_id "" (a static member named by instance id only)
            0002 6931        //   group_instance_id "i1"
            """));
        var request = LeaveGroupRequestData.Read(ref reader, 3);
        Assert.Equal(0, reader.Remaining);
        Assert.Equal([new LeaveGroupMemberIdentity("m1"), new LeaveGroupMemberIdentity("", "i1")], request.LeavingMembers);
    }

    [Fact]
    public void Truncated_bodies_are_a_protocol_error_not_a_crash()
    {
        AssertEveryPrefixThrows(Request(3), 3, LeaveGroupRequestData.Read);
        AssertEveryPrefixThrows(Response(3), 3, LeaveGroupResponseData.Read);
    }
}
