using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Tests.Support;

namespace AkkaKafka.Tests.KafkaWire;

/// <summary>Round trips for the Kafka codec: write a body at a version, read it back, compare field by field, and insist every byte was read.</summary>
public static class KafkaCodec
{
    public delegate T BodyReader<out T>(ref KafkaReader reader, short version);

    public static T RoundTrip<T>(T body, short version, BodyReader<T> read) where T : notnull
    {
        var writer = new KafkaWriter();
        switch (body)
        {
            case IKafkaRequest request: request.Write(writer, version); break;
            case IKafkaResponse response: response.Write(writer, version); break;
            default: throw new ArgumentException($"{typeof(T).Name} is neither a request nor a response");
        }
        var reader = new KafkaReader(writer.ToArray());
        var read1 = read(ref reader, version);
        reader.ExpectEnd($"{typeof(T).Name} v{version}");
        return read1;
    }

    /// <summary>Asserts that <paramref name="body"/> survives a round trip at <paramref name="version"/> unchanged.</summary>
    public static void AssertRoundTrips<T>(T body, short version, BodyReader<T> read) where T : notnull =>
        Structural.AssertEqual(body, RoundTrip(body, version, read));
}
