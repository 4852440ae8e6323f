namespace AkkaKafka.Protocol.Records;

/// <summary>
/// Byte offsets of the v2 batch header fields (DefaultRecordBatch.java), kept in one place so the builder,
/// reader and validator cannot disagree.
/// </summary>
internal static class RecordBatchLayout
{
    internal const int BaseOffsetOffset = 0;
    internal const int LengthOffset = 8;
    internal const int PartitionLeaderEpochOffset = 12;
    internal const int MagicOffset = 16;
    internal const int CrcOffset = 17;
    internal const int AttributesOffset = 21;
    internal const int LastOffsetDeltaOffset = 23;
    internal const int BaseTimestampOffset = 27;
    internal const int MaxTimestampOffset = 35;
    internal const int ProducerIdOffset = 43;
    internal const int ProducerEpochOffset = 51;
    internal const int BaseSequenceOffset = 53;
    internal const int RecordCountOffset = 57;
    internal const int RecordsOffset = 61;

    /// <summary>baseOffset + length: the bytes not counted by the length field.</summary>
    internal const int LogOverhead = 12;

    /// <summary>The only message format this codec speaks.</summary>
    internal const byte Magic = 2;

    internal const int CompressionCodecMask = 0x07;
    internal const int LogAppendTimeFlag = 0x08;
    internal const int TransactionalFlag = 0x10;
    internal const int ControlFlag = 0x20;

    /// <summary>Codec ids as Kafka numbers them, for messages.</summary>
    internal static string CodecName(int codec) => codec switch
    {
        0 => "none",
        1 => "gzip",
        2 => "snappy",
        3 => "lz4",
        4 => "zstd",
        _ => $"unknown ({codec})",
    };
}
