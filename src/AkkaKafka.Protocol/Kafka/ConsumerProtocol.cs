using System.Buffers.Binary;
using System.Text;

namespace AkkaKafka.Protocol.Kafka;

/// <summary>
/// Kafka's ConsumerProtocolAssignment: the bytes a classic group's leader hands each member in SyncGroup, opaque to the
/// coordinator except that `group describe` wants the partitions in them. Layout (big-endian, versions 0..3 alike):
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
        var byTopic = partitions.GroupBy(tp => tp.Topic).ToList();
        var buffer = new List<byte>(64);
        var scratch = new byte[4];
        void Int16(short v) { BinaryPrimitives.WriteInt16BigEndian(scratch, v); buffer.AddRange(scratch.AsSpan(0, 2)); }
        void Int32(int v) { BinaryPrimitives.WriteInt32BigEndian(scratch, v); buffer.AddRange(scratch); }

        Int16(version);
        Int32(byTopic.Count);
        foreach (var topic in byTopic)
        {
            var name = Encoding.UTF8.GetBytes(topic.Key);
            Int16(checked((short)name.Length));
            buffer.AddRange(name);
            Int32(topic.Count());
            foreach (var tp in topic) Int32(tp.Partition);
        }
        if (userData is null) Int32(-1);
        else
        {
            Int32(userData.Length);
            buffer.AddRange(userData);
        }
        return buffer.ToArray();
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
