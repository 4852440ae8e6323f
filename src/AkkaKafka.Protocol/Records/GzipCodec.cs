using System.IO.Compression;

namespace AkkaKafka.Protocol.Records;

/// <summary>Gzip (codec 1) as Kafka uses it: the whole records section is one gzip stream.</summary>
internal static class GzipCodec
{
    /// <exception cref="CorruptRecordException">When the stream is not valid gzip or inflates beyond the limit.</exception>
    internal static ReadOnlyMemory<byte> Decompress(ReadOnlyMemory<byte> compressed) =>
        CompressionCodecs.ReadBounded("gzip", compressed.Length,
            () => new GZipStream(CompressionCodecs.AsStream(compressed), CompressionMode.Decompress));

    internal static byte[] Compress(ReadOnlySpan<byte> uncompressed)
    {
        var output = new MemoryStream();
        // Kafka's default gzip level is zlib's default (6), which .NET calls Optimal.
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(uncompressed);
        }

        return output.ToArray();
    }
}
