using AkkaKafka.Protocol.Kafka;

namespace AkkaKafka.Protocol.Messages;

/// <summary>
/// A Kafka request as a Kafka client writes it on its connection, without Kafka's int32 size (Akka frames its own
/// messages): the request header, then the body. Akka clients send Kafka's own requests over remoting in this one
/// envelope, and a broker serves them with the very handlers, authorization and metering its Kafka listener uses, so
/// a request is implemented once for both transports. With security on it travels inside an <see cref="AsUser"/>,
/// whose user the Kafka rules then authorize, as SASL's user is on the Kafka port.
/// </summary>
public sealed record KafkaRequestFrame(ReadOnlyMemory<byte> Bytes) : IBrokerCommand
{
    public override string ToString() => $"KafkaRequestFrame {{ {Bytes.Length} bytes }}";
}

/// <summary>The broker's answer to a <see cref="KafkaRequestFrame"/>: the response header and body as Kafka writes them, without the size.</summary>
public sealed record KafkaResponseFrame(ReadOnlyMemory<byte> Bytes) : IAkkaKafkaMessage
{
    public override string ToString() => $"KafkaResponseFrame {{ {Bytes.Length} bytes }}";
}

/// <summary>
/// The transport's receipt for a <see cref="KafkaRequestFrame"/> that Kafka answers nothing (a Produce with acks=0),
/// sent once the broker has handed the request on. Not a Kafka response: Kafka's socket pushes back on a client that
/// writes faster than the broker reads, remoting buffers without bound, so the Akka producer counts an acks=0 request
/// against max-in-flight until this receipt comes.
/// </summary>
public sealed class KafkaFrameAccepted : IAkkaKafkaMessage
{
    public static readonly KafkaFrameAccepted Instance = new();
    private KafkaFrameAccepted() { }
}

/// <summary>Reads one API's response body at a version (each API's <c>XResponseData.Read</c>).</summary>
public delegate T KafkaResponseReader<out T>(ref KafkaReader reader, short version);

/// <summary>
/// The client's side of <see cref="KafkaRequestFrame"/>: a request written at a version, and its answer read back.
/// Pure codec, no I/O.
/// </summary>
public static class KafkaEnvelope
{
    /// <summary>The newest version this codebase speaks for <paramref name="api"/>, what the Akka clients send.</summary>
    public static short NewestVersion(ApiKey api) =>
        KafkaApis.Find(api)?.MaxVersion ?? throw new ArgumentException($"API {api} is not supported", nameof(api));

    public static KafkaRequestFrame Request(IKafkaRequest request, short version, string clientId, int correlationId = 0)
    {
        var writer = new KafkaWriter(256);
        new RequestHeader(request.ApiKey, version, correlationId, clientId).Write(writer);
        request.Write(writer, version);
        return new KafkaRequestFrame(writer.WrittenMemory);
    }

    /// <exception cref="KafkaProtocolException">The answer is not a readable response of that API and version.</exception>
    public static T Response<T>(KafkaResponseFrame frame, ApiKey api, short version, KafkaResponseReader<T> read)
    {
        var reader = new KafkaReader(frame.Bytes);
        ResponseHeader.Read(ref reader, api, version);
        return read(ref reader, version);
    }
}
