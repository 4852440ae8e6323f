using AkkaKafka.Protocol.Kafka;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// Reads a request's header and body from its bytes, for both transports (the Kafka listener's frames and the Akka
/// clients' <see cref="Protocol.Messages.KafkaRequestFrame"/>), so both refuse the same bytes the same way.
/// </summary>
internal static class KafkaRequestDecoder
{
    public enum Outcome
    {
        Read,
        /// <summary>The bytes are not a request of that API and version (the client's fault).</summary>
        Malformed,
        /// <summary>A decoder failed other than with <see cref="KafkaProtocolException"/>: a bug of ours, worth a warning.</summary>
        DecoderFailed,
    }

    public static Outcome ReadHeader(ref KafkaReader reader, out RequestHeader header, out string problem)
    {
        header = null!;
        problem = "";
        try
        {
            header = RequestHeader.Read(ref reader);
            return Outcome.Read;
        }
        catch (KafkaProtocolException e)
        {
            problem = $"malformed request header: {e.Message}";
            return Outcome.Malformed;
        }
        catch (Exception e)
        {
            problem = $"the request header decoder failed: {e.GetType().Name}: {e.Message}";
            return Outcome.DecoderFailed;
        }
    }

    /// <summary>Whether this broker speaks the header's API at its version (else the answer is UNSUPPORTED_VERSION).</summary>
    public static bool IsSupported(RequestHeader header) => KafkaApis.Find(header.ApiKey) is { } support && support.IsAdvertised(header.ApiVersion);

    public static Outcome ReadBody(RequestHeader header, ref KafkaReader reader, out IKafkaRequest request, out string problem)
    {
        request = null!;
        problem = "";
        try
        {
            request = KafkaRequests.Read(header.ApiKey, header.ApiVersion, ref reader);
            return Outcome.Read;
        }
        catch (KafkaProtocolException e)
        {
            problem = $"malformed {header.ApiKey} v{header.ApiVersion} request: {e.Message}";
            return Outcome.Malformed;
        }
        catch (Exception e)
        {
            // A decoder that fails other than with KafkaProtocolException has a bug; the request is still unreadable.
            problem = $"the {header.ApiKey} v{header.ApiVersion} decoder failed on this request: {e.GetType().Name}: {e.Message}";
            return Outcome.DecoderFailed;
        }
    }
}
