using System.Runtime.InteropServices;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;

namespace AkkaKafka.Tests.KafkaWire;

[Trait("Speed", "Fast")]
public sealed class FetchCodecSpecs
{
    public static TheoryData<short> Versions() => KafkaCodec.Versions(ApiKey.Fetch);

    private static readonly byte[] Batches = Enumerable.Range(0, 130).Select(i => (byte)(255 - i)).ToArray();

    [Theory]
    [MemberData(nameof(Versions))]
    public void Requests_round_trip_at_every_version(short version) =>
        KafkaCodec.AssertRoundTrips(SampleRequest(version), version, FetchRequestData.Read);

    [Theory]
    [MemberData(nameof(Versions))]
    public void Responses_round_trip_at_every_version(short version) =>
        KafkaCodec.AssertRoundTrips(SampleResponse(version), version, FetchResponseData.Read);

    [Fact]
    public void A_v11_request_as_librdkafka_sends_it_matches_bytes_written_by_hand_from_the_schema()
    {
        byte[] expected =
        [
            0xFF, 0xFF, 0xFF, 0xFF, // replica_id -1 (a consumer)
            0, 0, 0x01, 0xF4, // max_wait_ms 500
            0, 0, 0, 1, // min_bytes 1
            0x03, 0x20, 0, 0, // max_bytes 52428800
            1, // isolation_level read committed
            0, 0, 0, 0, // session_id 0
            0xFF, 0xFF, 0xFF, 0xFF, // session_epoch -1
            0, 0, 0, 1, 0, 1, (byte)'t', // topics: one, "t"
            0, 0, 0, 1, 0, 0, 0, 0, // partitions: one, partition 0
            0xFF, 0xFF, 0xFF, 0xFF, // current_leader_epoch -1
            0, 0, 0, 0, 0, 0, 0, 5, // fetch_offset 5
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // log_start_offset -1
            0, 0x10, 0, 0, // partition_max_bytes 1048576
            0, 0, 0, 0, // forgotten_topics_data: none
            0, 0, // rack_id ""
        ];
        var request = new FetchRequestData(-1, 500, 1, [new("t", [new(0, 5, 1_048_576)])], MaxBytes: 52_428_800, IsolationLevel: 1);
        var writer = new KafkaWriter();
        request.Write(writer, 11);
        Assert.Equal(expected, writer.ToArray());
        var reader = new KafkaReader(expected);
        KafkaCodec.AssertRoundTrips(request, 11, FetchRequestData.Read);
        Assert.Equal(5, FetchRequestData.Read(ref reader, 11).Topics[0].Partitions[0].FetchOffset);
    }

    [Fact]
    public void A_v11_response_matches_bytes_written_by_hand_from_the_schema()
    {
        byte[] expected =
        [
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // throttle_time_ms 0, error_code 0, session_id 0
            0, 0, 0, 1, 0, 1, (byte)'t', // responses: one, "t"
            0, 0, 0, 1, 0, 0, 0, 0, 0, 0, // partitions: one, index 0, error 0
            0, 0, 0, 0, 0, 0, 0, 9, // high_watermark 9
            0, 0, 0, 0, 0, 0, 0, 9, // last_stable_offset 9
            0, 0, 0, 0, 0, 0, 0, 0, // log_start_offset 0
            0, 0, 0, 0, // aborted_transactions: empty
            0xFF, 0xFF, 0xFF, 0xFF, // preferred_read_replica -1
            0, 0, 0, 2, 0xCA, 0xFE, // records: 2 bytes
        ];
        var response = new FetchResponseData([new("t", [new(0, ErrorCode.None, 9, new byte[] { 0xCA, 0xFE }, 9, 0, [])])]);
        var writer = new KafkaWriter();
        response.Write(writer, 11);
        Assert.Equal(expected, writer.ToArray());
    }

    [Fact]
    public void Null_and_empty_aborted_transactions_are_told_apart_from_v4()
    {
        var withNull = new FetchResponseData([new("t", [new(0, ErrorCode.None, 0, null, 0, 0, null)])]);
        var withEmpty = withNull with { Responses = [new("t", [new(0, ErrorCode.None, 0, null, 0, 0, [])])] };
        Assert.Null(KafkaCodec.RoundTrip(withNull, 4, FetchResponseData.Read).Responses[0].Partitions[0].AbortedTransactions);
        Assert.Empty(KafkaCodec.RoundTrip(withEmpty, 4, FetchResponseData.Read).Responses[0].Partitions[0].AbortedTransactions!);
        Assert.Null(KafkaCodec.RoundTrip(withNull, 4, FetchResponseData.Read).Responses[0].Partitions[0].Records);
    }

    [Fact]
    public void Records_are_read_as_a_slice_of_the_response_not_a_copy()
    {
        var writer = new KafkaWriter();
        SampleResponse(11).Write(writer, 11);
        var bytes = writer.ToArray();
        var reader = new KafkaReader(bytes);
        var records = FetchResponseData.Read(ref reader, 11).Responses[0].Partitions[0].Records!.Value;
        Assert.True(MemoryMarshal.TryGetArray(records, out var segment));
        Assert.Same(bytes, segment.Array);
    }

    [Fact]
    public void Every_prefix_of_a_request_or_response_is_a_protocol_error()
    {
        KafkaCodec.AssertEveryPrefixThrows(SampleRequest(11), 11, FetchRequestData.Read);
        KafkaCodec.AssertEveryPrefixThrows(SampleResponse(11), 11, FetchResponseData.Read);
        KafkaCodec.AssertEveryPrefixThrows(SampleResponse(4), 4, FetchResponseData.Read);
    }

    /// <summary>An incremental fetch of two topics; fields a version lacks hold their defaults.</summary>
    private static FetchRequestData SampleRequest(short version) => new(
        ReplicaId: -1,
        MaxWaitMs: 500,
        MinBytes: 1,
        Topics:
        [
            new("orders",
            [
                new(0, 100, 1_048_576, version >= 9 ? 3 : -1, version >= 5 ? 0 : -1),
                new(1, 0, 1_048_576, version >= 9 ? 3 : -1),
            ]),
            new("payments", [new(2, 42, 65_536)]),
        ],
        MaxBytes: version >= 3 ? 52_428_800 : int.MaxValue,
        IsolationLevel: (sbyte)(version >= 4 ? 1 : 0),
        SessionId: version >= 7 ? 77 : 0,
        SessionEpoch: version >= 7 ? 4 : -1,
        ForgottenTopicsData: version >= 7 ? [new("audit", [0, 3])] : [],
        RackId: version >= 11 ? "eu-west-1a" : "");

    private static FetchResponseData SampleResponse(short version) => new(
        [
            new("orders",
            [
                new(0, ErrorCode.None, 120, Batches, version >= 4 ? 120 : -1, version >= 5 ? 0 : -1,
                    version >= 4 ? [new(9001, 110)] : null, version >= 11 ? 2 : -1),
                new(1, ErrorCode.OffsetOutOfRange, 7, ReadOnlyMemory<byte>.Empty, version >= 4 ? 7 : -1,
                    AbortedTransactions: version >= 4 ? [] : null),
            ]),
            new("payments", [new(2, ErrorCode.NotLeaderOrFollower, -1, null)]),
        ],
        ThrottleTimeMs: version >= 1 ? 5 : 0,
        ErrorCode: ErrorCode.None,
        SessionId: version >= 7 ? 77 : 0);
}
