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

    /// <summary>All records of all complete batches in <paramref name="buffer"/>, in order.</summary>
    public static IEnumerable<Record> ReadRecords(ReadOnlyMemory<byte> buffer) =>
        Read(buffer).SelectMany(batch => batch.Records());
}
