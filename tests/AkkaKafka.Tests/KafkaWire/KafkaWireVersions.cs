using AkkaKafka.Protocol.Kafka;
using Xunit;

namespace AkkaKafka.Tests.KafkaWire;

/// <summary>Shared pieces of the per-API codec specs: every advertised version of an API, and the truncation check.</summary>
public static class KafkaWireVersions
{
    /// <summary>Versions 0 to the advertised max, read from <see cref="KafkaApis.Supported"/> so raising a max widens the specs.</summary>
    public static TheoryData<short> Of(ApiKey key)
    {
        var data = new TheoryData<short>();
        for (var v = ApiSupport.MinVersion; v <= KafkaApis.Find(key)!.MaxVersion; v++) data.Add(v);
        return data;
    }

    /// <summary>Every strict prefix of the written body fails with <see cref="KafkaProtocolException"/>, never another exception.</summary>
    public static void AssertEveryPrefixThrows<T>(T body, short version, KafkaCodec.BodyReader<T> read) where T : notnull
    {
        var writer = new KafkaWriter();
        switch (body)
        {
            case IKafkaRequest request: request.Write(writer, version); break;
            case IKafkaResponse response: response.Write(writer, version); break;
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
}
