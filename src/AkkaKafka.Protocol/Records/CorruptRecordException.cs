namespace AkkaKafka.Protocol.Records;

/// <summary>
/// Raised when bytes that claim to be Kafka records do not parse: truncated or overlong varints,
/// lengths that run past the buffer, a batch whose declared size disagrees with its bytes.
/// Mirrors Kafka's CorruptRecordException so the broker can map it to error CORRUPT_MESSAGE (2).
/// </summary>
public sealed class CorruptRecordException : Exception
{
    /// <summary>Creates the exception with a one-line description of what is wrong.</summary>
    public CorruptRecordException(string message) : base(message) { }

    /// <summary>Creates the exception wrapping the lower-level failure (e.g. a bad gzip stream).</summary>
    public CorruptRecordException(string message, Exception innerException) : base(message, innerException) { }
}
