using System.Buffers.Binary;
using System.Runtime.Serialization;
using System.Text;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Protocol.Serialization;

/// <summary>Reads what <see cref="WireWriter"/> wrote; any truncation or bad length is a <see cref="SerializationException"/>.</summary>
public ref struct WireReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly byte[]? _array;
    private int _position;

    public WireReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _array = null;
        _position = 0;
    }

    /// <summary>A reader over a whole array, whose <see cref="Rest"/> is a slice of it rather than a copy.</summary>
    public WireReader(byte[] array)
    {
        _data = array;
        _array = array;
        _position = 0;
    }

    public int Remaining => _data.Length - _position;

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
            throw new SerializationException($"truncated message: wanted {count} bytes at {_position}, {Remaining} left");
        var slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }

    public byte Byte() => Take(1)[0];
    public bool Bool() => Byte() != 0;
    public short Int16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));
    public int Int32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));
    public long Int64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public long VarLong()
    {
        try
        {
            return Varint.ReadVarlong(_data, ref _position);
        }
        catch (CorruptRecordException e)
        {
            throw new SerializationException(e.Message);
        }
    }

    public int VarInt()
    {
        var value = VarLong();
        if (value is < int.MinValue or > int.MaxValue) throw new SerializationException("varint out of int range");
        return (int)value;
    }

    public string? NullableString()
    {
        var length = VarInt();
        return length == -1 ? null : Encoding.UTF8.GetString(Take(length));
    }

    public string String() => NullableString() ?? throw new SerializationException("unexpected null string");

    public byte[]? NullableBytes()
    {
        var length = VarInt();
        return length == -1 ? null : Take(length).ToArray();
    }

    public byte[] Bytes() => NullableBytes() ?? throw new SerializationException("unexpected null bytes");

    /// <summary>
    /// Length-prefixed bytes, as <see cref="Bytes"/>: for a reader over an array, a slice of that array rather than a
    /// copy (the array then belongs to the message, so the deserializer must not reuse it).
    /// </summary>
    public ReadOnlyMemory<byte> BytesMemory()
    {
        var length = VarInt();
        var start = _position;
        var bytes = Take(length);
        return _array is not null ? new ReadOnlyMemory<byte>(_array, start, length) : bytes.ToArray();
    }

    public int Count()
    {
        var count = VarInt();
        if (count < 0 || count > Remaining) throw new SerializationException($"bad element count {count}");
        return count;
    }

    public void End()
    {
        if (Remaining != 0) throw new SerializationException($"{Remaining} unexpected trailing bytes");
    }
}
