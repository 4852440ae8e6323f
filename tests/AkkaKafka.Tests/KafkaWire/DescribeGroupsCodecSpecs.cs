using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;
using static AkkaKafka.Tests.KafkaWire.KafkaCodec;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class DescribeGroupsCodecSpecs
{
    private static readonly byte[] Subscription = Hex("0001 00000001 0006 6f7264657273 00000000");
    private static readonly byte[] Assignment = Hex("0001 00000001 0006 6f7264657273 00000001 00000000 ffffffff");

    private static DescribeGroupsRequestData Request(short version) =>
        new(["orders-app", "audit"], IncludeAuthorizedOperations: version >= 3);

    private static DescribeGroupsResponseData Response(short version) => new(
        [
            new(ErrorCode.None, "orders-app", "Stable", "consumer", "range",
            [
                new("rdkafka-7c1e", "rdkafka", "/10.0.0.5", Subscription, Assignment, version >= 4 ? "orders-app-1" : null),
                new("rdkafka-0b2d", "rdkafka", "/10.0.0.6", Subscription, Assignment),
            ],
            AuthorizedOperations: version >= 3 ? 0b1111_1000 : DescribedGroup.OperationsNotRequested),
            new(ErrorCode.None, "audit", "Dead", "", "", [],
                AuthorizedOperations: DescribedGroup.OperationsNotRequested),
        ],
        ThrottleTimeMs: version >= 1 ? 6 : 0);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Requests_and_responses_round_trip_at_every_version(short version)
    {
        KafkaCodec.AssertRoundTrips(Request(version), version, DescribeGroupsRequestData.Read);
        KafkaCodec.AssertRoundTrips(Response(version), version, DescribeGroupsResponseData.Read);
    }

    [Fact]
    public void A_v3_request_and_a_v0_response_are_laid_out_as_the_schema_says()
    {
        var reader = new KafkaReader(Hex("00000001 0001 67 01")); // groups ["g"], include_authorized_operations true
        var request = DescribeGroupsRequestData.Read(ref reader, 3);
        Assert.Equal(["g"], request.Groups);
        Assert.True(request.IncludeAuthorizedOperations);
        Assert.Equal(0, reader.Remaining);

        var writer = new KafkaWriter();
        new DescribeGroupsResponseData([new(ErrorCode.None, "g", "Empty", "consumer", "", [])]).Write(writer, 0);
        Assert.Equal(Hex("""
            00000001                // one group (v0: no throttle_time_ms)
            0000                    //   error_code
            0001 67                 //   group_id "g"
            0005 456d707479         //   group_state "Empty"
            0008 636f6e73756d6572   //   protocol_type "consumer"
            0000                    //   protocol_data ""
            00000000                //   no members (v0: no authorized_operations)
            """), writer.ToArray());
    }

    [Fact]
    public void Before_v3_authorized_operations_read_as_not_requested()
    {
        var reader = new KafkaReader(Hex("00000000 00000000")); // v1: throttle 0, no groups
        Assert.Empty(DescribeGroupsResponseData.Read(ref reader, 1).Groups);
        var writer = new KafkaWriter();
        Response(2).Write(writer, 2);
        reader = new KafkaReader(writer.ToArray());
        Assert.All(DescribeGroupsResponseData.Read(ref reader, 2).Groups, g => Assert.Equal(int.MinValue, g.AuthorizedOperations));
    }

    [Fact]
    public void Truncated_bodies_are_a_protocol_error_not_a_crash()
    {
        AssertEveryPrefixThrows(Request(4), 4, DescribeGroupsRequestData.Read);
        AssertEveryPrefixThrows(Response(4), 4, DescribeGroupsResponseData.Read);
    }
}
