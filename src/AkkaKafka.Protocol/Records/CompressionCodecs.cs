using System.Runtime.InteropServices;

namespace AkkaKafka.Protocol.Records;

/// <summary>
/// The one place that maps a batch's codec to its implementation, so the validator, the reader and the builder
/// cannot disagree about what a codec id means. Every decompressor is bounded and turns any failure into
/// <see cref="CorruptRecordException"/>: the bytes come from the network.
/// </summary>
public static class CompressionCodecs
{
    /// <summary>
    /// Largest inflated records section accepted: a few MiB of compressed input must not become gigabytes of memory
    /// (a "decompression bomb"). Generous next to the brokers' 4 MiB batch limit.
    /// </summary>
    public const int MaxInflatedBytes = 64 * 1024 * 1024;

    /// <summary>The uncompressed records section of a batch whose section is compressed with <paramref name="type"/>.</summary>
    /// <exception cref="CorruptRecordException">When the bytes do not decompress, inflate beyond <see cref="MaxInflatedBytes"/>, or the codec is unknown.</exception>
    public static ReadOnlyMemory<byte> Decompress(CompressionType type, ReadOnlyMemory<byte> compressed) => type switch
    {
        CompressionType.None => compressed,
        CompressionType.Gzip => GzipCodec.Decompress(compressed),
        CompressionType.Snappy => SnappyCodec.Decompress(compressed),
        CompressionType.Lz4 => Lz4Codec.Decompress(compressed),
        CompressionType.Zstd => ZstdCodec.Decompress(compressed),
        _ => throw new CorruptRecordException($"Unknown compression codec {(int)type}."),
    };

    /// <summary>Compresses a records section the way Kafka's Java producer does for <paramref name="type"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">For a codec id Kafka does not define.</exception>
    public static byte[] Compress(CompressionType type, ReadOnlySpan<byte> uncompressed) => type switch
    {
        CompressionType.None => uncompressed.ToArray(),
        CompressionType.Gzip => GzipCodec.Compress(uncompressed),
        CompressionType.Snappy => SnappyCodec.Compress(uncompressed),
        CompressionType.Lz4 => Lz4Codec.Compress(uncompressed),
        CompressionType.Zstd => ZstdCodec.Compress(uncompressed),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Kafka defines codecs 0-4 only."),
    };

    /// <summary>A read-only stream over the bytes, wrapping the existing array when there is one (no copy).</summary>
    internal static MemoryStream AsStream(ReadOnlyMemory<byte> bytes) =>
        MemoryMarshal.TryGetArray(bytes, out ArraySegment<byte> segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(bytes.ToArray(), writable: false);

    /// <summary>
    /// Drains a decompressing stream, refusing to grow past <see cref="MaxInflatedBytes"/>, and wraps whatever the
    /// library throws on malformed input. Libraries differ in what they throw (InvalidDataException, ArgumentException,
    /// their own exception types), so everything but our own exception is treated as "not valid data".
    /// </summary>
    internal static ReadOnlyMemory<byte> ReadBounded(string codec, int compressedLength, Func<Stream> open)
    {
        try
        {
            using Stream decoder = open();
            // Typical payloads inflate a few times; the cap keeps a tiny bomb from pre-allocating much.
            var output = new MemoryStream((int)Math.Clamp(compressedLength * 4L, 256, 1 << 20));
            var chunk = new byte[81920];
            int read;
            while ((read = decoder.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (output.Length + read > MaxInflatedBytes) throw Bomb(codec);
                output.Write(chunk, 0, read);
            }

            return new ReadOnlyMemory<byte>(output.GetBuffer(), 0, (int)output.Length);
        }
        catch (Exception ex) when (ex is not CorruptRecordException and not OutOfMemoryException)
        {
            throw DoesNotDecompress(codec, ex);
        }
    }

    internal static CorruptRecordException Bomb(string codec) =>
        new($"{Capitalized(codec)} records section inflates beyond {MaxInflatedBytes / (1024 * 1024)} MiB.");

    internal static CorruptRecordException DoesNotDecompress(string codec, Exception cause) =>
        new($"{Capitalized(codec)} records section does not decompress: {cause.Message}", cause);

    private static string Capitalized(string codec) => char.ToUpperInvariant(codec[0]) + codec[1..];
}
