using AkkaKafka.Protocol;
using AkkaKafka.Tests.MultiNode.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.MultiNode;

[Collection(MultiNodeCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class FailoverSpecs(ITestOutputHelper output)
{
    private const string Topic = "failover";
    private const int Partitions = 6;

    [Fact]
    public async Task The_oldest_node_leaving_hands_leadership_to_the_next_oldest_and_its_partitions_to_the_survivors()
    {
        await using var cluster = await ClusterFixture.StartAsync(3, output);
        var before = await CreateTopicAsync(cluster);
        var acknowledged = await ProduceToEveryPartitionAsync(cluster, via: 2, "before");

        await cluster.StopGracefullyAsync(1);

        await cluster.AwaitClusterStatusAsync(via: 2, s => Assert.Equal(cluster.BrokerId(2), s.Leader));

        var after = await cluster.AwaitOwnersAsync(Topic, via: 2);
        Assert.Equal(3, after.OwnedBy(2));
        Assert.Equal(3, after.OwnedBy(3));
        // Only node 1's partitions move: the survivors keep what they had, even though the controller moved too.
        Assert.Equal(before.Keys.Where(p => before[p] == 1).Order(), ClusterExpectations.Moved(before, after));

        await cluster.AwaitServedEverywhereAsync(Topic, Partitions);
        await AssertStoredAsync(cluster, via: 3, acknowledged);

        // New records continue each partition's offsets: nothing acknowledged before is overwritten or reused.
        for (var p = 0; p < Partitions; p++)
        {
            var ack = await cluster.Node(3).ProduceAsync(Topic, p, $"p{p}-after");
            Assert.Equal(ErrorCode.None, ack.Error);
            Assert.Equal(acknowledged[p].Count, ack.BaseOffset);
            acknowledged[p].Add(new StoredRecord(ack.BaseOffset, $"p{p}-after"));
        }
        await AssertStoredAsync(cluster, via: 2, acknowledged);
    }

    [Fact]
    public async Task A_crashed_nodes_partitions_are_reassigned_and_recovered()
    {
        await using var cluster = await ClusterFixture.StartAsync(3, output);
        await CrashNode3AndAwaitReassignmentAsync(cluster);
    }

    [Fact]
    public async Task A_restarted_node_rejoins_and_takes_a_fair_share_back_moving_as_few_partitions_as_possible()
    {
        await using var cluster = await ClusterFixture.StartAsync(3, output);
        var (threeThree, acknowledged) = await CrashNode3AndAwaitReassignmentAsync(cluster);

        await cluster.RestartAsync(3);

        var twoTwoTwo = await cluster.AwaitOwnersAsync(Topic, via: 3, owners =>
        {
            Assert.Equal(2, owners.OwnedBy(1));
            Assert.Equal(2, owners.OwnedBy(2));
            Assert.Equal(2, owners.OwnedBy(3));
        });
        var moved = ClusterExpectations.Moved(threeThree, twoTwoTwo);
        Assert.Equal(2, moved.Count);
        Assert.All(moved, p => Assert.Equal(3, twoTwoTwo[p]));

        await cluster.AwaitServedEverywhereAsync(Topic, Partitions);
        await AssertStoredAsync(cluster, via: 3, acknowledged);
    }

    /// <summary>
    /// Node 3 (not the oldest, so the controller stays on node 1) crashes after every partition has acknowledged
    /// records. Within 30 s the survivors own its partitions, each survivor keeping its own, and every acknowledged
    /// record can be read. Returns the survivors' 3/3 assignment and the acknowledged records.
    /// </summary>
    private async Task<(IReadOnlyDictionary<int, int> Owners, List<StoredRecord>[] Acknowledged)> CrashNode3AndAwaitReassignmentAsync(ClusterFixture cluster)
    {
        var before = await CreateTopicAsync(cluster);
        var acknowledged = await ProduceToEveryPartitionAsync(cluster, via: 1, "before-crash");

        await cluster.CrashAsync(3);

        var after = await cluster.AwaitOwnersAsync(Topic, via: 1, within: TimeSpan.FromSeconds(30));
        Assert.Equal(3, after.OwnedBy(1));
        Assert.Equal(3, after.OwnedBy(2));
        Assert.Equal(before.Keys.Where(p => before[p] == 3).Order(), ClusterExpectations.Moved(before, after));

        await cluster.AwaitServedEverywhereAsync(Topic, Partitions);
        await AssertStoredAsync(cluster, via: 2, acknowledged);
        return (after, acknowledged);
    }

    /// <summary>Creates the 6-partition topic through node 1 and waits until all nodes serve it; returns its owners (2/2/2).</summary>
    private static async Task<IReadOnlyDictionary<int, int>> CreateTopicAsync(ClusterFixture cluster)
    {
        var created = await cluster.Node(1).CreateTopicAsync(Topic, Partitions);
        Assert.True(created.IsSuccess, created.Message);
        var owners = await cluster.AwaitOwnersAsync(Topic, via: 1);
        await cluster.AwaitServedEverywhereAsync(Topic, Partitions);
        return owners;
    }

    /// <summary>Two batches per partition through node <paramref name="via"/>; returns what each partition acknowledged.</summary>
    private static async Task<List<StoredRecord>[]> ProduceToEveryPartitionAsync(ClusterFixture cluster, int via, string label)
    {
        var acknowledged = new List<StoredRecord>[Partitions];
        for (var p = 0; p < Partitions; p++)
        {
            acknowledged[p] = [];
            foreach (var values in new[] { new[] { $"p{p}-{label}-1", $"p{p}-{label}-2" }, new[] { $"p{p}-{label}-3" } })
            {
                var ack = await cluster.Node(via).ProduceAsync(Topic, p, values);
                Assert.Equal(ErrorCode.None, ack.Error);
                Assert.Equal(acknowledged[p].Count, ack.BaseOffset);
                acknowledged[p].AddRange(values.Select((v, i) => new StoredRecord(ack.BaseOffset + i, v)));
            }
        }
        return acknowledged;
    }

    private static async Task AssertStoredAsync(ClusterFixture cluster, int via, List<StoredRecord>[] acknowledged)
    {
        for (var p = 0; p < Partitions; p++)
            Assert.Equal(acknowledged[p], await cluster.Node(via).ReadPartitionAsync(Topic, p));
    }
}
