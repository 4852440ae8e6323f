using System.Buffers.Binary;
using System.Text;

namespace AkkaKafka.Protocol.Records;

/// <summary>
/// Accumulates records and writes them as one non-transactional v2 batch with CreateTime timestamps, its records
/// section compressed with the codec chosen at construction (Kafka's producer <c>compression.type</c>).
/// Key/value arrays are referenced, not copied: do not mutate them before <see cref="Build"/>.
/// </summary>
public sealed class RecordBatchBuilder
{
    private readonly List<Entry> _entries = [];
    private readonly CompressionType _compression;
    private long _baseTimestamp;
    private long _maxTimestamp = long.MinValue;
    private long _recordsSize;

    /// <param name="compression">Codec for the records section; the header stays uncompressed, as in Kafka.</param>
    public RecordBatchBuilder(CompressionType compression = CompressionType.None)
    {
        if (compression > CompressionType.Zstd)
        {
            throw new ArgumentOutOfRangeException(nameof(compression), compression, "Kafka defines codecs 0-4 only.");
        }

        _compression = compression;
    }

    /// <summary>The codec <see cref="Build"/> compresses the records section with.</summary>
    public CompressionType Compression => _compression;

    /// <summary>Records added so far.</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// Size in bytes of the batch <see cref="Build"/> would produce now without compression: exact for
    /// <see cref="CompressionType.None"/>, otherwise the uncompressed size, which is what a producer's batch-size limit
    /// should count (compressing on every add would cost more than the batch saves).
    /// </summary>
    public int EstimatedSizeInBytes => checked(RecordBatch.HeaderSize + (int)_recordsSize);

    /// <summary>
    /// Appends a record. The first record's timestamp becomes the batch's base timestamp; later ones are stored as deltas.
    /// </summary>
    /// <param name="timestamp">CreateTime in milliseconds since the epoch.</param>
    /// <param name="key">Key bytes, or null for a null key (distinct from empty).</param>
    /// <param name="value">Value bytes, or null for a tombstone.</param>
    /// <param name="headers">Optional headers; keys must not be null.</param>
    /// <exception cref="InvalidOperationException">When the batch would exceed 2 GiB.</exception>
    public void Add(long timestamp, byte[]? key, byte[]? value, IReadOnlyList<RecordHeader>? headers = null)
    {
        if (_entries.Count == 0)
        {
            _baseTimestamp = timestamp;
        }

        EncodedHeader[] encodedHeaders = Encode(headers);
        long timestampDelta = timestamp - _baseTimestamp;
        int offsetDelta = _entries.Count;
        int bodySize = BodySize(timestampDelta, offsetDelta, key, value, encodedHeaders);
        long newRecordsSize = _recordsSize + Varint.SizeOfVarint(bodySize) + bodySize;
        if (RecordBatch.HeaderSize + newRecordsSize > int.MaxValue)
        {
            throw new InvalidOperationException("A record batch cannot exceed 2 GiB.");
        }

        _entries.Add(new Entry(timestampDelta, key, value, encodedHeaders, bodySize));
        _recordsSize = newRecordsSize;
        _maxTimestamp = Math.Max(_maxTimestamp, timestamp);
    }

    /// <summary>
    /// Writes the batch. Can be called repeatedly (e.g. with different offsets); each call returns a new array.
    /// </summary>
    /// <param name="baseOffset">Offset of the first record; brokers usually rewrite it later with <see cref="RecordBatch.SetBaseOffset"/>.</param>
    /// <param name="partitionLeaderEpoch">-1 from producers; set by the partition leader.</param>
    /// <param name="producer">An idempotent producer's id, epoch and the batch's base sequence (all inside the CRC, so
    /// set here); <see cref="ProducerFields.None"/> for a plain batch.</param>
    /// <exception cref="InvalidOperationException">When no record has been added: Kafka batches hold at least one.</exception>
    public byte[] Build(long baseOffset = 0, int partitionLeaderEpoch = -1, ProducerFields? producer = null)
    {
        if (_entries.Count == 0)
        {
            throw new InvalidOperationException("Cannot build a record batch without records.");
        }

        // One exact-size allocation: sizes were computed as records were added.
        var uncompressed = new byte[EstimatedSizeInBytes];
        int pos = RecordBatchLayout.RecordsOffset;
        for (int i = 0; i < _entries.Count; i++)
        {
            pos += WriteRecord(uncompressed.AsSpan(pos), _entries[i], offsetDelta: i);
        }

        byte[] buffer = uncompressed;
        if (_compression != CompressionType.None)
        {
            byte[] section = CompressionCodecs.Compress(_compression, uncompressed.AsSpan(RecordBatchLayout.RecordsOffset));
            buffer = new byte[RecordBatchLayout.RecordsOffset + section.Length];
            section.CopyTo(buffer, RecordBatchLayout.RecordsOffset);
        }

        WriteHeader(buffer, baseOffset, partitionLeaderEpoch, producer ?? ProducerFields.None);
        return buffer;
    }

