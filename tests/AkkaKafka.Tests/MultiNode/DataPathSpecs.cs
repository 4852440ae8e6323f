using AkkaKafka.Protocol;
using AkkaKafka.Tests.MultiNode.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.MultiNode;

[Collection(MultiNodeCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class DataPathSpecs(ITestOutputHelper output)
{
    private const string Topic = "data-path";

    [Fact]
    public async Task Produce_and_fetch_work_through_any_node()
    {
        await using var cluster = await ClusterFixture.StartAsync(3, output);
        Assert.True((await cluster.Node(1).CreateTopicAsync(Topic, partitions: 6)).IsSuccess);
        var owners = await cluster.AwaitOwnersAsync(Topic, via: 1);
        await cluster.AwaitServedEverywhereAsync(Topic, partitions: 6);

        for (var p = 0; p < 6; p++)
        {
            var owner = owners[p];
            var others = cluster.Running.Where(n => n != owner).ToList();
            var (forwarder, reader) = (others[0], others[1]);

            // Through a node that does not own the partition: it forwards to the owner.
            var forwarded = await cluster.Node(forwarder).ProduceAsync(Topic, p, $"p{p}-a", $"p{p}-b", $"p{p}-c");
            // Through the owner itself.
            var direct = await cluster.Node(owner).ProduceAsync(Topic, p, $"p{p}-d", $"p{p}-e");

            Assert.Equal(ErrorCode.None, forwarded.Error);
            Assert.Equal(ErrorCode.None, direct.Error);
            Assert.Equal(0, forwarded.BaseOffset);
            Assert.Equal(3, direct.BaseOffset);

            // Through the third node, which owns nothing of this partition either.
            var stored = await cluster.Node(reader).ReadPartitionAsync(Topic, p);
            Assert.Equal(
                [new(0, $"p{p}-a"), new(1, $"p{p}-b"), new(2, $"p{p}-c"), new(3, $"p{p}-d"), new StoredRecord(4, $"p{p}-e")],
                stored);
        }
    }
}
