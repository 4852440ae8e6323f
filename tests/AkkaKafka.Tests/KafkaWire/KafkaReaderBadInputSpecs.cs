using AkkaKafka.Protocol.Kafka;
using Xunit;

namespace AkkaKafka.Tests.KafkaWire;

/// <summary>
/// Lengths an unsigned varint can carry but an int32 cannot (found by the Kafka listener fuzzer): the reader refuses
/// them as malformed, which closes the client's connection, instead of overflowing, which escaped the listener as an
/// unhandled exception.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class KafkaReaderBadInputSpecs
{
    [Fact]
    public void A_tagged_field_whose_size_is_past_int32_is_a_protocol_error()
    {
        // ApiVersions v3: compact "fuzz", compact "1.0", then one tagged field (tag 0) of 2^32-1 bytes.
        byte[] body = [5, .. "fuzz"u8, 4, .. "1.0"u8, 1, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F];
        var e = Assert.Throws<KafkaProtocolException>(() => Read(ApiKey.ApiVersions, 3, body));
        Assert.Contains("tagged field", e.Message);
    }

    [Fact]
    public void A_compact_length_past_int32_is_a_protocol_error()
    {
        // ApiVersions v3 whose client software name claims 2^31 bytes (varint 2^31 + 1).
        byte[] body = [0x81, 0x80, 0x80, 0x80, 0x08, .. "fuzz"u8];
        var e = Assert.Throws<KafkaProtocolException>(() => Read(ApiKey.ApiVersions, 3, body));
        Assert.Contains("compact length", e.Message);
    }

    [Fact]
    public void The_largest_compact_length_an_int32_holds_still_reads_as_a_length_and_fails_only_as_truncated()
    {
        // 2^31 encoded (length 2^31 - 1 = int.MaxValue): a length, just not one these few bytes can satisfy.
        byte[] body = [0x80, 0x80, 0x80, 0x80, 0x08, .. "fuzz"u8];
        var e = Assert.Throws<KafkaProtocolException>(() => Read(ApiKey.ApiVersions, 3, body));
        Assert.Contains("truncated", e.Message);
    }

    private static void Read(ApiKey key, short version, byte[] body)
    {
        var reader = new KafkaReader(body);
        KafkaRequests.Read(key, version, ref reader);
    }
}
