using System.Runtime.InteropServices;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class ProduceCodecSpecs
{
    public static TheoryData<short> Versions() => KafkaCodec.Versions(ApiKey.Produce);

    /// <summary>Stand-in record bytes: the codec passes them through untouched, whatever they hold.</summary>
    private static readonly byte[] Batch = Enumerable.Range(0, 70).Select(i => (byte)(i * 7)).ToArray();

    [Theory]
    [MemberData(nameof(Versions))]
    public void Requests_round_trip_at_every_version(short version) =>
        KafkaCodec.AssertRoundTrips(SampleRequest(version), version, ProduceRequestData.Read);

    [Theory]
    [MemberData(nameof(Versions))]
    public void Responses_round_trip_at_every_version(short version) =>
        KafkaCodec.AssertRoundTrips(SampleResponse(version), version, ProduceResponseData.Read);

    [Fact]
    public void A_v7_request_as_librdkafka_sends_it_matches_bytes_written_by_hand_from_the_schema()
    {
        byte[] expected =
        [
            0xFF, 0xFF, // transactional_id: null
            0xFF, 0xFF, // acks -1
            0, 0, 0x75, 0x30, // timeout_ms 30000
            0, 0, 0, 1, 0, 1, (byte)'t', // topics: one, name "t"
            0, 0, 0, 1, 0, 0, 0, 2, // partitions: one, index 2
            0, 0, 0, 3, 0xAA, 0xBB, 0xCC, // records: 3 bytes
        ];
        var request = new ProduceRequestData(-1, 30000, [new("t", [new(2, new byte[] { 0xAA, 0xBB, 0xCC })])]);
        var writer = new KafkaWriter();
        request.Write(writer, 7);
        Assert.Equal(expected, writer.ToArray());
        var reader = new KafkaReader(expected);
        var read = ProduceRequestData.Read(ref reader, 7);
        reader.ExpectEnd("produce v7");
        Assert.Null(read.TransactionalId);
        Assert.Equal((short)-1, read.Acks);
        Assert.Equal(new byte[] { 0xAA, 0xBB, 0xCC }, read.Topics[0].Partitions[0].Records!.Value.ToArray());
    }

    [Fact]
    public void A_v5_response_puts_the_throttle_time_after_the_responses()
    {
        byte[] expected =
        [
            0, 0, 0, 1, 0, 1, (byte)'t', // responses: one, name "t"
            0, 0, 0, 1, 0, 0, 0, 0, 0, 0, // partitions: one, index 0, error 0
            0, 0, 0, 0, 0, 0, 0, 42, // base_offset 42
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // log_append_time_ms -1
            0, 0, 0, 0, 0, 0, 0, 0, // log_start_offset 0
            0, 0, 0, 9, // throttle_time_ms 9
        ];
        var response = new ProduceResponseData([new("t", [new(0, ErrorCode.None, 42, -1, 0)])], ThrottleTimeMs: 9);
        var writer = new KafkaWriter();
        response.Write(writer, 5);
        Assert.Equal(expected, writer.ToArray());
    }

    [Fact]
    public void A_v8_response_carries_the_partitions_error_message_and_record_errors_after_the_log_start_offset()
    {
        byte[] expected =
        [
            0, 0, 0, 1, 0, 1, (byte)'t', // responses: one, name "t"
            0, 0, 0, 1, 0, 0, 0, 0, 0, 56, // partitions: one, index 0, error 56 KAFKA_STORAGE_ERROR
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // base_offset -1
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // log_append_time_ms -1
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // log_start_offset -1
            0, 0, 0, 1, 0, 0, 0, 2, 0xFF, 0xFF, // record_errors: one, batch_index 2, message null
            0, 4, (byte)'f', (byte)'u', (byte)'l', (byte)'l', // error_message "full"
            0, 0, 0, 0, // throttle_time_ms 0
        ];
        var response = new ProduceResponseData([new("t", [new(0, ErrorCode.KafkaStorageError, -1, RecordErrors: [new(2, null)], ErrorMessage: "full")])]);
        var writer = new KafkaWriter();
        response.Write(writer, 8);
        Assert.Equal(expected, writer.ToArray());
        var reader = new KafkaReader(expected);
        var read = ProduceResponseData.Read(ref reader, 8);
        reader.ExpectEnd("produce response v8");
        Assert.Equal("full", read.Responses[0].Partitions[0].ErrorMessage);
    }

    [Fact]
    public void Records_are_read_as_a_slice_of_the_request_not_a_copy()
    {
        var writer = new KafkaWriter();
        SampleRequest(7).Write(writer, 7);
        var bytes = writer.ToArray();
        var reader = new KafkaReader(bytes);
        var records = ProduceRequestData.Read(ref reader, 7).Topics[0].Partitions[0].Records!.Value;
        Assert.True(MemoryMarshal.TryGetArray(records, out var segment));
        Assert.Same(bytes, segment.Array);
    }

    [Fact]
    public void Every_prefix_of_a_request_or_response_is_a_protocol_error()
    {
        KafkaCodec.AssertEveryPrefixThrows(SampleRequest(7), 7, ProduceRequestData.Read);
        KafkaCodec.AssertEveryPrefixThrows(SampleResponse(7), 7, ProduceResponseData.Read);
        KafkaCodec.AssertEveryPrefixThrows(SampleResponse(8), 8, ProduceResponseData.Read);
    }

    private static ProduceRequestData SampleRequest(short version) => new(
        Acks: -1,
        TimeoutMs: 30_000,
        Topics:
        [
            new("orders", [new(0, Batch), new(1, Batch.AsMemory(0, 61)), new(2, null)]),
            new("payments", [new(5, Batch)]),
        ],
        TransactionalId: version >= 3 ? "tx-1" : null);

    private static ProduceResponseData SampleResponse(short version) => new(
        [
            new("orders",
            [
                new(0, ErrorCode.None, 1_000, version >= 2 ? 1_700_000_000_000 : -1, version >= 5 ? 10 : -1),
                new(1, ErrorCode.NotLeaderOrFollower, -1),
                new(2, version >= 8 ? ErrorCode.InvalidRecord : ErrorCode.KafkaStorageError, -1,
                    RecordErrors: version >= 8 ? [new(3, "timestamp out of range"), new(4, null)] : null,
                    ErrorMessage: version >= 8 ? "journal write failed: disk full" : null),
            ]),
            new("payments", [new(5, ErrorCode.UnsupportedVersion, -1)]),
        ],
        ThrottleTimeMs: version >= 1 ? 3 : 0);
}
