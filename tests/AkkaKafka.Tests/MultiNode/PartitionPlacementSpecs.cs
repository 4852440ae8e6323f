using AkkaKafka.Tests.MultiNode.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.MultiNode;

[Collection(MultiNodeCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class PartitionPlacementSpecs(ITestOutputHelper output)
{
    [Fact]
    public async Task A_6_partition_topic_is_spread_two_per_node_over_three_nodes()
    {
        await using var cluster = await ClusterFixture.StartAsync(3, output);

        var created = await cluster.Node(1).CreateTopicAsync("placement", partitions: 6);
        Assert.True(created.IsSuccess, created.Message);

        var owners = await cluster.AwaitOwnersAsync("placement", via: 3);
        Assert.Equal(6, owners.Count);
        Assert.Equal(2, owners.OwnedBy(1));
        Assert.Equal(2, owners.OwnedBy(2));
        Assert.Equal(2, owners.OwnedBy(3));

        var status = await cluster.AwaitClusterStatusAsync(via: 3, s =>
        {
            Assert.Equal(3, s.Members.Count);
            Assert.All(s.Members, m => Assert.Equal("Up", m.Status));
        });
        Assert.Equal(cluster.BrokerId(1), status.Leader);
    }
}
