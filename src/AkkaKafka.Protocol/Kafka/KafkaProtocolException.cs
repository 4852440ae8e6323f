namespace AkkaKafka.Protocol.Kafka;

/// <summary>
/// Bytes that are not a well-formed Kafka request or response (truncated, a negative length, a bad varint).
/// The listener answers or closes the connection with this one-line reason; it never escapes as an unhandled error.
/// </summary>
public sealed class KafkaProtocolException(string message) : Exception(message);
