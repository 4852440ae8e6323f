using AkkaKafka.Protocol.Records;
using Xunit;

namespace AkkaKafka.Tests.Records;

[Trait("Speed", "Fast")]
public sealed class Crc32CTests
{
    [Fact]
    public void The_check_value_of_123456789_is_E3069283() =>
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));

    [Fact]
    public void The_empty_input_checksums_to_zero() =>
        Assert.Equal(0u, Crc32C.Compute(ReadOnlySpan<byte>.Empty));

    [Theory]
    [InlineData(32, 0x00, 0x8A9136AAu)] // RFC 3720 B.4: 32 bytes of zeros
    [InlineData(32, 0xFF, 0x62A8AB43u)] // RFC 3720 B.4: 32 bytes of 0xFF
    public void Rfc3720_iscsi_vectors_match(int length, byte fill, uint expected)
    {
        byte[] data = Enumerable.Repeat(fill, length).ToArray();
        Assert.Equal(expected, Crc32C.Compute(data));
    }

    [Fact]
    public void Rfc3720_incrementing_bytes_vector_matches()
    {
        byte[] data = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        Assert.Equal(0x46DD794Eu, Crc32C.Compute(data));
    }

    [Fact]
    public void Every_length_agrees_with_a_bitwise_reference()
    {
        var random = new Random(42);
        var data = new byte[300];
        random.NextBytes(data);
        for (int length = 0; length <= data.Length; length++)
        {
            Assert.Equal(Bitwise(data.AsSpan(0, length)), Crc32C.Compute(data.AsSpan(0, length)));
        }
    }

    private static uint Bitwise(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int i = 0; i < 8; i++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
            }
        }

        return ~crc;
    }
}
