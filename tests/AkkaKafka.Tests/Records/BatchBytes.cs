using System.Buffers.Binary;
using System.IO.Compression;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Tests.Records;

/// <summary>Test-only helpers for crafting batches the production builder never writes (compressed, corrupted).</summary>
internal static class BatchBytes
{
    /// <summary>Recomputes the CRC after a test edits bytes inside the CRC'd range.</summary>
    public static void FixCrc(byte[] batch) =>
        BinaryPrimitives.WriteUInt32BigEndian(batch.AsSpan(17), Crc32C.Compute(batch.AsSpan(21)));

    /// <summary>Re-encodes a built uncompressed batch with its records section gzip-compressed (codec 1).</summary>
    public static byte[] Gzip(byte[] uncompressedBatch)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(uncompressedBatch, RecordBatch.HeaderSize, uncompressedBatch.Length - RecordBatch.HeaderSize);
        }

        var batch = new byte[RecordBatch.HeaderSize + compressed.Length];
        uncompressedBatch.AsSpan(0, RecordBatch.HeaderSize).CopyTo(batch);
        compressed.ToArray().CopyTo(batch, RecordBatch.HeaderSize);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(8), batch.Length - 12);
        BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(21), 1);
        FixCrc(batch);
        return batch;
    }

    public static byte[] Utf8(string s) => System.Text.Encoding.UTF8.GetBytes(s);
}
