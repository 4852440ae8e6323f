namespace AkkaKafka.Protocol.Kafka;

/// <summary>
/// A decoded Kafka request body. Each API's file holds its request and response types; both sides can be read and
/// written at every advertised version, so round trips are testable and test clients can be built from the same code.
/// </summary>
public interface IKafkaRequest
{
    ApiKey ApiKey { get; }
    void Write(KafkaWriter writer, short version);
}

/// <summary>A Kafka response body (what follows the response header).</summary>
public interface IKafkaResponse
{
    void Write(KafkaWriter writer, short version);
}
