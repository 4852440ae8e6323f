namespace AkkaKafka.Protocol.Records;

/// <summary>One record header: a UTF-8 key (never null on the wire) and an optional value.</summary>
public sealed record RecordHeader(string Key, byte[]? Value);
