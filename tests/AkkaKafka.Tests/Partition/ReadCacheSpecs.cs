using AkkaKafka.Broker.Storage;
using AkkaKafka.Tests.Support;
using Xunit;

namespace AkkaKafka.Tests.Partition;

/// <summary>The broker-wide budget for runs of old batches read back from the journal.</summary>
[Trait("Speed", "Fast")]
public sealed class ReadCacheSpecs
{
    private static IReadOnlyList<byte[]> Run(long baseOffset, int batches) =>
        Enumerable.Range(0, batches).Select(i => Batches.Of(baseOffset + i, $"v{baseOffset + i}")).ToList();

    private static long SizeOf(IReadOnlyList<byte[]> run) => run.Sum(b => (long)b.Length);

    [Fact]
    public void Runs_are_cached_within_the_budget_and_the_oldest_go_first_when_it_is_exceeded()
    {
        var runSize = SizeOf(Run(0, 2));
        var cache = new ReadCache(3 * runSize);

        var first = cache.Add(Run(0, 2), 3)!;
        var second = cache.Add(Run(2, 2), 5)!;
        var third = cache.Add(Run(4, 2), 7)!;
        Assert.Equal(3 * runSize, cache.Bytes);

        var fourth = cache.Add(Run(6, 2), 9)!;

        Assert.Null(first.Batches);
        Assert.NotNull(second.Batches);
        Assert.NotNull(third.Batches);
        Assert.NotNull(fourth.Batches);
        Assert.Equal(3 * runSize, cache.Bytes);
    }

    [Fact]
    public void A_run_larger_than_the_whole_budget_is_not_cached_and_evicts_nothing()
    {
        var cache = new ReadCache(SizeOf(Run(0, 2)));
        var kept = cache.Add(Run(0, 2), 3)!;

        Assert.Null(cache.Add(Run(2, 3), 6));

        Assert.NotNull(kept.Batches);
        Assert.Equal(SizeOf(Run(0, 2)), cache.Bytes);
    }

    [Fact]
    public void A_released_run_gives_its_bytes_back_once()
    {
        var cache = new ReadCache(1 << 20);
        var run = cache.Add(Run(0, 2), 3)!;

        cache.Release(run);
        cache.Release(run);

        Assert.Null(run.Batches);
        Assert.Equal(0, cache.Bytes);
    }

    [Fact]
    public void A_run_knows_its_offsets_and_the_sequence_number_a_sequential_read_goes_on_from()
    {
        var run = new ReadCache(1 << 20).Add(Run(10, 3), 42)!;

        Assert.Equal(10, run.BaseOffset);
        Assert.Equal(13, run.NextOffset);
        Assert.Equal(42, run.NextSequenceNr);
        Assert.True(run.Holds(12));
        Assert.False(run.Holds(13));
    }

    [Fact]
    public void A_budget_of_zero_caches_nothing()
    {
        var cache = new ReadCache(0);
        Assert.Null(cache.Add(Run(0, 1), 2));
        Assert.Equal(0, cache.Bytes);
    }
}
