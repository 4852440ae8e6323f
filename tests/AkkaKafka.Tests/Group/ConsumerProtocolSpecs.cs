using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using Xunit;

namespace AkkaKafka.Tests.Group;

/// <summary>The partitions inside a Kafka consumer's assignment bytes, so `group describe` can show what Kafka clients read.</summary>
[Trait("Speed", "Fast")]
public sealed class ConsumerProtocolSpecs
{
    // What a Kafka consumer's leader writes for orders-0, orders-2 and payments-1 (version 0, null user data), by hand.
    private static readonly byte[] Version0 =
    [
        0, 0,                               // version 0
        0, 0, 0, 2,                         // two topics
        0, 6, (byte)'o', (byte)'r', (byte)'d', (byte)'e', (byte)'r', (byte)'s',
        0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, // partitions 0 and 2
        0, 8, (byte)'p', (byte)'a', (byte)'y', (byte)'m', (byte)'e', (byte)'n', (byte)'t', (byte)'s',
        0, 0, 0, 1, 0, 0, 0, 1,             // partition 1
        255, 255, 255, 255,                 // null user data
    ];

    private static readonly TopicPartition[] Expected = [new("orders", 0), new("orders", 2), new("payments", 1)];

    [Fact]
    public void A_version_0_assignment_reads_as_its_partitions() =>
        Assert.Equal(Expected, ConsumerProtocol.TryDecodeAssignment(Version0));

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Versions_up_to_3_read_the_same_way(short version)
    {
        var bytes = (byte[])Version0.Clone();
        bytes[1] = (byte)version;

        Assert.Equal(Expected, ConsumerProtocol.TryDecodeAssignment(bytes));
    }

    [Fact]
    public void A_newer_version_with_trailing_fields_is_read_as_far_as_the_known_layout_goes()
    {
        byte[] bytes = [0, 9, .. Version0[2..], 1, 2, 3, 4, 5];

        Assert.Equal(Expected, ConsumerProtocol.TryDecodeAssignment(bytes));
    }

    [Fact]
    public void User_data_is_skipped() =>
        Assert.Equal(Expected, ConsumerProtocol.TryDecodeAssignment(ConsumerProtocol.EncodeAssignment(Expected, [1, 2, 3])));

    [Fact]
    public void Encoding_writes_the_layout_a_Kafka_consumer_writes() =>
        Assert.Equal(Version0, ConsumerProtocol.EncodeAssignment(Expected, userData: null, version: 0));

    [Fact]
    public void Empty_bytes_are_an_empty_assignment() => Assert.Empty(ConsumerProtocol.TryDecodeAssignment([])!);

    [Fact]
    public void Truncated_or_negative_counts_are_not_an_assignment()
    {
        for (var length = 1; length < Version0.Length - 4; length++)
            Assert.Null(ConsumerProtocol.TryDecodeAssignment(Version0.AsSpan(0, length)));
        Assert.Null(ConsumerProtocol.TryDecodeAssignment([0, 0, 255, 255, 255, 255]));
    }
}
