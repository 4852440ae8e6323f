using System.Buffers.Binary;

namespace AkkaKafka.Protocol.Records;

/// <summary>
/// Splits a buffer of concatenated batches (a log segment slice or a fetch response's records) into batches.
/// </summary>
public static class RecordBatches
{
    /// <summary>
    /// Yields each complete batch in order. A partial batch at the end is skipped silently, because Kafka lets
    /// fetch responses cut the last batch short at max_bytes.
    /// </summary>
    /// <exception cref="CorruptRecordException">While enumerating, when a length field is impossibly small or a complete batch is not magic 2.</exception>
    public static IEnumerable<RecordBatch> Read(ReadOnlyMemory<byte> buffer)
    {
        int position = 0;
        while (buffer.Length - position >= RecordBatchLayout.LogOverhead)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(buffer.Span[(position + RecordBatchLayout.LengthOffset)..]);
            if (length < RecordBatch.HeaderSize - RecordBatchLayout.LogOverhead)
            {
                throw new CorruptRecordException(
                    $"Batch at byte {position} has length {length}, below the minimum {RecordBatch.HeaderSize - RecordBatchLayout.LogOverhead}.");
            }

            long size = (long)length + RecordBatchLayout.LogOverhead;
            if (size > buffer.Length - position)
            {
                yield break;
            }

            ReadOnlyMemory<byte> slice = buffer.Slice(position, (int)size);
            byte magic = slice.Span[RecordBatchLayout.MagicOffset];
            if (magic != RecordBatchLayout.Magic)
            {
                throw new CorruptRecordException($"Batch at byte {position} has magic {magic}; only v2 batches are supported.");
            }

            position += (int)size;
            yield return new RecordBatch(slice);
        }
    }

    /// <summary>
    /// Splits the records of one partition in a produce request into its batches, as slices of the same memory (no
    /// copies). Unlike <see cref="Read"/> nothing may be cut short: every byte must belong to a whole batch. Only the
    /// framing (baseOffset, length) and the magic byte are checked; each slice still needs
    /// <see cref="RecordBatchValidator.Validate"/>.
    /// </summary>
    /// <returns>Null when the buffer is one or more whole v2 batches back to back, else why it is not (for the
    /// CORRUPT_MESSAGE answer and the broker's log); <paramref name="batches"/> is then empty.</returns>
    public static string? Split(ReadOnlyMemory<byte> records, out IReadOnlyList<ReadOnlyMemory<byte>> batches)
    {
        batches = [];
        if (records.IsEmpty)
        {
            return "records are empty: a produce request carries at least one record batch per partition";
        }

        var slices = new List<ReadOnlyMemory<byte>>(1);
        ReadOnlySpan<byte> span = records.Span;
        int position = 0;
        while (position < span.Length)
        {
            int remaining = span.Length - position;
            if (remaining < RecordBatchLayout.LogOverhead)
            {
                return $"{remaining} bytes after batch {slices.Count} are too few for a batch's offset and length";
            }

            int length = BinaryPrimitives.ReadInt32BigEndian(span[(position + RecordBatchLayout.LengthOffset)..]);

            // Old message sets (magic 0 and 1) share the offset and length framing and keep their magic at the same
            // byte, so they are named as what they are rather than as a bad length.
            if (length > RecordBatchLayout.MagicOffset - RecordBatchLayout.LogOverhead && remaining > RecordBatchLayout.MagicOffset
                && span[position + RecordBatchLayout.MagicOffset] is var magic && magic != RecordBatchLayout.Magic)
            {
                return $"batch {slices.Count} at byte {position} has magic {magic}, expected 2 (only the v2 record batch format is supported)";
            }

            if (length < RecordBatch.HeaderSize - RecordBatchLayout.LogOverhead)
            {
                return $"batch {slices.Count} at byte {position} has length {length}, below the minimum {RecordBatch.HeaderSize - RecordBatchLayout.LogOverhead}";
            }

            if (length > remaining - RecordBatchLayout.LogOverhead)
            {
                return $"batch {slices.Count} at byte {position} declares {length} bytes after its length field but only {remaining - RecordBatchLayout.LogOverhead} follow (truncated)";
            }

            slices.Add(records.Slice(position, RecordBatchLayout.LogOverhead + length));
            position += RecordBatchLayout.LogOverhead + length;
        }

        batches = slices;
        return null;
    }

    /// <summary>All records of all complete batches in <paramref name="buffer"/>, in order.</summary>
    public static IEnumerable<Record> ReadRecords(ReadOnlyMemory<byte> buffer) =>
        Read(buffer).SelectMany(batch => batch.Records());
}
