using System.Buffers.Binary;
using System.Numerics;

namespace AkkaKafka.Protocol.Records;

/// <summary>
/// CRC-32C (Castagnoli), the checksum of Kafka's v2 record batches (java.util.zip.CRC32C):
/// initial value 0xFFFFFFFF and a final inversion, reflected polynomial 0x82F63B78.
/// </summary>
public static class Crc32C
{
    /// <summary>Checksum of <paramref name="data"/>; "123456789" gives 0xE3069283.</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;

        // BitOperations.Crc32C maps to the SSE4.2 / ARMv8 CRC32C instruction (software fallback elsewhere);
        // eight bytes per step is the widest form it offers. Little-endian order matches the byte-wise result.
        while (data.Length >= sizeof(ulong))
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }

        foreach (byte b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }
}
