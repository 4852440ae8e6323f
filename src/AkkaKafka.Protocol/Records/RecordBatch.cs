using System.Buffers.Binary;

namespace AkkaKafka.Protocol.Records;

/// <summary>
/// A read-only view over the bytes of exactly one v2 record batch. Header fields are read on demand from the
/// buffer, so wrapping is free and the bytes can be stored or sent on unchanged.
/// </summary>
public readonly struct RecordBatch
{
    /// <summary>Bytes before the first record (baseOffset through recordCount).</summary>
    public const int HeaderSize = 61;

    private readonly ReadOnlyMemory<byte> _bytes;

    /// <summary>Wraps <paramref name="bytes"/>, which must hold one whole batch and nothing else.</summary>
    /// <exception cref="CorruptRecordException">When the buffer is shorter than a header or disagrees with the length field.</exception>
    public RecordBatch(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.Length < HeaderSize)
        {
            throw new CorruptRecordException($"Record batch is {bytes.Length} bytes, shorter than the {HeaderSize}-byte header.");
        }

        int length = BinaryPrimitives.ReadInt32BigEndian(bytes.Span[RecordBatchLayout.LengthOffset..]);
        if ((long)length + RecordBatchLayout.LogOverhead != bytes.Length)
        {
            throw new CorruptRecordException(
                $"Record batch length field is {length} but the buffer holds {bytes.Length - RecordBatchLayout.LogOverhead} bytes after it.");
        }

        _bytes = bytes;
    }

    /// <summary>The batch's bytes, exactly <see cref="SizeInBytes"/> long.</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    /// <summary>Offset of the first record.</summary>
    public long BaseOffset => BinaryPrimitives.ReadInt64BigEndian(Span[RecordBatchLayout.BaseOffsetOffset..]);

    /// <summary>The length field: bytes after itself, i.e. from partitionLeaderEpoch to the end.</summary>
    public int Length => BinaryPrimitives.ReadInt32BigEndian(Span[RecordBatchLayout.LengthOffset..]);

    /// <summary>Leader epoch stamped by the broker that appended the batch; -1 from producers.</summary>
    public int PartitionLeaderEpoch => BinaryPrimitives.ReadInt32BigEndian(Span[RecordBatchLayout.PartitionLeaderEpochOffset..]);

    /// <summary>Message format version; 2 for every batch this codec understands.</summary>
    public byte Magic => Span[RecordBatchLayout.MagicOffset];

    /// <summary>Stored CRC-32C of the bytes from attributes to the end.</summary>
    public uint Crc => BinaryPrimitives.ReadUInt32BigEndian(Span[RecordBatchLayout.CrcOffset..]);

    /// <summary>Raw attribute bits: codec (0-2), LogAppendTime (3), transactional (4), control (5).</summary>
    public short Attributes => BinaryPrimitives.ReadInt16BigEndian(Span[RecordBatchLayout.AttributesOffset..]);

    /// <summary>0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd.</summary>
    public int CompressionCodec => Attributes & RecordBatchLayout.CompressionCodecMask;

    /// <summary>Whether the batch belongs to a transaction.</summary>
    public bool IsTransactional => (Attributes & RecordBatchLayout.TransactionalFlag) != 0;

    /// <summary>Whether the batch holds control records (transaction markers) rather than user data.</summary>
    public bool IsControl => (Attributes & RecordBatchLayout.ControlFlag) != 0;

    /// <summary>Offset delta of the last record; kept even when compaction removes records.</summary>
    public int LastOffsetDelta => BinaryPrimitives.ReadInt32BigEndian(Span[RecordBatchLayout.LastOffsetDeltaOffset..]);

    /// <summary>Offset of the last record.</summary>
    public long LastOffset => BaseOffset + LastOffsetDelta;

    /// <summary>Offset the next batch in the log starts at.</summary>
    public long NextOffset => LastOffset + 1;

    /// <summary>Timestamp of the first record; record timestamps are deltas from it.</summary>
    public long BaseTimestamp => BinaryPrimitives.ReadInt64BigEndian(Span[RecordBatchLayout.BaseTimestampOffset..]);

    /// <summary>Largest record timestamp, or the append time when the LogAppendTime bit is set.</summary>
    public long MaxTimestamp => BinaryPrimitives.ReadInt64BigEndian(Span[RecordBatchLayout.MaxTimestampOffset..]);

    /// <summary>Idempotent/transactional producer id; -1 otherwise.</summary>
    public long ProducerId => BinaryPrimitives.ReadInt64BigEndian(Span[RecordBatchLayout.ProducerIdOffset..]);

    /// <summary>Producer epoch; -1 when there is no producer id.</summary>
    public short ProducerEpoch => BinaryPrimitives.ReadInt16BigEndian(Span[RecordBatchLayout.ProducerEpochOffset..]);

    /// <summary>Sequence number of the first record for idempotence; -1 otherwise.</summary>
    public int BaseSequence => BinaryPrimitives.ReadInt32BigEndian(Span[RecordBatchLayout.BaseSequenceOffset..]);

    /// <summary>Number of records in the batch.</summary>
    public int RecordCount => BinaryPrimitives.ReadInt32BigEndian(Span[RecordBatchLayout.RecordCountOffset..]);

    /// <summary>Total bytes of the batch, including baseOffset and length.</summary>
    public int SizeInBytes => Length + RecordBatchLayout.LogOverhead;

    private ReadOnlySpan<byte> Span => _bytes.Span;

    /// <summary>Whether the stored CRC matches the bytes from attributes to the end.</summary>
    public bool IsCrcValid() => Crc32C.Compute(Span[RecordBatchLayout.AttributesOffset..]) == Crc;

    /// <summary>
    /// Decodes the records lazily, resolving offsets and timestamps; compressed sections (any of Kafka's four codecs)
    /// are inflated first. Does not check the CRC (see <see cref="IsCrcValid"/>).
    /// </summary>
    /// <exception cref="CorruptRecordException">Immediately for a codec id Kafka does not define; while enumerating,
    /// when the section does not decompress or the records do not parse.</exception>
    public IEnumerable<Record> Records()
    {
        int codec = CompressionCodec;
        if (codec > (int)CompressionType.Zstd)
        {
            throw new CorruptRecordException($"Record batch names unknown compression codec {codec}.");
        }

        // With LogAppendTime the broker's append time (stored as maxTimestamp) replaces every record's own timestamp.
        long? logAppendTime = (Attributes & RecordBatchLayout.LogAppendTimeFlag) != 0 ? MaxTimestamp : null;
        return Enumerate(_bytes[RecordBatchLayout.RecordsOffset..], (CompressionType)codec, RecordCount, BaseOffset, BaseTimestamp, logAppendTime);
    }

    /// <summary>Rewrites baseOffset in place; it lies before the CRC'd range, so the CRC stays valid.</summary>
    public static void SetBaseOffset(Span<byte> batch, long baseOffset)
    {
        EnsureHeader(batch);
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatchLayout.BaseOffsetOffset..], baseOffset);
    }

    /// <summary>Rewrites partitionLeaderEpoch in place; it lies before the CRC'd range, so the CRC stays valid.</summary>
    public static void SetPartitionLeaderEpoch(Span<byte> batch, int partitionLeaderEpoch)
    {
        EnsureHeader(batch);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchLayout.PartitionLeaderEpochOffset..], partitionLeaderEpoch);
    }

    /// <summary>
    /// Makes the header say which clock the timestamps come from and what the newest is, as Kafka's broker does to
    /// every batch it appends (DefaultRecordBatch.setMaxTimestamp): attributes and maxTimestamp lie inside the CRC'd
    /// range, so the CRC is computed again, and only when something changed. Returns whether it did.
    /// </summary>
    public static bool SetMaxTimestamp(Span<byte> batch, TimestampType type, long maxTimestamp)
    {
        EnsureHeader(batch);
        short attributes = BinaryPrimitives.ReadInt16BigEndian(batch[RecordBatchLayout.AttributesOffset..]);
        short wanted = type == TimestampType.LogAppendTime
            ? (short)(attributes | RecordBatchLayout.LogAppendTimeFlag)
            : (short)(attributes & ~RecordBatchLayout.LogAppendTimeFlag);
        if (wanted == attributes && BinaryPrimitives.ReadInt64BigEndian(batch[RecordBatchLayout.MaxTimestampOffset..]) == maxTimestamp)
        {
            return false;
        }

        BinaryPrimitives.WriteInt16BigEndian(batch[RecordBatchLayout.AttributesOffset..], wanted);
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatchLayout.MaxTimestampOffset..], maxTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(batch[RecordBatchLayout.CrcOffset..], Crc32C.Compute(batch[RecordBatchLayout.AttributesOffset..]));
        return true;
    }

    /// <summary>
    /// Sets attribute bits (transactional, control) in place; attributes lie inside the CRC'd range, so the CRC is
    /// computed again. Used to build transactional batches and transaction markers (<see cref="ControlRecords"/>).
    /// </summary>
    public static void SetFlags(Span<byte> batch, int flags)
    {
        EnsureHeader(batch);
        short attributes = BinaryPrimitives.ReadInt16BigEndian(batch[RecordBatchLayout.AttributesOffset..]);
        BinaryPrimitives.WriteInt16BigEndian(batch[RecordBatchLayout.AttributesOffset..], (short)((ushort)attributes | (ushort)flags));
        BinaryPrimitives.WriteUInt32BigEndian(batch[RecordBatchLayout.CrcOffset..], Crc32C.Compute(batch[RecordBatchLayout.AttributesOffset..]));
    }

    /// <summary>Which clock the timestamps come from, by the LogAppendTime attribute bit.</summary>
    public TimestampType TimestampType =>
        (Attributes & RecordBatchLayout.LogAppendTimeFlag) != 0 ? TimestampType.LogAppendTime : TimestampType.CreateTime;

    /// <summary>
    /// The newest timestamp in the batch, for the time index and retention. The header's maxTimestamp is taken when
    /// it can be right; a CreateTime header whose maxTimestamp lies below its baseTimestamp (Sarama's -1, which
    /// brokers before validation on append stored as sent) is not trusted, and the records are read (inflated when
    /// compressed) for the real figure, so logs written then keep what retention would have wrongly deleted.
    /// </summary>
    /// <exception cref="CorruptRecordException">When the figure must be derived and the records do not decode.</exception>
    public long NewestTimestamp()
    {
        long max = MaxTimestamp;
        if (TimestampType == TimestampType.LogAppendTime || max >= BaseTimestamp)
        {
            return max;
        }

        foreach (Record record in Records())
        {
            max = Math.Max(max, record.Timestamp);
        }

        return max;
    }

    private static void EnsureHeader(Span<byte> batch)
    {
        if (batch.Length < HeaderSize)
        {
            throw new ArgumentException($"A record batch is at least {HeaderSize} bytes; got {batch.Length}.", nameof(batch));
        }
    }

    private static IEnumerable<Record> Enumerate(
        ReadOnlyMemory<byte> section, CompressionType compression, int count, long baseOffset, long baseTimestamp, long? logAppendTime)
    {
        if (count < 0)
        {
            throw new CorruptRecordException($"Record batch has negative record count {count}.");
        }

        ReadOnlyMemory<byte> records = CompressionCodecs.Decompress(compression, section);
        int position = 0;
        for (int i = 0; i < count; i++)
        {
            // Spans cannot live across yield, so each step re-derives its span from the memory.
            Record record = ReadOne(records.Span, ref position, i, baseOffset, baseTimestamp, logAppendTime);
            yield return record;
        }

        if (position != records.Length)
        {
            throw new CorruptRecordException(
                $"Record batch declares {count} records but {records.Length - position} bytes follow the last one.");
        }
    }

    private static Record ReadOne(
        ReadOnlySpan<byte> records, ref int position, int index, long baseOffset, long baseTimestamp, long? logAppendTime)
    {
        if (position >= records.Length)
        {
            throw new CorruptRecordException($"Record batch ends before record {index} of its declared count.");
        }

        RecordReader.ParsedRecord parsed = RecordReader.Parse(records, ref position);
        long timestamp = logAppendTime ?? baseTimestamp + parsed.TimestampDelta;
        return RecordReader.Materialize(records, parsed, baseOffset + parsed.OffsetDelta, timestamp);
    }
}
