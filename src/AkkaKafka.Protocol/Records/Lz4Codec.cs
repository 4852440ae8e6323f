using K4os.Compression.LZ4;
using K4os.Compression.LZ4.Streams;

namespace AkkaKafka.Protocol.Records;

/// <summary>
/// LZ4 (codec 3) as Kafka uses it since KIP-57 (magic 1 and later): the records section is one LZ4 *frame*
/// (magic 0x184D2204, a header with a correct checksum, blocks, an end mark), not a bare LZ4 block.
/// </summary>
internal static class Lz4Codec
{
    /// <summary>What Kafka's Lz4BlockOutputStream writes: 64 KiB independent blocks, no checksums, no content size.</summary>
    private static readonly LZ4EncoderSettings KafkaFrame = new()
    {
        BlockSize = 64 * 1024,
        ChainBlocks = false,
        BlockChecksum = false,
        ContentChecksum = false,
        CompressionLevel = LZ4Level.L00_FAST,
    };

    /// <exception cref="CorruptRecordException">When the bytes are not an LZ4 frame or inflate beyond the limit.</exception>
    internal static ReadOnlyMemory<byte> Decompress(ReadOnlyMemory<byte> compressed) =>
        CompressionCodecs.ReadBounded("lz4", compressed.Length,
            () => LZ4Stream.Decode(CompressionCodecs.AsStream(compressed), extraMemory: 0, leaveOpen: false));

    internal static byte[] Compress(ReadOnlySpan<byte> uncompressed)
    {
        var output = new MemoryStream();
        using (var encoder = LZ4Stream.Encode(output, KafkaFrame, leaveOpen: true))
        {
            encoder.Write(uncompressed);
        }

        return output.ToArray();
    }
}
