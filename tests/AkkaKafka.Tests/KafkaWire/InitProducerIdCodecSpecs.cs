using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class InitProducerIdCodecSpecs
{
    public static TheoryData<short> Versions() => KafkaCodec.Versions(ApiKey.InitProducerId);

    [Theory]
    [MemberData(nameof(Versions))]
    public void Requests_and_responses_round_trip_at_every_version(short version)
    {
        var request = version >= 3 ? new InitProducerIdRequestData(null, 60000, 42, 3) : new InitProducerIdRequestData(null, 60000);
        KafkaCodec.AssertRoundTrips(request, version, InitProducerIdRequestData.Read);
        KafkaCodec.AssertRoundTrips(new InitProducerIdRequestData("tx-1", 1000), version, InitProducerIdRequestData.Read);
        KafkaCodec.AssertRoundTrips(new InitProducerIdResponseData(ErrorCode.None, 1234, 0, 5), version, InitProducerIdResponseData.Read);
    }

    [Fact]
    public void A_v0_request_and_response_match_bytes_written_by_hand_from_the_schema()
    {
        var writer = new KafkaWriter();
        new InitProducerIdRequestData(null, 100).Write(writer, 0);
        Assert.Equal([0xFF, 0xFF, 0, 0, 0, 100], writer.ToArray()); // null transactional id, timeout 100

        writer = new KafkaWriter();
        new InitProducerIdResponseData(ErrorCode.None, 5, 0).Write(writer, 0);
        Assert.Equal([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0], writer.ToArray()); // throttle, error, id 5, epoch 0
    }

    [Fact]
    public void A_v4_request_is_flexible_with_the_producers_current_id_and_epoch()
    {
        var writer = new KafkaWriter();
        new InitProducerIdRequestData(null, 100, 9, 1).Write(writer, 4);
        // compact null string (0), timeout, producer id 9, epoch 1, no tagged fields
        Assert.Equal([0, 0, 0, 0, 100, 0, 0, 0, 0, 0, 0, 0, 9, 0, 1, 0], writer.ToArray());
    }
}
