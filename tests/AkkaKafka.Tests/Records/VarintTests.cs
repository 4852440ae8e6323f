using AkkaKafka.Protocol.Records;
using Xunit;

namespace AkkaKafka.Tests.Records;

[Trait("Speed", "Fast")]
public sealed class VarintTests
{
    [Theory]
    [InlineData(0, "00")]
    [InlineData(-1, "01")]
    [InlineData(1, "02")]
    [InlineData(63, "7E")]
    [InlineData(-64, "7F")]
    [InlineData(64, "8001")]
    [InlineData(300, "D804")]
    [InlineData(int.MaxValue, "FEFFFFFF0F")]
    [InlineData(int.MinValue, "FFFFFFFF0F")]
    public void Varints_are_zigzag_encoded_like_Kafka(int value, string hex)
    {
        var buffer = new byte[5];
        int written = Varint.WriteVarint(buffer, value);

        Assert.Equal(hex, Convert.ToHexString(buffer, 0, written));
        Assert.Equal(written, Varint.SizeOfVarint(value));
        int position = 0;
        Assert.Equal(value, Varint.ReadVarint(buffer.AsSpan(0, written), ref position));
        Assert.Equal(written, position);
    }

    [Theory]
    [InlineData(0L, "00")]
    [InlineData(-1L, "01")]
    [InlineData(1_700_000_000_000L, "80A0ABFEF962")]
    [InlineData(long.MaxValue, "FEFFFFFFFFFFFFFFFF01")]
    [InlineData(long.MinValue, "FFFFFFFFFFFFFFFFFF01")]
    public void Varlongs_are_zigzag_encoded_like_Kafka(long value, string hex)
    {
        var buffer = new byte[10];
        int written = Varint.WriteVarlong(buffer, value);

        Assert.Equal(hex, Convert.ToHexString(buffer, 0, written));
        Assert.Equal(written, Varint.SizeOfVarlong(value));
        int position = 0;
        Assert.Equal(value, Varint.ReadVarlong(buffer.AsSpan(0, written), ref position));
        Assert.Equal(written, position);
    }

    [Fact]
    public void Every_power_of_two_boundary_round_trips_with_the_predicted_size()
    {
        var buffer = new byte[10];
        for (int shift = 0; shift < 63; shift++)
        {
            foreach (long value in new[] { 1L << shift, (1L << shift) - 1, -(1L << shift), -(1L << shift) + 1 })
            {
                int written = Varint.WriteVarlong(buffer, value);
                Assert.Equal(Varint.SizeOfVarlong(value), written);
                int position = 0;
                Assert.Equal(value, Varint.ReadVarlong(buffer, ref position));

                if (value is >= int.MinValue and <= int.MaxValue)
                {
                    written = Varint.WriteVarint(buffer, (int)value);
                    Assert.Equal(Varint.SizeOfVarint((int)value), written);
                    position = 0;
                    Assert.Equal((int)value, Varint.ReadVarint(buffer, ref position));
                }
            }
        }
    }

    [Fact]
    public void Reading_advances_through_consecutive_values()
    {
        byte[] bytes = Convert.FromHexString("0102D804");
        int position = 0;

        Assert.Equal(-1, Varint.ReadVarint(bytes, ref position));
        Assert.Equal(1, Varint.ReadVarint(bytes, ref position));
        Assert.Equal(300L, Varint.ReadVarlong(bytes, ref position));
        Assert.Equal(4, position);
    }

    [Theory]
    [InlineData("")]
    [InlineData("80")]
    [InlineData("FFFF")]
    public void Truncated_varints_throw_CorruptRecordException(string hex)
    {
        int position = 0;
        Assert.Throws<CorruptRecordException>(() => Varint.ReadVarint(Convert.FromHexString(hex), ref position));
        position = 0;
        Assert.Throws<CorruptRecordException>(() => Varint.ReadVarlong(Convert.FromHexString(hex), ref position));
    }

    [Theory]
    [InlineData("808080808000")]
    [InlineData("FFFFFFFF1F")]
    public void Overlong_varints_throw_CorruptRecordException(string hex)
    {
        int position = 0;
        Assert.Throws<CorruptRecordException>(() => Varint.ReadVarint(Convert.FromHexString(hex), ref position));
    }

    [Theory]
    [InlineData("8080808080808080808000")]
    [InlineData("FFFFFFFFFFFFFFFFFF03")]
    public void Overlong_varlongs_throw_CorruptRecordException(string hex)
    {
        int position = 0;
        Assert.Throws<CorruptRecordException>(() => Varint.ReadVarlong(Convert.FromHexString(hex), ref position));
    }

    [Fact]
    public void Writing_into_a_too_small_buffer_throws_instead_of_writing_half_a_value()
    {
        Assert.Throws<ArgumentException>(() => Varint.WriteVarint(new byte[1], 300));
        Assert.Throws<ArgumentException>(() => Varint.WriteVarlong(new byte[9], long.MinValue));
    }
}
