using System.Buffers;
using System.Buffers.Binary;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// Kafka's framing: every request and response is an int32 size followed by that many bytes. Pure functions over
/// the pipe's buffer, separate from what a frame means.
/// </summary>
public static class KafkaFrames
{
    /// <summary>The smallest request: api key, api version, correlation id and a null client id.</summary>
    public const int MinRequestSize = 2 + 2 + 4 + 2;

    public enum Outcome { Frame, NeedMore, TooLarge, TooSmall }

    /// <summary>
    /// Slices the next frame's body off <paramref name="buffer"/> (copied into its own array: the decoded request
    /// outlives the pipe's buffer while actors work on it).
    /// </summary>
    public static Outcome TryRead(ref ReadOnlySequence<byte> buffer, int maxSize, out byte[] frame, out int declaredSize)
    {
        frame = [];
        declaredSize = 0;
        if (buffer.Length < 4) return Outcome.NeedMore;
        Span<byte> sizeBytes = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(sizeBytes);
        declaredSize = BinaryPrimitives.ReadInt32BigEndian(sizeBytes);
        if (declaredSize > maxSize) return Outcome.TooLarge;
        if (declaredSize < MinRequestSize) return Outcome.TooSmall;
        if (buffer.Length < 4L + declaredSize) return Outcome.NeedMore;
        frame = buffer.Slice(4, declaredSize).ToArray();
        buffer = buffer.Slice(4L + declaredSize);
        return Outcome.Frame;
    }

    /// <summary>A whole response frame: size, header (v0 or v1 as the API and version want), body.</summary>
    public static ReadOnlyMemory<byte> Response(RequestHeader request, IKafkaResponse body) => Response(request, body, withSize: true);

    /// <summary>
    /// A response as the Kafka listener frames it (<paramref name="withSize"/>), or without the size for Akka remoting,
    /// which frames its own messages (<see cref="Protocol.Messages.KafkaResponseFrame"/>).
    /// </summary>
    public static ReadOnlyMemory<byte> Response(RequestHeader request, IKafkaResponse body, bool withSize)
    {
        var writer = new KafkaWriter(512);
        if (withSize) writer.Int32(0);
        ResponseHeader.Write(writer, request.ApiKey, request.ApiVersion, request.CorrelationId);
        body.Write(writer, request.ApiVersion);
        if (withSize) writer.PatchInt32(0, writer.Length - 4);
        return writer.WrittenMemory;
    }

    /// <summary>
    /// The answer to an API key this broker does not know or a version it does not speak, the same for both transports
    /// (the Kafka listener's connections and the Akka clients' frames). ApiVersions is answered as v0 whatever was
    /// asked, with UNSUPPORTED_VERSION and the versions of ApiVersions, so the client can read it and retry with one it
    /// finds there (KIP-511); any other API with the correlation id and UNSUPPORTED_VERSION, so the client gets a reason
    /// instead of a silently dropped connection.
    /// </summary>
    public static ReadOnlyMemory<byte> UnsupportedVersion(RequestHeader request, bool withSize = true)
    {
        if (request.ApiKey == ApiKey.ApiVersions)
            return Response(request with { ApiVersion = 0 }, new ApiVersionsResponseData(Protocol.ErrorCode.UnsupportedVersion,
                [new ApiVersionRange((short)ApiKey.ApiVersions, ApiSupport.MinVersion, KafkaApis.Find(ApiKey.ApiVersions)!.MaxVersion)]), withSize);
        var writer = new KafkaWriter(16);
        if (withSize) writer.Int32(6);
        writer.Int32(request.CorrelationId).Int16((short)Protocol.ErrorCode.UnsupportedVersion);
        return writer.WrittenMemory;
    }
}
