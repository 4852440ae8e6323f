using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Tests.Support;
using Xunit;

namespace AkkaKafka.Tests.KafkaWire;

/// <summary>
/// What every per-API codec spec uses: round trips (write a body at a version, read it back, compare field by field,
/// insist every byte was read), the truncation check, the advertised versions of an API, and hand-laid hex.
/// </summary>
public static class KafkaCodec
{
    public delegate T BodyReader<out T>(ref KafkaReader reader, short version);

    public static byte[] Write<T>(T body, short version) where T : notnull
    {
        var writer = new KafkaWriter();
        switch (body)
        {
            case IKafkaRequest request: request.Write(writer, version); break;
            case IKafkaResponse response: response.Write(writer, version); break;
            default: throw new ArgumentException($"{typeof(T).Name} is neither a request nor a response");
        }
        return writer.ToArray();
    }

    public static T RoundTrip<T>(T body, short version, BodyReader<T> read) where T : notnull
    {
        var reader = new KafkaReader(Write(body, version));
        var result = read(ref reader, version);
        reader.ExpectEnd($"{typeof(T).Name} v{version}");
        return result;
    }

    /// <summary>Asserts that <paramref name="body"/> survives a round trip at <paramref name="version"/> unchanged.</summary>
    public static void AssertRoundTrips<T>(T body, short version, BodyReader<T> read) where T : notnull =>
        Structural.AssertEqual(body, RoundTrip(body, version, read));

    /// <summary>
    /// Cuts a written body at every length short of the whole and insists each prefix is refused as a protocol error:
    /// a half-arrived or lying body must never surface as an IndexOutOfRange or a silently short message.
    /// </summary>
    public static void AssertEveryPrefixThrows<T>(T body, short version, BodyReader<T> read) where T : notnull
    {
        var bytes = Write(body, version);
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

    /// <summary>Versions 0 to the advertised max, read from <see cref="KafkaApis.Supported"/> so raising a max widens the specs.</summary>
    public static TheoryData<short> Versions(ApiKey key)
    {
        var data = new TheoryData<short>();
        for (var v = ApiSupport.MinVersion; v <= KafkaApis.Find(key)!.MaxVersion; v++) data.Add(v);
        return data;
    }

    /// <summary>Hex with spaces, line breaks and <c>//</c> comments allowed, so a hand-written body is laid out one field a line.</summary>
    public static byte[] Hex(string hex) => Convert.FromHexString(string.Concat(
        hex.Split('\n').Select(line => line.Split("//")[0]).SelectMany(line => line.Where(c => !char.IsWhiteSpace(c)))));
}
