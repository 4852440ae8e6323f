using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Protocol.Serialization;

/// <summary>
/// Appends primitives in a compact, explicit binary layout (big-endian fixed ints, zigzag varints, length-prefixed
/// strings and byte arrays). Serializers build on it so every format is written out field by field and versioned
/// by its manifest, rather than left to reflection.
/// </summary>
public sealed class WireWriter
{
    private readonly ArrayBufferWriter<byte> _buffer;

    public WireWriter(int initialCapacity = 256) => _buffer = new ArrayBufferWriter<byte>(initialCapacity);

    public int Length => _buffer.WrittenCount;

    public WireWriter Byte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
        return this;
    }

    public WireWriter Bool(bool value) => Byte(value ? (byte)1 : (byte)0);

    public WireWriter Int16(short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(_buffer.GetSpan(2), value);
        _buffer.Advance(2);
        return this;
    }

    public WireWriter Int32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
        return this;
    }

    public WireWriter Int64(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
        return this;
    }

    /// <summary>Zigzag varlong (the record format's encoding): small magnitudes, -1 sentinels included, take one or two bytes.</summary>
    public WireWriter VarLong(long value)
    {
        _buffer.Advance(Varint.WriteVarlong(_buffer.GetSpan(10), value));
        return this;
    }

    public WireWriter VarInt(int value) => VarLong(value);

    /// <summary>Length-prefixed UTF-8; null is length -1.</summary>
    public WireWriter String(string? value)
    {
        if (value is null) return VarInt(-1);
        var count = Encoding.UTF8.GetByteCount(value);
        VarInt(count);
        Encoding.UTF8.GetBytes(value, _buffer.GetSpan(count));
        _buffer.Advance(count);
        return this;
    }

    /// <summary>Length-prefixed bytes; null is length -1.</summary>
    public WireWriter Bytes(ReadOnlySpan<byte> value)
    {
        VarInt(value.Length);
        value.CopyTo(_buffer.GetSpan(value.Length));
        _buffer.Advance(value.Length);
        return this;
    }

    public WireWriter NullableBytes(byte[]? value) => value is null ? VarInt(-1) : Bytes(value);

    public WireWriter List<T>(IReadOnlyCollection<T> items, Action<WireWriter, T> writeItem)
    {
        VarInt(items.Count);
        foreach (var item in items) writeItem(this, item);
        return this;
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    /// <summary>
    /// What was written, then <paramref name="tail"/> as length-prefixed bytes (as <see cref="Bytes"/>), in one array
    /// of exactly that size: a message whose large payload (a record batch) goes last is serialized with a single copy
    /// of the payload.
    /// </summary>
    public byte[] ToArray(ReadOnlySpan<byte> tail)
    {
        VarInt(tail.Length);
        var result = GC.AllocateUninitializedArray<byte>(_buffer.WrittenCount + tail.Length);
        _buffer.WrittenSpan.CopyTo(result);
        tail.CopyTo(result.AsSpan(_buffer.WrittenCount));
        return result;
    }
}
