namespace AkkaKafka.Protocol.Records;

/// <summary>
/// A record decoded from a batch, with its deltas already resolved to an absolute offset and timestamp.
/// Null key/value are distinct from empty ones, as in Kafka (null value = tombstone).
/// </summary>
public sealed record Record(long Offset, long Timestamp, byte[]? Key, byte[]? Value, IReadOnlyList<RecordHeader> Headers);
