using AkkaKafka.Broker.Group;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using Xunit;

namespace AkkaKafka.Tests.Group;

/// <summary>
/// __consumer_offsets as Kafka's readers decode it: a group's partition by Kafka's hash, and the record layouts of
/// group-coordinator/src/main/resources/common/message/ (OffsetCommitKey v1, OffsetCommitValue v3, GroupMetadataKey v2,
/// GroupMetadataValue v3), byte for byte. The expected bytes are written out by hand from those JSON definitions
/// (non-flexible: int16 version first, int16-length strings, -1 for null, int32-length bytes and arrays).
/// </summary>
[Trait("Speed", "Fast")]
public sealed class ConsumerOffsetsSpecs
{
    // Java's "hello".hashCode() is 99162322 (the JDK's own example value); "polygenelubricants" hashes to
    // Integer.MIN_VALUE, which Kafka's Utils.abs turns into 0, not a negative partition.
    [Theory]
    [InlineData("", 0, 0)]
    [InlineData("hello", 99162322, 22)]
    [InlineData("polygenelubricants", int.MinValue, 0)]
    [InlineData("my-group", -1906497762, 12)]
    // One character outside the BMP is two UTF-16 code units for Java too: 0xD83D * 31 + 0xDE00.
    [InlineData("\U0001F600", 0xD83D * 31 + 0xDE00, 49)]
    public void A_group_goes_to_the_partition_Kafka_computes_from_its_Java_hash_code(string group, int javaHash, int partitionOf50)
    {
        Assert.Equal(javaHash, ConsumerOffsets.JavaHashCode(group));
        Assert.Equal(partitionOf50, ConsumerOffsets.PartitionFor(group, 50));
    }

    [Fact]
    public void An_offset_commit_key_is_version_1_then_group_topic_and_partition()
    {
        Assert.Equal([0, 1, 0, 1, (byte)'g', 0, 2, (byte)'t', (byte)'p', 0, 0, 0, 7],
            ConsumerOffsets.OffsetCommitKey("g", "tp", 7));
    }

    [Fact]
    public void An_offset_commit_value_is_version_3_then_offset_leader_epoch_metadata_and_commit_time()
    {
        // 1700000000000 ms = 0x0000018BCFE56800.
        Assert.Equal([0, 3, 0, 0, 0, 0, 0, 0, 0, 42, 0xFF, 0xFF, 0xFF, 0xFF, 0, 1, (byte)'m', 0, 0, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x00],
            ConsumerOffsets.OffsetCommitValue(42, -1, "m", 1_700_000_000_000));
    }

    [Fact]
    public void A_group_metadata_key_is_version_2_then_the_group()
    {
        Assert.Equal([0, 2, 0, 2, (byte)'g', (byte)'1'], ConsumerOffsets.GroupMetadataKey("g1"));
    }

    [Fact]
    public void A_group_metadata_value_is_version_3_with_each_members_metadata_for_the_chosen_protocol_and_its_assignment()
    {
        var member = new GroupMemberMetadata("m", null, "c", "/h", SessionTimeoutMs: 45_000, RebalanceTimeoutMs: 300_000,
            [new GroupProtocolOffer("rr", [9]), new GroupProtocolOffer("r", [1, 2])], Assignment: [5], [], []);
        var group = new GroupMetadata(GroupKind.Classic, 3, "consumer", "r", "m", [member], []);

        byte[] expected =
        [
            0, 3, // version
            0, 8, .. "consumer"u8, // protocolType
            0, 0, 0, 3, // generation
            0, 1, (byte)'r', // protocol
            0, 1, (byte)'m', // leader
            0, 0, 0, 0, 0, 0, 0, 5, // currentStateTimestamp
            0, 0, 0, 1, // one member
            0, 1, (byte)'m', // memberId
            0xFF, 0xFF, // groupInstanceId: null
            0, 1, (byte)'c', // clientId
            0, 2, (byte)'/', (byte)'h', // clientHost
            0, 0x04, 0x93, 0xE0, // rebalanceTimeout 300000
            0, 0, 0xAF, 0xC8, // sessionTimeout 45000
            0, 0, 0, 2, 1, 2, // subscription: the member's metadata for protocol "r"
            0, 0, 0, 1, 5, // assignment
        ];
        Assert.Equal(expected, ConsumerOffsets.GroupMetadataValue(group, 5));
    }

    [Fact]
    public void An_empty_group_is_written_as_Kafka_writes_one_with_no_protocol_type_protocol_or_leader()
    {
        var group = new GroupMetadata(GroupKind.Classic, 4, null, null, null, [], []);
        Assert.Equal([0, 3, 0, 0, 0, 0, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0],
            ConsumerOffsets.GroupMetadataValue(group, 9));
    }
}
