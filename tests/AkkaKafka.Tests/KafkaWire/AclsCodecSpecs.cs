using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;
using static AkkaKafka.Protocol.Kafka.Apis.KafkaAclCodes;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class AclsCodecSpecs
{
    private static readonly AclBinding Acl = new(TopicResource, "t", PrefixedPattern, "User:a", "*", ReadOperation, Allow);
    private static readonly AclBinding Filter = new(Any, null, Any, null, null, Any, Any);

    public static TheoryData<short> Versions() => KafkaCodec.Versions(ApiKey.CreateAcls);

    [Theory]
    [MemberData(nameof(Versions))]
    public void Requests_and_responses_round_trip_at_every_version(short version)
    {
        // v0 has no pattern type: it is LITERAL there.
        var acl = version >= 1 ? Acl : Acl with { PatternType = LiteralPattern };
        var filter = version >= 1 ? Filter : Filter with { PatternType = LiteralPattern };
        KafkaCodec.AssertRoundTrips(new CreateAclsRequestData([acl, acl with { Operation = WriteOperation }]), version, CreateAclsRequestData.Read);
        KafkaCodec.AssertRoundTrips(new CreateAclsResponseData([new(ErrorCode.None), new(ErrorCode.InvalidRequest, "no")], 3), version, CreateAclsResponseData.Read);
        KafkaCodec.AssertRoundTrips(new DescribeAclsRequestData(filter), version, DescribeAclsRequestData.Read);
        KafkaCodec.AssertRoundTrips(new DescribeAclsResponseData(ErrorCode.None, null,
            [new(TopicResource, "t", acl.PatternType, [new("User:a", "*", ReadOperation, Allow)])]), version, DescribeAclsResponseData.Read);
        KafkaCodec.AssertRoundTrips(new DeleteAclsRequestData([filter, acl]), version, DeleteAclsRequestData.Read);
        KafkaCodec.AssertRoundTrips(new DeleteAclsResponseData([new(ErrorCode.None, null, [new(ErrorCode.None, null, acl)])]), version, DeleteAclsResponseData.Read);
    }

    [Fact]
    public void A_v1_CreateAcls_request_matches_bytes_written_by_hand_from_the_schema()
    {
        var writer = new KafkaWriter();
        new CreateAclsRequestData([Acl]).Write(writer, 1);
        Assert.Equal([
            0, 0, 0, 1, // one creation
            2, 0, 1, (byte)'t', 4, // TOPIC, "t", PREFIXED
            0, 6, (byte)'U', (byte)'s', (byte)'e', (byte)'r', (byte)':', (byte)'a', 0, 1, (byte)'*', // principal, host
            3, 3, // READ, ALLOW
        ], writer.ToArray());
    }

    [Fact]
    public void A_v2_DescribeAcls_request_is_flexible_with_compact_nullable_strings()
    {
        var writer = new KafkaWriter();
        new DescribeAclsRequestData(Filter).Write(writer, 2);
        // ANY, null name, ANY pattern, null principal, null host, ANY operation, ANY permission, no tagged fields
        Assert.Equal([1, 0, 1, 0, 0, 1, 1, 0], writer.ToArray());
    }

    [Fact]
    public void A_v0_DeleteAcls_response_matches_bytes_written_by_hand_from_the_schema()
    {
        var writer = new KafkaWriter();
        new DeleteAclsResponseData([new(ErrorCode.None, null, [new(ErrorCode.None, null, Acl with { PatternType = LiteralPattern })])]).Write(writer, 0);
        Assert.Equal([
            0, 0, 0, 0, // throttle
            0, 0, 0, 1, 0, 0, 0xFF, 0xFF, // one filter result: no error, null message
            0, 0, 0, 1, 0, 0, 0xFF, 0xFF, // one matching ACL: no error, null message
            2, 0, 1, (byte)'t', // TOPIC "t" (no pattern type at v0)
            0, 6, (byte)'U', (byte)'s', (byte)'e', (byte)'r', (byte)':', (byte)'a', 0, 1, (byte)'*',
            3, 3,
        ], writer.ToArray());
    }
}
