using System.Text;

namespace AkkaKafka.Protocol.Records;

/// <summary>
/// Parses the records section of a v2 batch (DefaultRecord.java). Parsing validates every length without allocating,
/// so the validator can walk untrusted input cheaply; materialising into <see cref="Record"/> is a separate step.
/// </summary>
internal static class RecordReader
{
    /// <summary>Where one record's fields sit in the buffer; a length of -1 means null.</summary>
    internal readonly record struct ParsedRecord(
        long TimestampDelta,
        int OffsetDelta,
        int KeyStart,
        int KeyLength,
        int ValueStart,
        int ValueLength,
        int HeadersStart,
        int HeaderCount);

    /// <summary>Parses the length-prefixed record at <paramref name="position"/> and moves past it.</summary>
    /// <exception cref="CorruptRecordException">On any malformed or overrunning field.</exception>
    internal static ParsedRecord Parse(ReadOnlySpan<byte> src, ref int position)
    {
        int start = position;
        int bodySize = Varint.ReadVarint(src, ref position);
        if (bodySize < 1)
        {
            throw new CorruptRecordException($"Record at byte {start} has invalid size {bodySize}.");
        }

        if (bodySize > src.Length - position)
        {
            throw new CorruptRecordException(
                $"Record at byte {start} declares {bodySize} bytes but only {src.Length - position} remain.");
        }

        int end = position + bodySize;

        // Reading from a span cut at the record's end turns any field overrun into a CorruptRecordException.
        ReadOnlySpan<byte> body = src[..end];
        int pos = position + 1; // attributes byte: unused in v2
        long timestampDelta = Varint.ReadVarlong(body, ref pos);
        int offsetDelta = Varint.ReadVarint(body, ref pos);
        int keyLength = ReadBytesField(body, ref pos, start, "key", out int keyStart);
        int valueLength = ReadBytesField(body, ref pos, start, "value", out int valueStart);

        int headerCount = Varint.ReadVarint(body, ref pos);
        if (headerCount < 0)
        {
            throw new CorruptRecordException($"Record at byte {start} has negative header count {headerCount}.");
        }

        int headersStart = pos;
        for (int i = 0; i < headerCount; i++)
        {
            int headerKeyLength = ReadBytesField(body, ref pos, start, "header key", out _);
            if (headerKeyLength < 0)
            {
                throw new CorruptRecordException($"Record at byte {start} has a header with a null key.");
            }

            ReadBytesField(body, ref pos, start, "header value", out _);
        }

        if (pos != end)
        {
            throw new CorruptRecordException(
                $"Record at byte {start} declares {bodySize} bytes but its fields use {pos - position}.");
        }

        position = end;
        return new ParsedRecord(timestampDelta, offsetDelta, keyStart, keyLength, valueStart, valueLength, headersStart, headerCount);
    }

    /// <summary>Copies a parsed record out of the buffer (the buffer may be pooled or reused afterwards).</summary>
    internal static Record Materialize(ReadOnlySpan<byte> src, in ParsedRecord parsed, long offset, long timestamp)
    {
        byte[]? key = Slice(src, parsed.KeyStart, parsed.KeyLength);
        byte[]? value = Slice(src, parsed.ValueStart, parsed.ValueLength);

        IReadOnlyList<RecordHeader> headers = Array.Empty<RecordHeader>();
        if (parsed.HeaderCount > 0)
        {
            var list = new RecordHeader[parsed.HeaderCount];
            int pos = parsed.HeadersStart;
            for (int i = 0; i < list.Length; i++)
            {
                // Already validated by Parse, so these reads cannot fail.
                int keyLength = Varint.ReadVarint(src, ref pos);
                string headerKey = Encoding.UTF8.GetString(src.Slice(pos, keyLength));
                pos += keyLength;
                int valueLength = Varint.ReadVarint(src, ref pos);
                byte[]? headerValue = Slice(src, pos, valueLength);
                pos += Math.Max(valueLength, 0);
                list[i] = new RecordHeader(headerKey, headerValue);
            }

            headers = list;
        }

        return new Record(offset, timestamp, key, value, headers);
    }

    private static int ReadBytesField(ReadOnlySpan<byte> body, ref int pos, int recordStart, string field, out int fieldStart)
    {
        int length = Varint.ReadVarint(body, ref pos);
        fieldStart = pos;
        if (length == -1)
        {
            return -1;
        }

        if (length < -1)
        {
            throw new CorruptRecordException($"Record at byte {recordStart} has invalid {field} length {length}.");
        }

        if (length > body.Length - pos)
        {
            throw new CorruptRecordException(
                $"Record at byte {recordStart} has a {field} of {length} bytes that runs past the record.");
        }

        pos += length;
        return length;
    }

    private static byte[]? Slice(ReadOnlySpan<byte> src, int start, int length) =>
        length < 0 ? null : src.Slice(start, length).ToArray();
}
