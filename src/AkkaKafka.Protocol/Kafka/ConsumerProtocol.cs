using System.Buffers.Binary;
using System.Text;

namespace AkkaKafka.Protocol.Kafka;

/// <summary>
/// Kafka's ConsumerProtocol: the subscription a consumer offers in JoinGroup and the assignment a classic group's leader
/// hands each member in SyncGroup, opaque to the coordinator except that `group describe` wants the partitions in them.
/// The assignment's layout (big-endian, versions 0..3 alike):
/// int16 version, int32 count of (int16-length string topic, int32 count of int32 partitions), int32-length user data
/// (-1 = null). Later versions only append fields, so a newer version is read as far as this layout goes, as Kafka's
/// own ConsumerProtocol does. Pure: no I/O.
/// </summary>
public static class ConsumerProtocol
{
    /// <summary>The newest assignment version this layout describes; <see cref="EncodeAssignment"/> writes it.</summary>
    public const short AssignmentVersion = 3;

    /// <summary>
    /// The partitions in an assignment, or null when the bytes are not one (truncated, negative counts). Empty bytes are
    /// an empty assignment: a member the leader gave nothing may get zero-length bytes.
    /// </summary>
    public static IReadOnlyList<TopicPartition>? TryDecodeAssignment(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return [];
        var reader = new Reader(bytes);
        if (!reader.Int16(out var version) || version < 0) return null;
        if (!reader.Int32(out var topics) || topics < 0) return null;
        var result = new List<TopicPartition>();
        for (var i = 0; i < topics; i++)
        {
            if (!reader.String(out var topic) || !reader.Int32(out var partitions) || partitions < 0) return null;
            for (var j = 0; j < partitions; j++)
            {
                if (!reader.Int32(out var partition)) return null;
                result.Add(new TopicPartition(topic, partition));
            }
        }
        // The user data and anything a later version appends are not needed here.
        return result;
    }

    /// <summary>An assignment as a Kafka consumer's leader would write it (partitions grouped by topic, in the order given).</summary>
    public static byte[] EncodeAssignment(IEnumerable<TopicPartition> partitions, byte[]? userData = null, short version = AssignmentVersion)
    {
        var w = new Writer();
        w.Int16(version);
        w.Partitions(partitions);
        w.NullableBytes(userData);
        return w.ToArray();
    }

    /// <summary>The newest subscription version this codec writes (v1 added owned partitions, v2 the generation, v3 the rack).</summary>
    public const short SubscriptionVersion = 3;

    /// <summary>
    /// Kafka's ConsumerProtocolSubscription, the metadata a consumer offers with each assignor in JoinGroup: the topics it
    /// subscribes to and (v1+) the partitions it owns now, (v2+) the generation it owned them in, (v3+) its rack.
    /// </summary>
    public sealed record Subscription(IReadOnlyList<string> Topics, IReadOnlyList<TopicPartition> OwnedPartitions, int GenerationId = -1,
        byte[]? UserData = null, string? RackId = null);

    public static byte[] EncodeSubscription(Subscription subscription)
    {
        var w = new Writer();
        w.Int16(SubscriptionVersion);
        w.Int32(subscription.Topics.Count);
        foreach (var topic in subscription.Topics) w.String(topic);
        w.NullableBytes(subscription.UserData);
        w.Partitions(subscription.OwnedPartitions);
        w.Int32(subscription.GenerationId);
        if (subscription.RackId is null) w.Int16(-1);
        else w.String(subscription.RackId);
        return w.ToArray();
    }

    /// <summary>
    /// A member's subscription as any Kafka consumer writes it (versions 0 and up: fields a version lacks read as Kafka's
    /// defaults, fields a later version appends are skipped), or null when the bytes are not one.
    /// </summary>
    public static Subscription? TryDecodeSubscription(ReadOnlySpan<byte> bytes)
    {
        var reader = new Reader(bytes);
        if (!reader.Int16(out var version) || version < 0 || !reader.Int32(out var count) || count < 0) return null;
        var topics = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            if (!reader.String(out var topic)) return null;
            topics.Add(topic);
        }
        if (!reader.NullableBytes(out var userData)) return null;
        var owned = new List<TopicPartition>();
        var generation = -1;
        if (version >= 1)
        {
            if (!reader.Int32(out var ownedTopics) || ownedTopics < 0) return null;
            for (var i = 0; i < ownedTopics; i++)
            {
                if (!reader.String(out var topic) || !reader.Int32(out var partitions) || partitions < 0) return null;
                for (var j = 0; j < partitions; j++)
                {
                    if (!reader.Int32(out var partition)) return null;
                    owned.Add(new TopicPartition(topic, partition));
                }
            }
        }
        if (version >= 2 && !reader.Int32(out generation)) return null;
        // The rack (v3) is not used by these assignors: a member without one reads as null.
        return new Subscription(topics, owned, generation, userData);
    }

    private sealed class Writer
    {
        private readonly List<byte> _buffer = new(64);
        private readonly byte[] _scratch = new byte[4];

        public void Int16(short v) { BinaryPrimitives.WriteInt16BigEndian(_scratch, v); _buffer.AddRange(_scratch.AsSpan(0, 2)); }

        public void Int32(int v) { BinaryPrimitives.WriteInt32BigEndian(_scratch, v); _buffer.AddRange(_scratch); }

        public void String(string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            Int16(checked((short)bytes.Length));
            _buffer.AddRange(bytes);
        }

        public void NullableBytes(byte[]? bytes)
        {
            Int32(bytes?.Length ?? -1);
            if (bytes is not null) _buffer.AddRange(bytes);
        }

        /// <summary>Partitions grouped by topic, in the order given: (topic, [partition]) pairs.</summary>
        public void Partitions(IEnumerable<TopicPartition> partitions)
        {
            var byTopic = partitions.GroupBy(tp => tp.Topic).ToList();
            Int32(byTopic.Count);
            foreach (var topic in byTopic)
            {
                String(topic.Key);
                Int32(topic.Count());
                foreach (var tp in topic) Int32(tp.Partition);
            }
        }

        public byte[] ToArray() => _buffer.ToArray();
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public bool Int16(out short value)
        {
            value = 0;
            if (_data.Length - _position < 2) return false;
            value = BinaryPrimitives.ReadInt16BigEndian(_data[_position..]);
            _position += 2;
            return true;
        }

        public bool Int32(out int value)
        {
            value = 0;
            if (_data.Length - _position < 4) return false;
            value = BinaryPrimitives.ReadInt32BigEndian(_data[_position..]);
            _position += 4;
            return true;
        }

        public bool NullableBytes(out byte[]? value)
        {
            value = null;
            if (!Int32(out var length) || length < -1 || _data.Length - _position < length) return false;
            if (length == -1) return true;
            value = _data.Slice(_position, length).ToArray();
            _position += length;
            return true;
        }

        public bool String(out string value)
        {
            value = "";
            if (!Int16(out var length) || length < 0 || _data.Length - _position < length) return false;
            value = Encoding.UTF8.GetString(_data.Slice(_position, length));
            _position += length;
            return true;
        }
    }
}
