using AkkaKafka.Protocol.Records;
using Xunit;

namespace AkkaKafka.Tests.Records;

[Trait("Speed", "Fast")]
public sealed class Murmur2Tests
{
    // The cases of Kafka's UtilsTest.testMurmur2 (clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java).
    [Theory]
    [InlineData("21", -973932308)]
    [InlineData("foobar", -790332482)]
    [InlineData("a-little-bit-long-string", -985981536)]
    [InlineData("a-little-bit-longer-string", -1486304829)]
    [InlineData("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971)]
    [InlineData("abc", 479470107)]
    public void Hash_matches_Kafkas_UtilsTest_vectors(string input, int expected) =>
        Assert.Equal(expected, Murmur2.Hash(BatchBytes.Utf8(input)));

    [Fact]
    public void ToPositive_clears_the_sign_bit_rather_than_negating()
    {
        Assert.Equal(0, Murmur2.ToPositive(int.MinValue));
        Assert.Equal(int.MaxValue, Murmur2.ToPositive(-1));
        Assert.Equal(5, Murmur2.ToPositive(5));
    }

    [Fact]
    public void Partition_is_the_positive_hash_modulo_the_partition_count()
    {
        // toPositive(-790332482) = 1357151166; 1357151166 % 50 = 16.
        Assert.Equal(16, Murmur2.Partition(BatchBytes.Utf8("foobar"), 50));
        Assert.Equal(Murmur2.ToPositive(-973932308) % 7, Murmur2.Partition(BatchBytes.Utf8("21"), 7));
    }

    [Fact]
    public void Partition_rejects_a_non_positive_partition_count()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Murmur2.Partition(BatchBytes.Utf8("k"), 0));
    }
}
