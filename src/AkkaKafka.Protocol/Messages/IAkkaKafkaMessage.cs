namespace AkkaKafka.Protocol.Messages;

/// <summary>
/// Marker for every message that crosses the network between brokers and clients.
/// Bound in HOCON to <see cref="Serialization.ProtocolSerializer"/>, so nothing on the wire falls back to JSON.
/// </summary>
public interface IAkkaKafkaMessage;
