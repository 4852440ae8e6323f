using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class ScramCredentialsCodecSpecs
{
    [Fact]
    public void Requests_and_responses_round_trip_at_v0()
    {
        KafkaCodec.AssertRoundTrips(new DescribeUserScramCredentialsRequestData(null), 0, DescribeUserScramCredentialsRequestData.Read);
        KafkaCodec.AssertRoundTrips(new DescribeUserScramCredentialsRequestData(["a", "b"]), 0, DescribeUserScramCredentialsRequestData.Read);
        KafkaCodec.AssertRoundTrips(new DescribeUserScramCredentialsResponseData(ErrorCode.None, null,
            [new("a", ErrorCode.None, null, [new(KafkaScramMechanisms.ScramSha512, 8192)]), new("b", ErrorCode.ResourceNotFound, "no", [])]), 0,
            DescribeUserScramCredentialsResponseData.Read);
        KafkaCodec.AssertRoundTrips(new AlterUserScramCredentialsRequestData([new("a", KafkaScramMechanisms.ScramSha256)],
            [new("b", KafkaScramMechanisms.ScramSha512, 4096, new byte[] { 1, 2 }, new byte[64])]), 0, AlterUserScramCredentialsRequestData.Read);
        KafkaCodec.AssertRoundTrips(new AlterUserScramCredentialsResponseData([new("a", ErrorCode.None), new("b", ErrorCode.UnacceptableCredential, "x")]), 0,
            AlterUserScramCredentialsResponseData.Read);
    }

    [Fact]
    public void A_v0_AlterUserScramCredentials_request_matches_bytes_written_by_hand_from_the_schema()
    {
        var writer = new KafkaWriter();
        new AlterUserScramCredentialsRequestData([new("a", 1)], [new("b", 2, 4096, new byte[] { 9 }, new byte[] { 7, 8 })]).Write(writer, 0);
        Assert.Equal([
            2, 2, (byte)'a', 1, 0, // one deletion: compact "a", SCRAM-SHA-256, no tags
            2, 2, (byte)'b', 2, 0, 0, 0x10, 0, 2, 9, 3, 7, 8, 0, // one upsertion: "b", SCRAM-SHA-512, 4096, salt [9], salted [7 8], no tags
            0, // no tags
        ], writer.ToArray());
    }

    [Fact]
    public void A_v0_DescribeUserScramCredentials_response_matches_bytes_written_by_hand_from_the_schema()
    {
        var writer = new KafkaWriter();
        new DescribeUserScramCredentialsResponseData(ErrorCode.None, null, [new("a", ErrorCode.None, null, [new(1, 4096)])]).Write(writer, 0);
        Assert.Equal([
            0, 0, 0, 0, 0, 0, 0, // throttle, no error, null message
            2, 2, (byte)'a', 0, 0, 0, // one user: "a", no error, null message
            2, 1, 0, 0, 0x10, 0, 0, // one credential: SCRAM-SHA-256, 4096, no tags
            0, 0, // user's tags, response's tags
        ], writer.ToArray());
    }

    [Fact]
    public void librdkafkas_doubled_empty_tagged_fields_after_an_AlterUserScramCredentials_request_are_read_and_other_trailing_bytes_refused()
    {
        byte[] request = [1, 2, 2, (byte)'b', 1, 0, 0, 0x10, 0, 2, 9, 2, 7, 0, 0]; // no deletions, one upsertion, tags
        var doubled = Decode([.. request, 0]);
        Assert.Equal("b", doubled.Upsertions.Single().Name);
        Assert.Throws<KafkaProtocolException>(() => Decode([.. request, 0, 5]));
    }

    /// <summary>As the listener decodes a body: the API's reader, then nothing may be left.</summary>
    private static AlterUserScramCredentialsRequestData Decode(byte[] body)
    {
        var reader = new KafkaReader(body);
        return (AlterUserScramCredentialsRequestData)KafkaRequests.Read(ApiKey.AlterUserScramCredentials, 0, ref reader);
    }
}
