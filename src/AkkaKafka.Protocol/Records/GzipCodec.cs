using System.IO.Compression;
using System.Runtime.InteropServices;

namespace AkkaKafka.Protocol.Records;

/// <summary>Gzip (codec 1) as Kafka uses it: the whole records section is one gzip stream.</summary>
internal static class GzipCodec
{
    /// <summary>
    /// Largest inflated records section accepted: a few MiB of compressed input must not become gigabytes of memory
    /// (a "gzip bomb"). Generous next to the brokers' 4 MiB batch limit.
    /// </summary>
    internal const int MaxInflatedBytes = 64 * 1024 * 1024;

    /// <exception cref="CorruptRecordException">When the stream is not valid gzip.</exception>
    internal static ReadOnlyMemory<byte> Decompress(ReadOnlyMemory<byte> compressed)
    {
        // Wrap the existing array when there is one, to avoid copying the compressed bytes.
        MemoryStream input = MemoryMarshal.TryGetArray(compressed, out ArraySegment<byte> segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(compressed.ToArray(), writable: false);

        try
        {
            using (input)
            using (var gzip = new GZipStream(input, CompressionMode.Decompress))
            {
                // Text-like payloads typically inflate a few times; the cap keeps a tiny bomb from pre-allocating much.
                var output = new MemoryStream((int)Math.Clamp(compressed.Length * 4L, 256, 1 << 20));
                var chunk = new byte[81920];
                int read;
                while ((read = gzip.Read(chunk, 0, chunk.Length)) > 0)
                {
                    if (output.Length + read > MaxInflatedBytes)
                        throw new CorruptRecordException($"Gzip records section inflates beyond {MaxInflatedBytes / (1024 * 1024)} MiB.");
                    output.Write(chunk, 0, read);
                }
                return new ReadOnlyMemory<byte>(output.GetBuffer(), 0, (int)output.Length);
            }
        }
        catch (InvalidDataException ex)
        {
            throw new CorruptRecordException($"Gzip records section does not decompress: {ex.Message}", ex);
        }
    }
}
