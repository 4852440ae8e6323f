using System.Buffers.Binary;
using Snappier;

namespace AkkaKafka.Protocol.Records;

/// <summary>
/// Snappy (codec 2) in both shapes found in Kafka logs. Java clients and brokers write the xerial (snappy-java)
/// stream: a 16-byte header (magic 0x82 "SNAPPY" 0x00, int32 version, int32 compatible version), then blocks of an
/// int32 big-endian length and a raw snappy block. librdkafka writes one raw snappy block. Both are read (the
/// header tells them apart, as librdkafka does); xerial is written, since every client reads it.
/// </summary>
internal static class SnappyCodec
{
    private static ReadOnlySpan<byte> XerialMagic => [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0];

    private const int XerialHeaderSize = 16;

    /// <summary>snappy-java's default block size, which Kafka keeps (CompressionType.SNAPPY default block size).</summary>
    private const int XerialBlockSize = 32 * 1024;

    /// <summary>
    /// The most a snappy block can inflate per byte, with margin: literals cost a byte per byte, and the longest copy
    /// (64 bytes) costs a tag of at least 3 bytes, so no block comes to more than 64/3 of its length. A block whose
    /// declared length is beyond that is corrupt, and is refused before its output is allocated: random bytes read as
    /// a length made a 100-byte produce request allocate up to 64 MiB (the fuzzer found it as the broker's memory
    /// growing by hundreds of MiB of large-object heap).
    /// </summary>
    private const int MaxExpansion = 22;

    private static int DeclaredLength(ReadOnlySpan<byte> block)
    {
        int length = Snappy.GetUncompressedLength(block);
        if (length > (long)block.Length * MaxExpansion)
            throw new CorruptRecordException($"Snappy block of {block.Length} bytes declares {length} uncompressed bytes, more than snappy can encode in it.");
        return length;
    }

    /// <exception cref="CorruptRecordException">When the bytes are neither valid xerial nor raw snappy, or inflate beyond the limit.</exception>
    internal static ReadOnlyMemory<byte> Decompress(ReadOnlyMemory<byte> compressed)
    {
        try
        {
            return IsXerial(compressed.Span) ? DecompressXerial(compressed.Span) : DecompressRaw(compressed.Span);
        }
        catch (Exception ex) when (ex is not CorruptRecordException and not OutOfMemoryException)
        {
            throw CompressionCodecs.DoesNotDecompress("snappy", ex);
        }
    }

    internal static byte[] Compress(ReadOnlySpan<byte> uncompressed)
    {
        int blocks = Math.Max(1, (uncompressed.Length + XerialBlockSize - 1) / XerialBlockSize);
        var output = new byte[XerialHeaderSize + blocks * (4 + Snappy.GetMaxCompressedLength(XerialBlockSize))];
        XerialMagic.CopyTo(output);
        BinaryPrimitives.WriteInt32BigEndian(output.AsSpan(8), 1); // version
        BinaryPrimitives.WriteInt32BigEndian(output.AsSpan(12), 1); // compatible version
        int position = XerialHeaderSize;
        for (int start = 0; start < uncompressed.Length; start += XerialBlockSize)
        {
            ReadOnlySpan<byte> block = uncompressed.Slice(start, Math.Min(XerialBlockSize, uncompressed.Length - start));
            int written = Snappy.Compress(block, output.AsSpan(position + 4));
            BinaryPrimitives.WriteInt32BigEndian(output.AsSpan(position), written);
            position += 4 + written;
        }

        return output.AsSpan(0, position).ToArray();
    }

    private static bool IsXerial(ReadOnlySpan<byte> bytes) => bytes.Length >= XerialHeaderSize && bytes.StartsWith(XerialMagic);

    private static ReadOnlyMemory<byte> DecompressRaw(ReadOnlySpan<byte> block)
    {
        // The block starts with its uncompressed length, so the bound is checked before anything is allocated.
        int length = DeclaredLength(block);
        if (length > CompressionCodecs.MaxInflatedBytes) throw CompressionCodecs.Bomb("snappy");
        var output = new byte[length];
        int written = Snappy.Decompress(block, output);
        return output.AsMemory(0, written);
    }

    private static ReadOnlyMemory<byte> DecompressXerial(ReadOnlySpan<byte> stream)
    {
        // First pass: walk the block lengths and sum the declared uncompressed sizes, so a bomb is refused before
        // any block is inflated and the output is allocated once.
        long total = 0;
        int position = 0;
        while (position < stream.Length)
        {
            if (IsXerial(stream[position..]))
            {
                // snappy-java also reads streams written one after another, each with its own header.
                position += XerialHeaderSize;
                continue;
            }

            ReadOnlySpan<byte> block = NextBlock(stream, ref position);
            total += DeclaredLength(block);
            if (total > CompressionCodecs.MaxInflatedBytes) throw CompressionCodecs.Bomb("snappy");
        }

        var output = new byte[total];
        int written = 0;
        position = 0;
        while (position < stream.Length)
        {
            if (IsXerial(stream[position..]))
            {
                position += XerialHeaderSize;
                continue;
            }

            written += Snappy.Decompress(NextBlock(stream, ref position), output.AsSpan(written));
        }

        return output.AsMemory(0, written);
    }

    private static ReadOnlySpan<byte> NextBlock(ReadOnlySpan<byte> stream, ref int position)
    {
        if (stream.Length - position < 4)
            throw new CorruptRecordException($"Snappy records section ends inside a block length at byte {position}.");
        int length = BinaryPrimitives.ReadInt32BigEndian(stream[position..]);
        if (length < 0 || length > stream.Length - position - 4)
            throw new CorruptRecordException($"Snappy block at byte {position} declares {length} bytes but {stream.Length - position - 4} remain.");
        ReadOnlySpan<byte> block = stream.Slice(position + 4, length);
        position += 4 + length;
        return block;
    }
}
