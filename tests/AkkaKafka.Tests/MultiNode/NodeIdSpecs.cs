using AkkaKafka.Protocol.Messages;
using AkkaKafka.Tests.MultiNode.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.MultiNode;

/// <summary>Kafka node ids: one per broker, the same in every broker's metadata, kept across controller changes and restarts.</summary>
[Collection(MultiNodeCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class NodeIdSpecs(ITestOutputHelper output)
{
    [Fact]
    public async Task Brokers_get_ids_1_2_3_by_age_and_keep_them_when_the_controller_moves_and_a_broker_restarts()
    {
        await using var cluster = await ClusterFixture.StartAsync(3, output);
        await AwaitNodeIdsEverywhereAsync(cluster, new() { [1] = 1, [2] = 2, [3] = 3 }, controllerNodeId: 1);

        // The controller (node 1, the oldest) leaves: node 2's new controller recovers the ids from the journal.
        await cluster.StopGracefullyAsync(1);
        await AwaitNodeIdsEverywhereAsync(cluster, new() { [2] = 2, [3] = 3 }, controllerNodeId: 2);

        await cluster.RestartAsync(1);
        await AwaitNodeIdsEverywhereAsync(cluster, new() { [1] = 1, [2] = 2, [3] = 3 }, controllerNodeId: 2);
    }

    /// <summary>Waits until the metadata of every running node lists exactly these node numbers with these Kafka node ids.</summary>
    private static Task AwaitNodeIdsEverywhereAsync(ClusterFixture cluster, Dictionary<int, int> expected, int controllerNodeId) =>
        Eventually.Async(ClusterExpectations.Within, async () =>
        {
            foreach (var via in cluster.Running)
            {
                var metadata = await cluster.Node(via).MetadataAsync();
                var ids = metadata.Brokers.ToDictionary(b => cluster.NumberOf(b.Id), b => b.NodeId);
                Assert.Equal(expected.OrderBy(kv => kv.Key), ids.OrderBy(kv => kv.Key));
                Assert.Equal(controllerNodeId, metadata.ControllerNodeId);
                // No listener in these in-process clusters (--kafka-port 0): no endpoint is advertised.
                Assert.All(metadata.Brokers, b => Assert.Null(b.KafkaEndpoint));
                Assert.All(expected, kv => Assert.Equal(cluster.BrokerId(kv.Key), metadata.BrokerByNodeId(kv.Value)?.Id));
            }
            return true;
        });
}
