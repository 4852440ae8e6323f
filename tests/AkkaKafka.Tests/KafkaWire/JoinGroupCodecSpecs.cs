using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;
using static AkkaKafka.Tests.KafkaWire.KafkaCodec;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class JoinGroupCodecSpecs
{
    private static readonly byte[] Subscription = [0, 1, 0, 0, 0, 1, 0, 6, (byte)'o', (byte)'r', (byte)'d', (byte)'e', (byte)'r', (byte)'s', 0, 0, 0, 0];

    private static JoinGroupRequestData Request(short version) => new(
        "orders-app", SessionTimeoutMs: 45_000, MemberId: version >= 4 ? "rdkafka-7c1e" : "", ProtocolType: "consumer",
        Protocols: [new("range", Subscription), new("roundrobin", Subscription)],
        RebalanceTimeoutMs: version >= 1 ? 300_000 : -1,
        GroupInstanceId: version >= 5 ? "orders-app-1" : null);

    private static JoinGroupResponseData Response(short version) => new(
        ErrorCode.None, GenerationId: 3, ProtocolName: "range", Leader: "rdkafka-7c1e", MemberId: "rdkafka-7c1e",
        Members:
        [
            new("rdkafka-7c1e", Subscription, version >= 5 ? "orders-app-1" : null),
            new("rdkafka-0b2d", Subscription),
        ],
        ThrottleTimeMs: version >= 2 ? 25 : 0);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Requests_and_responses_round_trip_at_every_version(short version)
    {
        KafkaCodec.AssertRoundTrips(Request(version), version, JoinGroupRequestData.Read);
        KafkaCodec.AssertRoundTrips(Response(version), version, JoinGroupResponseData.Read);
        // A follower's answer carries no members.
        KafkaCodec.AssertRoundTrips(Response(version) with { Members = [] }, version, JoinGroupResponseData.Read);
    }

    [Fact]
    public void A_first_v5_join_with_an_empty_member_id_reads_as_the_schema_says()
    {
        var reader = new KafkaReader(Hex("""
            0006 6f7264657273             // group_id "orders"
            0000afc8                      // session_timeout_ms 45000
            000493e0                      // rebalance_timeout_ms 300000
            0000                          // member_id ""
            ffff                          // group_instance_id null
            0008 636f6e73756d6572         // protocol_type "consumer"
            00000002                      // two protocols
            0005 72616e6765               //   name "range"
            00000004 00010203             //   metadata, 4 bytes
            000a 726f756e64726f62696e     //   name "roundrobin"
            00000000                      //   metadata, empty
            """));
        var request = JoinGroupRequestData.Read(ref reader, 5);

        Assert.Equal(0, reader.Remaining);
        Assert.Equal(("orders", 45_000, 300_000, "", (string?)null, "consumer"),
            (request.GroupId, request.SessionTimeoutMs, request.RebalanceTimeoutMs, request.MemberId, request.GroupInstanceId, request.ProtocolType));
        Assert.Equal(["range", "roundrobin"], request.Protocols.Select(p => p.Name));
        Assert.Equal(new byte[] { 0, 1, 2, 3 }, request.Protocols[0].Metadata.ToArray());
        Assert.Equal(0, request.Protocols[1].Metadata.Length);
    }

    [Fact]
    public void A_v0_join_has_no_rebalance_timeout_and_reads_as_minus_one()
    {
        var writer = new KafkaWriter();
        Request(0).Write(writer, 0);
        var reader = new KafkaReader(writer.ToArray());
        Assert.Equal(-1, JoinGroupRequestData.Read(ref reader, 0).RebalanceTimeoutMs);
    }

    [Fact]
    public void Truncated_bodies_are_a_protocol_error_not_a_crash()
    {
        AssertEveryPrefixThrows(Request(5), 5, JoinGroupRequestData.Read);
        AssertEveryPrefixThrows(Response(5), 5, JoinGroupResponseData.Read);
    }
}
