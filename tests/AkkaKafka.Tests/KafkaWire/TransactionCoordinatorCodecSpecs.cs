using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;
using static AkkaKafka.Tests.KafkaWire.KafkaCodec;

namespace AkkaKafka.Tests.KafkaWire;

/// <summary>AddPartitionsToTxn v0–4, AddOffsetsToTxn v0–3 and EndTxn v0–3, as Kafka's message definitions lay them out.</summary>
[Trait("Speed", "Fast")]
public sealed class TransactionCoordinatorCodecSpecs
{
    public static TheoryData<short> AddPartitionsVersions() => Versions(ApiKey.AddPartitionsToTxn);
    public static TheoryData<short> AddOffsetsVersions() => Versions(ApiKey.AddOffsetsToTxn);
    public static TheoryData<short> EndTxnVersions() => Versions(ApiKey.EndTxn);

    private static readonly AddPartitionsToTxnRequestData ClientAdd =
        AddPartitionsToTxnRequestData.ForClient("tx-1", 4242, 7, [new("orders", [0, 2]), new("audit", [1])]);

    private static readonly AddPartitionsToTxnRequestData BrokersVerify = new(
    [
        new("tx-1", 4242, 7, VerifyOnly: true, [new("orders", [0])]),
        new("tx-2", long.MaxValue, short.MaxValue, VerifyOnly: false, []),
    ]);

    private static readonly AddPartitionsToTxnResponseData ClientAnswer = new(
        [new("orders", [new(0, ErrorCode.None), new(2, ErrorCode.ConcurrentTransactions)]), new("audit", [new(1, ErrorCode.OperationNotAttempted)])], [],
        ThrottleTimeMs: 3);

    private static readonly AddPartitionsToTxnResponseData BrokersAnswer = new([],
        [new("tx-1", [new("orders", [new(0, ErrorCode.InvalidTxnState)])]), new("tx-2", [])], ErrorCode.None, ThrottleTimeMs: 3);

    [Theory]
    [MemberData(nameof(AddPartitionsVersions))]
    public void AddPartitionsToTxn_round_trips_in_the_clients_form_before_v4_and_the_brokers_batched_form_from_v4(short version)
    {
        AssertRoundTrips(version >= 4 ? BrokersVerify : ClientAdd, version, AddPartitionsToTxnRequestData.Read);
        AssertRoundTrips(version >= 4 ? BrokersAnswer : ClientAnswer, version, AddPartitionsToTxnResponseData.Read);
        if (version >= 4) AssertRoundTrips(ClientAdd, version, AddPartitionsToTxnRequestData.Read);
    }

    [Fact]
    public void A_batch_or_a_verify_only_transaction_cannot_be_written_in_the_clients_form()
    {
        var error = Assert.Throws<ArgumentException>(() => Write(BrokersVerify, 3));
        Assert.Contains("v4", error.Message);
        Assert.Throws<ArgumentException>(() => Write(new AddPartitionsToTxnRequestData([new("tx", 1, 0, VerifyOnly: true, [])]), 2));
    }

    [Fact]
    public void AddPartitionsToTxn_v0_v3_and_v4_match_bytes_written_by_hand_from_the_schema()
    {
        var request = AddPartitionsToTxnRequestData.ForClient("tx", 42, 3, [new("t", [5])]);
        Assert.Equal(Hex("""
            0002 7478           // v3_and_below_transactional_id "tx"
            000000000000002A    // v3_and_below_producer_id 42
            0003                // v3_and_below_producer_epoch 3
            00000001            // one topic
            0001 74             //   name "t"
            00000001 00000005   //   partitions [5]
            """), Write(request, 0));
        Assert.Equal(Hex("""
            03 7478             // compact transactional id "tx"
            000000000000002A    // producer_id 42
            0003                // producer_epoch 3
            02                  // one topic
            02 74               //   compact name "t"
            02 00000005         //   partitions [5]
            00                  //   topic tagged fields
            00                  // tagged fields
            """), Write(request, 3));
        Assert.Equal(Hex("""
            02                  // one transaction
            03 7478             //   transactional_id "tx"
            000000000000002A    //   producer_id 42
            0003                //   producer_epoch 3
            01                  //   verify_only true
            02 02 74 02 00000005 00 //   one topic "t", partitions [5], tagged fields
            00                  //   transaction tagged fields
            00                  // tagged fields
            """), Write(new AddPartitionsToTxnRequestData([new("tx", 42, 3, VerifyOnly: true, [new("t", [5])])]), 4));
        Assert.Equal(Hex("""
            00000000            // throttle_time_ms
            00000001            // one topic
            0001 74             //   name "t"
            00000001            //   one partition
            00000005 0033       //     index 5, CONCURRENT_TRANSACTIONS
            """), Write(new AddPartitionsToTxnResponseData([new("t", [new(5, ErrorCode.ConcurrentTransactions)])], []), 0));
        Assert.Equal(Hex("""
            00000000            // throttle_time_ms
            001F                // error_code CLUSTER_AUTHORIZATION_FAILED
            01                  // no transactions
            00                  // tagged fields
            """), Write(new AddPartitionsToTxnResponseData([], [], ErrorCode.ClusterAuthorizationFailed), 4));
    }

