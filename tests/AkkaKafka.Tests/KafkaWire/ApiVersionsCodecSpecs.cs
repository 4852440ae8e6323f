using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class ApiVersionsCodecSpecs
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Requests_and_responses_round_trip_at_every_version(short version)
    {
        var request = version >= 3 ? new ApiVersionsRequestData("confluent-kafka-dotnet", "2.16.0") : new ApiVersionsRequestData();
        KafkaCodec.AssertRoundTrips(request, version, ApiVersionsRequestData.Read);
        var response = ApiVersionsResponseData.Advertised() with { ThrottleTimeMs = version >= 1 ? 7 : 0 };
        KafkaCodec.AssertRoundTrips(response, version, ApiVersionsResponseData.Read);
    }

    [Fact]
    public void Every_api_is_advertised_from_version_0()
    {
        var advertised = ApiVersionsResponseData.Advertised();
        Assert.Equal(KafkaApis.Supported.Count, advertised.ApiKeys.Count);
        Assert.All(advertised.ApiKeys, k => Assert.Equal(0, k.MinVersion));
        Assert.Contains(advertised.ApiKeys, k => k.ApiKey == (short)ApiKey.Produce && k.MaxVersion == 8);
        Assert.Contains(advertised.ApiKeys, k => k.ApiKey == (short)ApiKey.Fetch && k.MaxVersion == 11);
    }

    [Fact]
    public void Every_advertised_api_has_a_request_decoder()
    {
        foreach (var api in KafkaApis.Supported)
            for (short version = 0; version <= api.MaxVersion; version++)
            {
                // An empty body is too short for every request but ApiVersions v0-2 and ListGroups v0-2, which have no fields.
                var reader = new KafkaReader(ReadOnlyMemory<byte>.Empty);
                try
                {
                    Assert.Equal(api.Key, KafkaRequests.Read(api.Key, version, ref reader).ApiKey);
                }
                catch (KafkaProtocolException e)
                {
                    Assert.DoesNotContain("no decoder", e.Message);
                }
            }
    }

    [Fact]
    public void A_v3_request_header_carries_tagged_fields_and_a_classic_client_id()
    {
        var header = new RequestHeader(ApiKey.ApiVersions, 3, 42, "rdkafka");
        var writer = new KafkaWriter();
        header.Write(writer);
        // int16 key, int16 version, int32 correlation id, int16-length client id, one empty tagged-field byte.
        Assert.Equal(2 + 2 + 4 + 2 + "rdkafka".Length + 1, writer.Length);
        var reader = new KafkaReader(writer.ToArray());
        Assert.Equal(header, RequestHeader.Read(ref reader));
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public void Truncated_bodies_are_a_protocol_error_not_a_crash() =>
        KafkaCodec.AssertEveryPrefixThrows(ApiVersionsResponseData.Advertised(), 3, ApiVersionsResponseData.Read);
}
