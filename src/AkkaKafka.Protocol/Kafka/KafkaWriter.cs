using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace AkkaKafka.Protocol.Kafka;

/// <summary>
/// Writes Kafka's wire types into a growing buffer: the counterpart of <see cref="KafkaReader"/>. Methods return the
/// writer so a structure reads as one chain in the order of Kafka's message schema.
/// </summary>
public sealed class KafkaWriter
{
    private readonly ArrayBufferWriter<byte> _buffer;

    public KafkaWriter(int initialCapacity = 256) => _buffer = new ArrayBufferWriter<byte>(Math.Max(16, initialCapacity));

    public int Length => _buffer.WrittenCount;
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.WrittenMemory;
    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    private Span<byte> Next(int count)
    {
        var span = _buffer.GetSpan(count)[..count];
        _buffer.Advance(count);
        return span;
    }

    /// <summary>Overwrites four bytes already written (a size placeholder at the start of a frame).</summary>
    public void PatchInt32(int offset, int value) =>
        BinaryPrimitives.WriteInt32BigEndian(System.Runtime.InteropServices.MemoryMarshal.AsMemory(_buffer.WrittenMemory).Span.Slice(offset, 4), value);

    public KafkaWriter Int8(sbyte value) { Next(1)[0] = (byte)value; return this; }
    public KafkaWriter Boolean(bool value) { Next(1)[0] = value ? (byte)1 : (byte)0; return this; }
    public KafkaWriter Int16(short value) { BinaryPrimitives.WriteInt16BigEndian(Next(2), value); return this; }
    public KafkaWriter UInt16(ushort value) { BinaryPrimitives.WriteUInt16BigEndian(Next(2), value); return this; }
    public KafkaWriter Int32(int value) { BinaryPrimitives.WriteInt32BigEndian(Next(4), value); return this; }
    public KafkaWriter UInt32(uint value) { BinaryPrimitives.WriteUInt32BigEndian(Next(4), value); return this; }
    public KafkaWriter Int64(long value) { BinaryPrimitives.WriteInt64BigEndian(Next(8), value); return this; }

    public KafkaWriter Uuid(Guid value)
    {
        value.TryWriteBytes(Next(16), bigEndian: true, out _);
        return this;
    }

    public KafkaWriter UnsignedVarInt(uint value)
    {
        while (value >= 0x80)
        {
            Next(1)[0] = (byte)(value | 0x80);
            value >>= 7;
        }
        Next(1)[0] = (byte)value;
        return this;
    }

    private KafkaWriter LengthPrefix(int length, bool flexible, bool shortLength)
    {
        if (flexible) return UnsignedVarInt((uint)(length + 1));
        return shortLength ? Int16(checked((short)length)) : Int32(length);
    }

    public KafkaWriter String(string value, bool flexible = false) => NullableString(value, flexible);

    public KafkaWriter NullableString(string? value, bool flexible = false)
    {
        if (value is null) return LengthPrefix(-1, flexible, shortLength: true);
        var byteCount = Encoding.UTF8.GetByteCount(value);
        LengthPrefix(byteCount, flexible, shortLength: true);
        Encoding.UTF8.GetBytes(value, Next(byteCount));
        return this;
    }

    public KafkaWriter Bytes(ReadOnlySpan<byte> value, bool flexible = false)
    {
        LengthPrefix(value.Length, flexible, shortLength: false);
        value.CopyTo(Next(value.Length));
        return this;
    }

    public KafkaWriter NullableBytes(ReadOnlyMemory<byte>? value, bool flexible = false) =>
        value is { } bytes ? Bytes(bytes.Span, flexible) : LengthPrefix(-1, flexible, shortLength: false);

    /// <summary>Raw bytes with no length prefix (e.g. a frame's body after its size).</summary>
    public KafkaWriter Raw(ReadOnlySpan<byte> value)
    {
        value.CopyTo(Next(value.Length));
        return this;
    }

    public KafkaWriter Array<T>(IReadOnlyCollection<T> items, Action<KafkaWriter, T> element, bool flexible = false)
    {
        LengthPrefix(items.Count, flexible, shortLength: false);
        foreach (var item in items) element(this, item);
        return this;
    }

    public KafkaWriter NullableArray<T>(IReadOnlyCollection<T>? items, Action<KafkaWriter, T> element, bool flexible = false) =>
        items is null ? LengthPrefix(-1, flexible, shortLength: false) : Array(items, element, flexible);

    /// <summary>An empty tagged-field section, in flexible versions only.</summary>
    public KafkaWriter TaggedFields(bool flexible) => flexible ? UnsignedVarInt(0) : this;
}
