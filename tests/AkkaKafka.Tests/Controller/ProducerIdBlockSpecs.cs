using AkkaKafka.Broker.Controller;
using Xunit;

namespace AkkaKafka.Tests.Controller;

/// <summary>Producer ids come out of persisted blocks, so a restarted or new controller never hands one out twice.</summary>
[Trait("Speed", "Fast")]
public sealed class ProducerIdBlockSpecs
{
    [Fact]
    public void Ids_come_out_of_a_block_that_is_persisted_first()
    {
        var ids = new ProducerIdBlock();
        var block = Assert.IsType<ProducerIdBlockAllocated>(ids.NeedsBlock());
        ids.Allocated(block);

        Assert.Equal([0L, 1L, 2L], [ids.Take(), ids.Take(), ids.Take()]);
        Assert.Null(ids.NeedsBlock());
    }

    [Fact]
    public void A_used_up_block_asks_for_the_next_one()
    {
        var ids = new ProducerIdBlock();
        ids.Allocated(ids.NeedsBlock()!);
        for (var i = 0; i < ProducerIdBlock.BlockSize; i++) ids.Take();

        var next = Assert.IsType<ProducerIdBlockAllocated>(ids.NeedsBlock());
        ids.Allocated(next);

        Assert.Equal(ProducerIdBlock.BlockSize, ids.Take());
    }

    [Fact]
    public void A_recovered_allocator_starts_after_every_persisted_block_even_one_only_partly_used()
    {
        var before = new ProducerIdBlock();
        var first = before.NeedsBlock()!;
        before.Allocated(first);
        before.Take();

        var after = new ProducerIdBlock();
        after.Recover(first);
        after.Allocated(after.NeedsBlock()!);

        Assert.Equal(ProducerIdBlock.BlockSize, after.Take());
    }
}
