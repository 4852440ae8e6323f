using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class ListOffsetsCodecSpecs
{
    public static TheoryData<short> Versions() => KafkaCodec.Versions(ApiKey.ListOffsets);

    [Theory]
    [MemberData(nameof(Versions))]
    public void Requests_round_trip_at_every_version(short version)
    {
        var request = new ListOffsetsRequestData(-1,
        [
            new("orders",
            [
                new(0, -1, version >= 4 ? 5 : -1, version == 0 ? 1 : 1),
                new(1, -2, MaxNumOffsets: version == 0 ? 10 : 1),
                new(2, 1_700_000_000_000),
            ]),
        ], IsolationLevel: (sbyte)(version >= 2 ? 1 : 0));
        KafkaCodec.AssertRoundTrips(request, version, ListOffsetsRequestData.Read);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void Responses_round_trip_at_every_version(short version)
    {
        var response = new ListOffsetsResponseData(
        [
            new("orders",
            [
                version == 0
                    ? new(0, ErrorCode.None, OldStyleOffsets: [120, 0])
                    : new(0, ErrorCode.None, 1_700_000_000_000, 120, version >= 4 ? 5 : -1),
                new(1, ErrorCode.NotLeaderOrFollower),
            ]),
        ], ThrottleTimeMs: version >= 2 ? 4 : 0);
        KafkaCodec.AssertRoundTrips(response, version, ListOffsetsResponseData.Read);
    }

    [Fact]
    public void A_v0_request_carries_max_num_offsets_and_its_response_an_array_of_offsets()
    {
        byte[] request =
        [
            0xFF, 0xFF, 0xFF, 0xFF, // replica_id -1
            0, 0, 0, 1, 0, 1, (byte)'t', // topics: one, "t"
            0, 0, 0, 1, 0, 0, 0, 3, // partitions: one, index 3
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, // timestamp -2 (earliest)
            0, 0, 0, 1, // max_num_offsets 1
        ];
        var reader = new KafkaReader(request);
        var read = ListOffsetsRequestData.Read(ref reader, 0);
        reader.ExpectEnd("list offsets v0");
        Assert.Equal(new ListOffsetsRequestData.ListOffsetsPartition(3, -2), read.Topics[0].Partitions[0]);

        byte[] response =
        [
            0, 0, 0, 1, 0, 1, (byte)'t', // topics: one, "t"
            0, 0, 0, 1, 0, 0, 0, 3, 0, 0, // partitions: one, index 3, error 0
            0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, // old_style_offsets: [0]
        ];
        var writer = new KafkaWriter();
        new ListOffsetsResponseData([new("t", [new(3, ErrorCode.None, OldStyleOffsets: [0])])]).Write(writer, 0);
        Assert.Equal(response, writer.ToArray());
    }

    [Fact]
    public void A_v5_response_matches_bytes_written_by_hand_from_the_schema()
    {
        byte[] expected =
        [
            0, 0, 0, 0, // throttle_time_ms 0
            0, 0, 0, 1, 0, 1, (byte)'t', // topics: one, "t"
            0, 0, 0, 1, 0, 0, 0, 0, 0, 0, // partitions: one, index 0, error 0
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // timestamp -1
            0, 0, 0, 0, 0, 0, 0, 42, // offset 42
            0, 0, 0, 2, // leader_epoch 2
        ];
        var writer = new KafkaWriter();
        new ListOffsetsResponseData([new("t", [new(0, ErrorCode.None, -1, 42, 2)])]).Write(writer, 5);
        Assert.Equal(expected, writer.ToArray());
    }
}
