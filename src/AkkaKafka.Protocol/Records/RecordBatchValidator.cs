using System.Buffers.Binary;

namespace AkkaKafka.Protocol.Records;

/// <summary>
/// Checks untrusted bytes (e.g. a produce request's records) before they reach the log, reporting the first
/// problem as one readable line instead of throwing, so the broker can answer CORRUPT_MESSAGE and log why.
/// </summary>
public static class RecordBatchValidator
{
    /// <summary>
    /// Returns null when <paramref name="batchBytes"/> is exactly one well-formed v2 batch, else the reason it is not.
    /// Every record is walked, after inflating the section for gzip, snappy, lz4 and zstd batches (bounded, see
    /// <see cref="CompressionCodecs.MaxInflatedBytes"/>).
    /// </summary>
    public static string? Validate(ReadOnlySpan<byte> batchBytes) => Validate(batchBytes, out _);

    /// <summary>
    /// As <see cref="Validate(ReadOnlySpan{byte})"/>, and gives the largest timestamp the records carry, which is
    /// what the header's maxTimestamp should say for a CreateTime batch. The header's own figure is not checked:
    /// clients get it wrong (Sarama sends -1), so the broker rewrites it (<see cref="RecordBatch.SetMaxTimestamp"/>).
    /// </summary>
    public static string? Validate(ReadOnlySpan<byte> batchBytes, out long recordsMaxTimestamp)
    {
        recordsMaxTimestamp = -1;
        if (batchBytes.Length < RecordBatch.HeaderSize)
        {
            return $"batch is {batchBytes.Length} bytes, shorter than the {RecordBatch.HeaderSize}-byte v2 header";
        }

        long declared = BinaryPrimitives.ReadInt32BigEndian(batchBytes[RecordBatchLayout.LengthOffset..]);
        long actual = batchBytes.Length - RecordBatchLayout.LogOverhead;
        if (declared != actual)
        {
            return declared < actual
                ? $"length field does not match buffer size: it says {declared} bytes but {actual} follow it ({actual - declared} trailing bytes)"
                : $"length field does not match buffer size: it says {declared} bytes but only {actual} follow it (truncated)";
        }

        byte magic = batchBytes[RecordBatchLayout.MagicOffset];
        if (magic != RecordBatchLayout.Magic)
        {
            return $"magic is {magic}, expected 2 (only the v2 record batch format is supported)";
        }

        uint storedCrc = BinaryPrimitives.ReadUInt32BigEndian(batchBytes[RecordBatchLayout.CrcOffset..]);
        uint computedCrc = Crc32C.Compute(batchBytes[RecordBatchLayout.AttributesOffset..]);
        if (storedCrc != computedCrc)
        {
            return $"CRC mismatch: header says 0x{storedCrc:X8}, bytes give 0x{computedCrc:X8}";
        }

        int codec = BinaryPrimitives.ReadInt16BigEndian(batchBytes[RecordBatchLayout.AttributesOffset..]) & RecordBatchLayout.CompressionCodecMask;
        if (codec > 4)
        {
            return $"attributes name unknown compression codec {codec}";
        }

        int recordCount = BinaryPrimitives.ReadInt32BigEndian(batchBytes[RecordBatchLayout.RecordCountOffset..]);
        if (recordCount < 1)
        {
            return $"recordCount is {recordCount}, expected at least 1";
        }

        int lastOffsetDelta = BinaryPrimitives.ReadInt32BigEndian(batchBytes[RecordBatchLayout.LastOffsetDeltaOffset..]);
        if (lastOffsetDelta != recordCount - 1)
        {
            return $"lastOffsetDelta is {lastOffsetDelta} but recordCount is {recordCount} (expected {recordCount - 1})";
        }

        long baseTimestamp = BinaryPrimitives.ReadInt64BigEndian(batchBytes[RecordBatchLayout.BaseTimestampOffset..]);
        ReadOnlySpan<byte> section = batchBytes[RecordBatchLayout.RecordsOffset..];
        if (codec == 0)
        {
            return WalkRecords(section, recordCount, baseTimestamp, out recordsMaxTimestamp);
        }

        ReadOnlyMemory<byte> inflated;
        try
        {
            // The codecs read from memory; validation is the one place that starts from a span, so it copies once.
            inflated = CompressionCodecs.Decompress((CompressionType)codec, section.ToArray());
        }
        catch (CorruptRecordException ex)
        {
            return ex.Message;
        }

        return WalkRecords(inflated.Span, recordCount, baseTimestamp, out recordsMaxTimestamp);
    }

    private static string? WalkRecords(ReadOnlySpan<byte> records, int recordCount, long baseTimestamp, out long maxTimestamp)
    {
        maxTimestamp = -1;
        int position = 0;
        for (int i = 0; i < recordCount; i++)
        {
            if (position >= records.Length)
            {
                return $"records end after {i} of the declared {recordCount}";
            }

            try
            {
                RecordReader.ParsedRecord parsed = RecordReader.Parse(records, ref position);
                if (parsed.OffsetDelta != i)
                {
                    return $"record {i} has offsetDelta {parsed.OffsetDelta}, expected {i}";
                }

                maxTimestamp = Math.Max(maxTimestamp, baseTimestamp + parsed.TimestampDelta);
            }
            catch (CorruptRecordException ex)
            {
                return $"record {i} does not parse: {ex.Message}";
            }
        }

        return position == records.Length
            ? null
            : $"{records.Length - position} trailing bytes after the last of {recordCount} records";
    }
}
