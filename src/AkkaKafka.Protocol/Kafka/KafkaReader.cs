using System.Buffers.Binary;
using System.Text;

namespace AkkaKafka.Protocol.Kafka;

/// <summary>
/// Reads Kafka's wire types (big-endian ints, strings, arrays, compact and tagged forms of flexible versions) from one
/// request or response body. Byte fields come back as slices of the input, not copies, so record batches pass through
/// untouched. Every read checks bounds and throws <see cref="KafkaProtocolException"/> on malformed input.
/// </summary>
public struct KafkaReader
{
    private readonly ReadOnlyMemory<byte> _data;
    private int _position;

    public KafkaReader(ReadOnlyMemory<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly int Position => _position;
    public readonly int Remaining => _data.Length - _position;

    private ReadOnlyMemory<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
            throw new KafkaProtocolException($"truncated: wanted {count} bytes at offset {_position}, {Remaining} left");
        var slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }

    public sbyte Int8() => (sbyte)Take(1).Span[0];
    public bool Boolean() => Take(1).Span[0] != 0;
    public short Int16() => BinaryPrimitives.ReadInt16BigEndian(Take(2).Span);
    public ushort UInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2).Span);
    public int Int32() => BinaryPrimitives.ReadInt32BigEndian(Take(4).Span);
    public uint UInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4).Span);
    public long Int64() => BinaryPrimitives.ReadInt64BigEndian(Take(8).Span);
    public Guid Uuid() => new(Take(16).Span, bigEndian: true);

    /// <summary>Kafka's unsigned varint (used for compact lengths and tagged fields).</summary>
    public uint UnsignedVarInt()
    {
        uint value = 0;
        for (var shift = 0; shift <= 28; shift += 7)
        {
            var b = Take(1).Span[0];
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new KafkaProtocolException($"unsigned varint longer than 5 bytes at offset {_position}");
    }

    /// <summary>Length of a string, bytes or array: int16/int32 in classic versions, unsigned varint N+1 in flexible ones. -1 is null.</summary>
    private int Length(bool flexible, bool shortLength)
    {
        if (flexible)
        {
            var n = UnsignedVarInt();
            // An unsigned varint goes up to 2^32-1; a length past int32 is a lie about the bytes that follow, not an overflow.
            if (n - 1 > int.MaxValue && n != 0) throw new KafkaProtocolException($"compact length {n - 1} at offset {_position} is larger than any request");
            return n == 0 ? -1 : (int)(n - 1);
        }
        return shortLength ? Int16() : Int32();
    }

    public string String(bool flexible = false) =>
        NullableString(flexible) ?? throw new KafkaProtocolException($"null string where a string is required at offset {_position}");

    public string? NullableString(bool flexible = false)
    {
        var length = Length(flexible, shortLength: true);
        if (length < -1) throw new KafkaProtocolException($"negative string length {length} at offset {_position}");
        return length == -1 ? null : Encoding.UTF8.GetString(Take(length).Span);
    }

    public ReadOnlyMemory<byte> Bytes(bool flexible = false) =>
        NullableBytes(flexible) ?? throw new KafkaProtocolException($"null bytes where bytes are required at offset {_position}");

    public ReadOnlyMemory<byte>? NullableBytes(bool flexible = false)
    {
        var length = Length(flexible, shortLength: false);
        if (length < -1) throw new KafkaProtocolException($"negative bytes length {length} at offset {_position}");
        // The cast matters: a bare null would convert through byte[] to an empty ReadOnlyMemory, losing "null records".
        return length == -1 ? (ReadOnlyMemory<byte>?)null : Take(length);
    }

    /// <summary>An array's element count; -1 for a null array. Guards against absurd counts before anything is allocated.</summary>
    public int ArrayLength(bool flexible = false)
    {
        var length = Length(flexible, shortLength: false);
        if (length < -1) throw new KafkaProtocolException($"negative array length {length} at offset {_position}");
        // Every element takes at least one byte: a larger count is a lie, and would make a reader allocate for nothing.
        if (length > Remaining) throw new KafkaProtocolException($"array of {length} elements in {Remaining} bytes at offset {_position}");
        return length;
    }

    public delegate T ElementReader<out T>(ref KafkaReader reader);

    /// <summary>A non-null array (a null one reads as empty, as Kafka's own deserializers tolerate for most fields).</summary>
    public IReadOnlyList<T> Array<T>(ElementReader<T> element, bool flexible = false)
    {
        var n = ArrayLength(flexible);
        if (n <= 0) return [];
        var items = new T[n];
        for (var i = 0; i < n; i++) items[i] = element(ref this);
        return items;
    }

    /// <summary>Null when the array is null (e.g. Metadata's "all topics").</summary>
    public IReadOnlyList<T>? NullableArray<T>(ElementReader<T> element, bool flexible = false)
    {
        var n = ArrayLength(flexible);
        if (n < 0) return null;
        var items = new T[n];
        for (var i = 0; i < n; i++) items[i] = element(ref this);
        return items;
    }

    /// <summary>Skips the tagged fields of a flexible structure (none of the fields we read are tagged).</summary>
    public void TaggedFields(bool flexible)
    {
        if (!flexible) return;
        var count = UnsignedVarInt();
        for (var i = 0; i < count; i++)
        {
            UnsignedVarInt(); // tag
            var size = UnsignedVarInt();
            if (size > int.MaxValue) throw new KafkaProtocolException($"tagged field of {size} bytes at offset {_position} is larger than any request");
            Take((int)size);
        }
    }

    /// <summary>Requests may carry fields newer than this broker reads; responses/requests must not be cut short.</summary>
    public readonly void ExpectEnd(string what)
    {
        if (Remaining != 0) throw new KafkaProtocolException($"{what}: {Remaining} unexpected trailing bytes");
    }
}