    private void WriteHeader(Span<byte> span, long baseOffset, int partitionLeaderEpoch, ProducerFields producer)
    {
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatchLayout.BaseOffsetOffset..], baseOffset);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchLayout.LengthOffset..], span.Length - RecordBatchLayout.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchLayout.PartitionLeaderEpochOffset..], partitionLeaderEpoch);
        span[RecordBatchLayout.MagicOffset] = RecordBatchLayout.Magic;
        BinaryPrimitives.WriteInt16BigEndian(span[RecordBatchLayout.AttributesOffset..], (short)_compression);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchLayout.LastOffsetDeltaOffset..], _entries.Count - 1);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatchLayout.BaseTimestampOffset..], _baseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatchLayout.MaxTimestampOffset..], _maxTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatchLayout.ProducerIdOffset..], producer.ProducerId);
        BinaryPrimitives.WriteInt16BigEndian(span[RecordBatchLayout.ProducerEpochOffset..], producer.ProducerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchLayout.BaseSequenceOffset..], producer.BaseSequence);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchLayout.RecordCountOffset..], _entries.Count);

        // The CRC starts at attributes so brokers can rewrite baseOffset and partitionLeaderEpoch freely.
        uint crc = Crc32C.Compute(span[RecordBatchLayout.AttributesOffset..]);
        BinaryPrimitives.WriteUInt32BigEndian(span[RecordBatchLayout.CrcOffset..], crc);
    }

    private static int BodySize(long timestampDelta, int offsetDelta, byte[]? key, byte[]? value, EncodedHeader[] headers)
    {
        long size = 1 // attributes
            + Varint.SizeOfVarlong(timestampDelta)
            + Varint.SizeOfVarint(offsetDelta)
            + SizeOfBytesField(key)
            + SizeOfBytesField(value)
            + Varint.SizeOfVarint(headers.Length);
        foreach (EncodedHeader header in headers)
        {
            size += SizeOfBytesField(header.Key) + SizeOfBytesField(header.Value);
        }

        if (size > int.MaxValue - 5)
        {
            throw new InvalidOperationException("A single record cannot exceed 2 GiB.");
        }

        return (int)size;
    }

    private static long SizeOfBytesField(byte[]? bytes) =>
        bytes is null ? 1 : Varint.SizeOfVarint(bytes.Length) + (long)bytes.Length;

    private static int WriteRecord(Span<byte> dest, Entry entry, int offsetDelta)
    {
        int pos = Varint.WriteVarint(dest, entry.BodySize);
        dest[pos++] = 0; // record attributes: unused
        pos += Varint.WriteVarlong(dest[pos..], entry.TimestampDelta);
        pos += Varint.WriteVarint(dest[pos..], offsetDelta);
        pos += WriteBytesField(dest[pos..], entry.Key);
        pos += WriteBytesField(dest[pos..], entry.Value);
        pos += Varint.WriteVarint(dest[pos..], entry.Headers.Length);
        foreach (EncodedHeader header in entry.Headers)
        {
            pos += WriteBytesField(dest[pos..], header.Key);
            pos += WriteBytesField(dest[pos..], header.Value);
        }

        return pos;
    }

    private static int WriteBytesField(Span<byte> dest, byte[]? bytes)
    {
        if (bytes is null)
        {
            return Varint.WriteVarint(dest, -1);
        }

        int pos = Varint.WriteVarint(dest, bytes.Length);
        bytes.CopyTo(dest[pos..]);
        return pos + bytes.Length;
    }

    private static EncodedHeader[] Encode(IReadOnlyList<RecordHeader>? headers)
    {
        if (headers is null || headers.Count == 0)
        {
            return [];
        }

        // Header keys are encoded once here so sizing and writing agree on their UTF-8 length.
        var encoded = new EncodedHeader[headers.Count];
        for (int i = 0; i < encoded.Length; i++)
        {
            RecordHeader header = headers[i] ?? throw new ArgumentException($"Header {i} is null.", nameof(headers));
            if (header.Key is null)
            {
                throw new ArgumentException($"Header {i} has a null key; Kafka header keys are never null.", nameof(headers));
            }

            encoded[i] = new EncodedHeader(Encoding.UTF8.GetBytes(header.Key), header.Value);
        }

        return encoded;
    }

    private readonly record struct EncodedHeader(byte[] Key, byte[]? Value);

    private readonly record struct Entry(long TimestampDelta, byte[]? Key, byte[]? Value, EncodedHeader[] Headers, int BodySize);
}

/// <summary>The idempotent producer fields of a batch header: producer id, epoch and the first record's sequence.</summary>
public readonly record struct ProducerFields(long ProducerId, short ProducerEpoch, int BaseSequence)
{
    /// <summary>A batch of no idempotent producer (-1 everywhere, as Kafka writes it).</summary>
    public static readonly ProducerFields None = new(-1, -1, -1);
}
