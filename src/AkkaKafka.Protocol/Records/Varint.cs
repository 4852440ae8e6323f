using System.Numerics;

namespace AkkaKafka.Protocol.Records;

/// <summary>
/// Zigzag-encoded base-128 varints, the way Kafka's v2 record format (and protobuf's sint32/sint64) writes them:
/// small magnitudes of either sign take one byte, which is why -1 ("null") is the single byte 0x01.
/// </summary>
public static class Varint
{
    /// <summary>Longest encoding of a 32-bit value.</summary>
    private const int MaxVarintBytes = 5;

    /// <summary>Longest encoding of a 64-bit value.</summary>
    private const int MaxVarlongBytes = 10;

    /// <summary>Bytes needed to encode <paramref name="value"/> as a zigzag varint (1..5).</summary>
    public static int SizeOfVarint(int value)
    {
        // Every 7 significant bits cost one byte; "| 1" keeps Log2 defined for zero.
        return BitOperations.Log2(ZigZag(value) | 1u) / 7 + 1;
    }

    /// <summary>Bytes needed to encode <paramref name="value"/> as a zigzag varlong (1..10).</summary>
    public static int SizeOfVarlong(long value)
    {
        return BitOperations.Log2(ZigZag(value) | 1ul) / 7 + 1;
    }

    /// <summary>Writes <paramref name="value"/> at the start of <paramref name="dest"/>; returns the bytes written.</summary>
    /// <exception cref="ArgumentException">When <paramref name="dest"/> is too small.</exception>
    public static int WriteVarint(Span<byte> dest, int value)
    {
        uint v = ZigZag(value);
        if (dest.Length < SizeOfVarint(value))
        {
            throw new ArgumentException($"Destination needs {SizeOfVarint(value)} bytes for varint {value}.", nameof(dest));
        }

        int i = 0;
        while (v >= 0x80)
        {
            dest[i++] = (byte)(v | 0x80);
            v >>= 7;
        }

        dest[i++] = (byte)v;
        return i;
    }

    /// <summary>Writes <paramref name="value"/> at the start of <paramref name="dest"/>; returns the bytes written.</summary>
    /// <exception cref="ArgumentException">When <paramref name="dest"/> is too small.</exception>
    public static int WriteVarlong(Span<byte> dest, long value)
    {
        ulong v = ZigZag(value);
        if (dest.Length < SizeOfVarlong(value))
        {
            throw new ArgumentException($"Destination needs {SizeOfVarlong(value)} bytes for varlong {value}.", nameof(dest));
        }

        int i = 0;
        while (v >= 0x80)
        {
            dest[i++] = (byte)(v | 0x80);
            v >>= 7;
        }

        dest[i++] = (byte)v;
        return i;
    }

    /// <summary>Reads a zigzag varint at <paramref name="position"/> and advances it past the encoding.</summary>
    /// <exception cref="CorruptRecordException">When the input ends mid-varint or the encoding exceeds 32 bits.</exception>
    public static int ReadVarint(ReadOnlySpan<byte> src, ref int position)
    {
        uint raw = 0;
        int pos = position;
        for (int i = 0; i < MaxVarintBytes; i++)
        {
            if ((uint)pos >= (uint)src.Length)
            {
                throw new CorruptRecordException($"Truncated varint at byte {position}.");
            }

            byte b = src[pos++];
            if (i == MaxVarintBytes - 1 && b > 0x0F)
            {
                // The fifth byte carries only bits 28..31; anything above would be silently lost.
                throw new CorruptRecordException($"Varint at byte {position} is longer than 5 bytes or overflows 32 bits.");
            }

            raw |= (uint)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                position = pos;
                return (int)(raw >> 1) ^ -(int)(raw & 1);
            }
        }

        throw new CorruptRecordException($"Varint at byte {position} is longer than 5 bytes.");
    }

    /// <summary>Reads a zigzag varlong at <paramref name="position"/> and advances it past the encoding.</summary>
    /// <exception cref="CorruptRecordException">When the input ends mid-varlong or the encoding exceeds 64 bits.</exception>
    public static long ReadVarlong(ReadOnlySpan<byte> src, ref int position)
    {
        ulong raw = 0;
        int pos = position;
        for (int i = 0; i < MaxVarlongBytes; i++)
        {
            if ((uint)pos >= (uint)src.Length)
            {
                throw new CorruptRecordException($"Truncated varlong at byte {position}.");
            }

            byte b = src[pos++];
            if (i == MaxVarlongBytes - 1 && b > 0x01)
            {
                // The tenth byte carries only bit 63.
                throw new CorruptRecordException($"Varlong at byte {position} is longer than 10 bytes or overflows 64 bits.");
            }

            raw |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                position = pos;
                return (long)(raw >> 1) ^ -(long)(raw & 1);
            }
        }

        throw new CorruptRecordException($"Varlong at byte {position} is longer than 10 bytes.");
    }

    private static uint ZigZag(int value) => (uint)((value << 1) ^ (value >> 31));

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));
}
