namespace AkkaKafka.Protocol.Records;

/// <summary>The codec of a batch's records section: bits 0-2 of the batch attributes, numbered as Kafka numbers them.</summary>
public enum CompressionType : byte
{
    None = 0,
    Gzip = 1,
    Snappy = 2,
    Lz4 = 3,
    Zstd = 4,
}

/// <summary>Kafka's names for the codecs, as the producer setting <c>compression.type</c> spells them.</summary>
public static class CompressionTypes
{
    public static string Name(this CompressionType type) => RecordBatchLayout.CodecName((int)type);

    /// <summary>Parses none, gzip, snappy, lz4 or zstd (any case); null for anything else.</summary>
    public static CompressionType? Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "none" => CompressionType.None,
        "gzip" => CompressionType.Gzip,
        "snappy" => CompressionType.Snappy,
        "lz4" => CompressionType.Lz4,
        "zstd" => CompressionType.Zstd,
        _ => null,
    };
}
