using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class CreatePartitionsCodecSpecs
{
    public static TheoryData<short> Versions() => KafkaCodec.Versions(ApiKey.CreatePartitions);

    [Theory]
    [MemberData(nameof(Versions))]
    public void Requests_and_responses_round_trip_at_every_version(short version)
    {
        var request = new CreatePartitionsRequestData(
            [new("orders", 12), new("placed", 4, [new([1, 2]), new([2, 3])])], TimeoutMs: 30_000, ValidateOnly: true);
        KafkaCodec.AssertRoundTrips(request, version, CreatePartitionsRequestData.Read);
        var response = new CreatePartitionsResponseData(
            [new("orders", ErrorCode.None), new("placed", ErrorCode.InvalidPartitions, "Topic already has 6 partitions.")], 3);
        KafkaCodec.AssertRoundTrips(response, version, CreatePartitionsResponseData.Read);
    }

    [Fact]
    public void A_v1_request_without_assignments_matches_bytes_written_by_hand_from_the_schema()
    {
        byte[] expected =
        [
            0, 0, 0, 1, 0, 1, (byte)'t', 0, 0, 0, 8, // topics: one, "t", count 8
            0xFF, 0xFF, 0xFF, 0xFF, // assignments: null
            0, 0, 0x27, 0x10, 0, // timeout_ms 10000, validate_only false
        ];
        var writer = new KafkaWriter();
        new CreatePartitionsRequestData([new("t", 8)], 10_000).Write(writer, 1);
        Assert.Equal(expected, writer.ToArray());
        var reader = new KafkaReader(expected);
        Assert.Null(Assert.Single(CreatePartitionsRequestData.Read(ref reader, 1).Topics).Assignments);
    }
}
