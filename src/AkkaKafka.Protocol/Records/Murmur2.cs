namespace AkkaKafka.Protocol.Records;

/// <summary>
/// Kafka's Utils.murmur2 and the keyed-record rule of its default partitioner. Must match Java bit for bit,
/// otherwise keys produced through this code land in different partitions than with Java or librdkafka clients.
/// </summary>
public static class Murmur2
{
    private const uint Seed = 0x9747b28c;
    private const uint M = 0x5bd1e995;
    private const int R = 24;

    /// <summary>32-bit MurmurHash2 with Kafka's seed, as a signed int like Java returns it.</summary>
    public static int Hash(ReadOnlySpan<byte> data)
    {
        // uint arithmetic wraps like Java's int and its >> is Java's >>>.
        int length = data.Length;
        uint h = Seed ^ (uint)length;
        int blocks = length / 4;

        for (int i = 0; i < blocks; i++)
        {
            int i4 = i * 4;
            uint k = data[i4] | ((uint)data[i4 + 1] << 8) | ((uint)data[i4 + 2] << 16) | ((uint)data[i4 + 3] << 24);
            k *= M;
            k ^= k >> R;
            k *= M;
            h *= M;
            h ^= k;
        }

        int tail = length & ~3;
        switch (length % 4)
        {
            case 3:
                h ^= (uint)data[tail + 2] << 16;
                goto case 2;
            case 2:
                h ^= (uint)data[tail + 1] << 8;
                goto case 1;
            case 1:
                h ^= data[tail];
                h *= M;
                break;
        }

        h ^= h >> 13;
        h *= M;
        h ^= h >> 15;
        return unchecked((int)h);
    }

    /// <summary>Clears the sign bit, as Kafka's Utils.toPositive does (not Math.Abs: int.MinValue stays usable).</summary>
    public static int ToPositive(int value) => value & 0x7fffffff;

    /// <summary>The partition Kafka's default partitioner picks for a non-null key.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="numPartitions"/> is not positive.</exception>
    public static int Partition(ReadOnlySpan<byte> key, int numPartitions)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numPartitions);
        return ToPositive(Hash(key)) % numPartitions;
    }
}
