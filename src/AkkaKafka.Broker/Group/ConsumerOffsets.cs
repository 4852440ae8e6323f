using AkkaKafka.Protocol.Kafka;

namespace AkkaKafka.Broker.Group;

/// <summary>
/// Kafka's internal topic <c>__consumer_offsets</c> as tools that read it expect (lag monitors such as Burrow, Kafka's
/// own GroupMetadataManager formatter): which partition a group's records go to, and the records' key and value
/// layouts, Kafka's OffsetCommitKey v1 / OffsetCommitValue v3 and GroupMetadataKey v2 / GroupMetadataValue v3
/// (group-coordinator/src/main/resources/common/message/ in apache/kafka). Every key and value starts with its int16
/// schema version, which is how readers tell an offset commit (key version 0 or 1) from group metadata (key version 2).
/// None of these versions is flexible: plain int16-length strings, int32-length bytes and arrays, no tagged fields.
/// A null value is a tombstone: the group's offset or the group itself is gone. Pure: no I/O.
/// </summary>
public static class ConsumerOffsets
{
    public const string Topic = "__consumer_offsets";

    public const short OffsetCommitKeyVersion = 1;
    public const short OffsetCommitValueVersion = 3;
    public const short GroupMetadataKeyVersion = 2;
    public const short GroupMetadataValueVersion = 3;

    /// <summary>Kafka's GroupMetadataManager.partitionFor: Utils.abs(groupId.hashCode) % partitions.</summary>
    public static int PartitionFor(string group, int partitions) => JavaAbs(JavaHashCode(group)) % partitions;

    /// <summary>
    /// Java's String.hashCode: s[0]*31^(n-1) + … + s[n-1] over UTF-16 code units in 32-bit arithmetic that wraps. A .NET
    /// string is UTF-16 too, so its chars are Java's chars one for one (a character outside the BMP is two of them).
    /// </summary>
    public static int JavaHashCode(string value)
    {
        var hash = 0;
        foreach (var ch in value) hash = unchecked(31 * hash + ch);
        return hash;
    }

    /// <summary>Kafka's Utils.abs: the absolute value, except int.MinValue (which has none) gives 0, not a negative.</summary>
    public static int JavaAbs(int n) => n == int.MinValue ? 0 : Math.Abs(n);

    /// <summary>OffsetCommitKey v1: the group, topic and partition an offset commit is for.</summary>
    public static byte[] OffsetCommitKey(string group, string topic, int partition) => new KafkaWriter(16 + group.Length + topic.Length)
        .Int16(OffsetCommitKeyVersion).String(group).String(topic).Int32(partition).ToArray();

    /// <summary>
    /// OffsetCommitValue v3: the committed offset, the leader epoch of the record before it (-1: not known), the commit's
    /// metadata string and when the coordinator accepted it (ms since the epoch). v3 dropped v1's expire timestamp.
    /// </summary>
    public static byte[] OffsetCommitValue(long offset, int leaderEpoch, string metadata, long commitTimestampMs) => new KafkaWriter(32 + metadata.Length)
        .Int16(OffsetCommitValueVersion).Int64(offset).Int32(leaderEpoch).String(metadata).Int64(commitTimestampMs).ToArray();

    /// <summary>GroupMetadataKey v2: the group whose metadata the value is.</summary>
    public static byte[] GroupMetadataKey(string group) => new KafkaWriter(8 + group.Length)
        .Int16(GroupMetadataKeyVersion).String(group).ToArray();

    /// <summary>
    /// GroupMetadataValue v3 of a group as the coordinator stored it, written as Kafka's coordinator writes it: the
    /// protocol type "" when the group never had one, the protocol and leader null when it has none (an empty group),
    /// each member's subscription being its metadata for the chosen protocol, its assignment the leader's bytes.
    /// </summary>
    public static byte[] GroupMetadataValue(GroupMetadata group, long currentStateTimestampMs)
    {
        var w = new KafkaWriter(64 + group.Members.Sum(m => 64 + m.MemberId.Length + m.ClientId.Length + m.Assignment.Length));
        w.Int16(GroupMetadataValueVersion)
            .String(group.ProtocolType ?? "")
            .Int32(group.Generation)
            .NullableString(group.ProtocolName)
            .NullableString(group.Leader)
            .Int64(currentStateTimestampMs)
            .Array(group.Members, (m, member) => m
                .String(member.MemberId)
                .NullableString(member.GroupInstanceId)
                .String(member.ClientId)
                .String(member.ClientHost)
                .Int32(member.RebalanceTimeoutMs)
                .Int32(member.SessionTimeoutMs)
                .Bytes(member.Protocols.FirstOrDefault(p => p.Name == group.ProtocolName)?.Metadata ?? [])
                .Bytes(member.Assignment));
        return w.ToArray();
    }
}
