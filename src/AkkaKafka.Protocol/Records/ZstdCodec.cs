using ZstdSharp;

namespace AkkaKafka.Protocol.Records;

/// <summary>Zstandard (codec 4): the records section is standard zstd frames (KIP-110).</summary>
internal static class ZstdCodec
{
    /// <summary>Kafka's default zstd level (CompressionType.ZSTD default level, zstd's own default).</summary>
    private const int KafkaDefaultLevel = 3;

    /// <exception cref="CorruptRecordException">When the bytes are not zstd frames or inflate beyond the limit.</exception>
    internal static ReadOnlyMemory<byte> Decompress(ReadOnlyMemory<byte> compressed) =>
        // A stream rather than one-shot Unwrap: Java's zstd-jni writes frames without a content size, and the
        // stream lets the bound be enforced as bytes come out.
        CompressionCodecs.ReadBounded("zstd", compressed.Length,
            () => new DecompressionStream(CompressionCodecs.AsStream(compressed)));

    internal static byte[] Compress(ReadOnlySpan<byte> uncompressed)
    {
        using var compressor = new Compressor(KafkaDefaultLevel);
        return compressor.Wrap(uncompressed).ToArray();
    }
}