    [Theory]
    [MemberData(nameof(AddOffsetsVersions))]
    public void AddOffsetsToTxn_round_trips_at_every_version(short version)
    {
        AssertRoundTrips(new AddOffsetsToTxnRequestData("tx-1", long.MaxValue, short.MaxValue, "payments"), version, AddOffsetsToTxnRequestData.Read);
        AssertRoundTrips(new AddOffsetsToTxnResponseData(ErrorCode.ProducerFenced, 9), version, AddOffsetsToTxnResponseData.Read);
    }

    [Fact]
    public void AddOffsetsToTxn_v0_and_v3_match_bytes_written_by_hand_from_the_schema()
    {
        var request = new AddOffsetsToTxnRequestData("tx", 42, 3, "g");
        Assert.Equal(Hex("0002 7478  000000000000002A  0003  0001 67"), Write(request, 0));
        Assert.Equal(Hex("03 7478  000000000000002A  0003  02 67  00"), Write(request, 3));
        Assert.Equal(Hex("00000000 0000 00"), Write(new AddOffsetsToTxnResponseData(ErrorCode.None), 3));
    }

    [Theory]
    [MemberData(nameof(EndTxnVersions))]
    public void EndTxn_round_trips_at_every_version(short version)
    {
        AssertRoundTrips(new EndTxnRequestData("tx-1", long.MaxValue, short.MaxValue, Committed: true), version, EndTxnRequestData.Read);
        AssertRoundTrips(new EndTxnRequestData("tx-1", 0, 0, Committed: false), version, EndTxnRequestData.Read);
        AssertRoundTrips(new EndTxnResponseData(ErrorCode.InvalidTxnState, 9), version, EndTxnResponseData.Read);
    }

    [Fact]
    public void EndTxn_v0_and_v3_match_bytes_written_by_hand_from_the_schema()
    {
        Assert.Equal(Hex("""
            0002 7478           // transactional_id "tx"
            000000000000002A    // producer_id 42
            0003                // producer_epoch 3
            01                  // committed
            """), Write(new EndTxnRequestData("tx", 42, 3, Committed: true), 0));
        Assert.Equal(Hex("03 7478  000000000000002A  0003  00  00"), Write(new EndTxnRequestData("tx", 42, 3, Committed: false), 3));
        Assert.Equal(Hex("""
            00000000            // throttle_time_ms
            005A                // error_code PRODUCER_FENCED
            00                  // tagged fields
            """), Write(new EndTxnResponseData(ErrorCode.ProducerFenced), 3));
    }

    [Fact]
    public void Only_the_versions_whose_semantics_the_coordinator_serves_are_advertised()
    {
        // AddPartitionsToTxn v5, AddOffsetsToTxn v4 and EndTxn v4 allow TRANSACTION_ABORTABLE; EndTxn v5 bumps the epoch at every end (KIP-890 part 2).
        Assert.Equal(4, KafkaApis.Find(ApiKey.AddPartitionsToTxn)!.MaxVersion);
        Assert.Equal(3, KafkaApis.Find(ApiKey.AddOffsetsToTxn)!.MaxVersion);
        Assert.Equal(3, KafkaApis.Find(ApiKey.EndTxn)!.MaxVersion);
    }

    [Fact]
    public void Truncated_bodies_are_a_protocol_error_not_a_crash()
    {
        AssertEveryPrefixThrows(ClientAdd, 3, AddPartitionsToTxnRequestData.Read);
        AssertEveryPrefixThrows(BrokersVerify, 4, AddPartitionsToTxnRequestData.Read);
        AssertEveryPrefixThrows(BrokersAnswer, 4, AddPartitionsToTxnResponseData.Read);
        AssertEveryPrefixThrows(new AddOffsetsToTxnRequestData("tx", 1, 0, "g"), 3, AddOffsetsToTxnRequestData.Read);
        AssertEveryPrefixThrows(new EndTxnRequestData("tx", 1, 0, true), 3, EndTxnRequestData.Read);
    }
}
