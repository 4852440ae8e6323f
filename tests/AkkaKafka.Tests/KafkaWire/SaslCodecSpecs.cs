using System.Text;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;
using static AkkaKafka.Tests.KafkaWire.KafkaCodec;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class SaslCodecSpecs
{
    private static readonly byte[] ClientFirst = Encoding.UTF8.GetBytes("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Handshakes_round_trip_at_every_version(short version)
    {
        AssertRoundTrips(new SaslHandshakeRequestData("SCRAM-SHA-256"), version, SaslHandshakeRequestData.Read);
        AssertRoundTrips(new SaslHandshakeResponseData(ErrorCode.UnsupportedSaslMechanism, ["SCRAM-SHA-256", "PLAIN"]), version, SaslHandshakeResponseData.Read);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Authenticate_requests_and_responses_round_trip_at_every_version(short version)
    {
        AssertRoundTrips(new SaslAuthenticateRequestData(ClientFirst), version, SaslAuthenticateRequestData.Read);
        AssertRoundTrips(new SaslAuthenticateResponseData(ErrorCode.SaslAuthenticationFailed, "Authentication failed", ReadOnlyMemory<byte>.Empty), version,
            SaslAuthenticateResponseData.Read);
        AssertRoundTrips(new SaslAuthenticateResponseData(ErrorCode.None, null, "v=6rri"u8.ToArray(), version >= 1 ? 3_600_000 : 0), version,
            SaslAuthenticateResponseData.Read);
    }

    [Fact]
    public void A_handshake_is_laid_out_as_the_schema_says()
    {
        var reader = new KafkaReader(Hex("""
            0005 504c41494e   // mechanism "PLAIN"
            """));
        Assert.Equal(new SaslHandshakeRequestData("PLAIN"), SaslHandshakeRequestData.Read(ref reader, 1));
        Assert.Equal(0, reader.Remaining);

        Assert.Equal(Hex("""
            0021              // UNSUPPORTED_SASL_MECHANISM
            00000001          // one mechanism
            0005 504c41494e   // "PLAIN"
            """), Write(new SaslHandshakeResponseData(ErrorCode.UnsupportedSaslMechanism, ["PLAIN"]), 1));
    }

    [Fact]
    public void A_v2_authenticate_uses_compact_bytes_and_tagged_fields_and_a_v1_response_carries_the_session_lifetime()
    {
        var reader = new KafkaReader(Hex("""
            04 616263         // auth_bytes "abc" (compact: length + 1)
            00                // no tagged fields
            """));
        Assert.Equal("abc", Encoding.UTF8.GetString(SaslAuthenticateRequestData.Read(ref reader, 2).AuthBytes.Span));
        Assert.Equal(0, reader.Remaining);

        Assert.Equal(Hex("""
            003a              // SASL_AUTHENTICATION_FAILED
            0002 6e6f         // error_message "no"
            00000000          // auth_bytes: empty
            0000000000000000  // session_lifetime_ms 0
            """), Write(new SaslAuthenticateResponseData(ErrorCode.SaslAuthenticationFailed, "no", ReadOnlyMemory<byte>.Empty), 1));
    }

    [Fact]
    public void Truncated_bodies_are_a_protocol_error_not_a_crash()
    {
        AssertEveryPrefixThrows(new SaslHandshakeRequestData("SCRAM-SHA-512"), 1, SaslHandshakeRequestData.Read);
        AssertEveryPrefixThrows(new SaslAuthenticateRequestData(ClientFirst), 2, SaslAuthenticateRequestData.Read);
        AssertEveryPrefixThrows(new SaslAuthenticateRequestData(ClientFirst), 0, SaslAuthenticateRequestData.Read);
        AssertEveryPrefixThrows(new SaslAuthenticateResponseData(ErrorCode.None, null, "v=abc"u8.ToArray(), 1), 2, SaslAuthenticateResponseData.Read);
    }

    [Fact]
    public void The_sasl_apis_are_advertised_only_where_sasl_is_on()
    {
        Assert.Contains(ApiVersionsResponseData.Advertised(withSasl: true).ApiKeys, k => k.ApiKey == (short)ApiKey.SaslHandshake && k.MaxVersion == 1);
        Assert.Contains(ApiVersionsResponseData.Advertised(withSasl: true).ApiKeys, k => k.ApiKey == (short)ApiKey.SaslAuthenticate && k.MaxVersion == 2);
        Assert.DoesNotContain(ApiVersionsResponseData.Advertised(withSasl: false).ApiKeys, k => KafkaApis.IsSasl((ApiKey)k.ApiKey));
    }
}
