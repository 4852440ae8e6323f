using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class DescribeConfigsCodecSpecs
{
    public static TheoryData<short> Versions() => KafkaCodec.Versions(ApiKey.DescribeConfigs);

    [Theory]
    [MemberData(nameof(Versions))]
    public void Requests_round_trip_at_every_version(short version)
    {
        var request = new DescribeConfigsRequestData(
        [
            new(DescribeConfigsRequestData.TopicResource, "orders", ["retention.ms", "cleanup.policy"]),
            new(DescribeConfigsRequestData.BrokerResource, "1", null),
        ], IncludeSynonyms: version >= 1, IncludeDocumentation: version >= 3);
        KafkaCodec.AssertRoundTrips(request, version, DescribeConfigsRequestData.Read);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void Responses_round_trip_at_every_version(short version) =>
        KafkaCodec.AssertRoundTrips(SampleResponse(version), version, DescribeConfigsResponseData.Read);

    [Fact]
    public void A_v0_config_says_is_default_and_a_v1_config_its_source_and_synonyms()
    {
        byte[] v0 =
        [
            0, 0, 0, 0, // throttle_time_ms 0
            0, 0, 0, 1, 0, 0, 0xFF, 0xFF, 2, 0, 1, (byte)'t', // results: one, error 0, message null, topic "t"
            0, 0, 0, 1, 0, 1, (byte)'k', 0, 1, (byte)'v', // configs: one, "k" = "v"
            0, 1, 0, // read_only false, is_default true, is_sensitive false
        ];
        var reader = new KafkaReader(v0);
        var read = DescribeConfigsResponseData.Read(ref reader, 0);
        reader.ExpectEnd("describe configs v0");
        var config = Assert.Single(Assert.Single(read.Results).Configs);
        Assert.True(config.IsDefault);
        Assert.Equal((sbyte)-1, config.ConfigSource);

        byte[] v1 =
        [
            0, 0, 0, 0, // throttle_time_ms 0
            0, 0, 0, 1, 0, 0, 0xFF, 0xFF, 2, 0, 1, (byte)'t', // results: one, error 0, message null, topic "t"
            0, 0, 0, 1, 0, 1, (byte)'k', 0, 1, (byte)'v', // configs: one, "k" = "v"
            0, 5, 0, // read_only false, config_source 5 (default config), is_sensitive false
            0, 0, 0, 1, 0, 1, (byte)'k', 0, 1, (byte)'v', 5, // synonyms: one, "k" = "v" from source 5
        ];
        var writer = new KafkaWriter();
        new DescribeConfigsResponseData([new(ErrorCode.None, null, 2, "t", [new("k", "v", false, false, ConfigSource: 5, Synonyms: [new("k", "v", 5)])])])
            .Write(writer, 1);
        Assert.Equal(v1, writer.ToArray());
    }

    [Fact]
    public void Every_prefix_of_a_response_is_a_protocol_error() =>
        KafkaCodec.AssertEveryPrefixThrows(SampleResponse(3), 3, DescribeConfigsResponseData.Read);

    private static DescribeConfigsResponseData SampleResponse(short version) => new(
        [
            new(ErrorCode.None, null, DescribeConfigsRequestData.TopicResource, "orders",
            [
                new("retention.ms", "604800000", ReadOnly: false, IsSensitive: false,
                    ConfigSource: (sbyte)(version >= 1 ? 1 : -1),
                    Synonyms: version >= 1 ? [new("retention.ms", "604800000", 1), new("log.retention.ms", null, 5)] : [],
                    ConfigType: (sbyte)(version >= 3 ? 5 : 0),
                    Documentation: version >= 3 ? "How long a log is kept." : null),
                new("cleanup.policy", "delete", ReadOnly: true, IsSensitive: false, IsDefault: version == 0,
                    ConfigSource: (sbyte)(version >= 1 ? 5 : -1)),
            ]),
            new(ErrorCode.UnknownTopicOrPartition, "no such topic", DescribeConfigsRequestData.TopicResource, "missing", []),
        ], ThrottleTimeMs: 1);
}
