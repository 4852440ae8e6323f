using AkkaKafka.Protocol.Kafka;
using Xunit;

namespace AkkaKafka.Tests.KafkaWire;

/// <summary>
/// Cuts a written body at every length short of the whole and insists each prefix is refused as a protocol error:
/// a half-arrived or lying body must never surface as an IndexOutOfRange or a silently short message.
/// </summary>
public static class TruncatedBodies
{
    public static void AssertEveryPrefixIsAProtocolError<T>(T body, short version, KafkaCodec.BodyReader<T> read) where T : notnull
    {
        var writer = new KafkaWriter();
        switch (body)
        {
            case IKafkaRequest request: request.Write(writer, version); break;
            case IKafkaResponse response: response.Write(writer, version); break;
            default: throw new ArgumentException($"{typeof(T).Name} is neither a request nor a response");
        }
        var bytes = writer.ToArray();
        for (var cut = 0; cut < bytes.Length; cut++)
        {
            var reader = new KafkaReader(bytes.AsMemory(0, cut));
            try
            {
                read(ref reader, version);
                Assert.Fail($"{typeof(T).Name} v{version} cut to {cut} of {bytes.Length} bytes was read without complaint");
            }
            catch (KafkaProtocolException) { }
        }
    }

    /// <summary>
    /// Hex with spaces, line breaks and <c>//</c> comments allowed, so a hand-written body is laid out one field a line.
    /// </summary>
    public static byte[] Hex(string hex) => Convert.FromHexString(string.Concat(
        hex.Split('\n').Select(line => line.Split("//")[0]).SelectMany(line => line.Where(c => !char.IsWhiteSpace(c)))));
}
