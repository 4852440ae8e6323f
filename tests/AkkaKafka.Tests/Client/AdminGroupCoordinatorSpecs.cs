using AkkaKafka.Broker.Http;
using AkkaKafka.Client;
using AkkaKafka.Tests.MultiNode;
using AkkaKafka.Tests.MultiNode.Support;
using AkkaKafka.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.Client;

/// <summary>
/// The admin client finds a group's coordinator as Kafka's admin client does: once, then it sends the group's requests
/// there until the coordinator answers NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE or does not answer (then it asks
/// FindCoordinator again). The broker's request counter shows what the client asked.
/// </summary>
[Collection(MultiNodeCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class AdminGroupCoordinatorSpecs(ITestOutputHelper output)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_admin_client_asks_for_a_groups_coordinator_once_and_sends_the_groups_later_requests_straight_to_it()
    {
        await using var cluster = await ClusterFixture.StartAsync(1, output);
        await using var connection = ClusterConnection.Create(cluster.Addresses, QuietClient.Config);
        var admin = new AdminClient(connection);
        Assert.True((await admin.CreateTopicAsync("ledger", 2)).IsSuccess);
        var metrics = BrokerMetrics.For(cluster.Node(1).System);
        double Received(string api) => metrics.RequestsReceived(api, BrokerMetrics.AkkaListener);
        var findsBefore = Received("find_coordinator");

        // A reset (DescribeGroups, OffsetFetch, OffsetCommit of the group) creates it, then two describes
        // (DescribeGroups and OffsetFetch each): seven requests to the group's coordinator.
        await admin.ResetGroupOffsetsAsync(new GroupOffsetsReset("billing", "ledger", [], OffsetResetMode.ToEarliest, 0, DryRun: false)).WaitAsync(Within);
        var metadataBefore = Received("metadata");
        var first = await admin.DescribeGroupAsync("billing").WaitAsync(Within);
        var second = await admin.DescribeGroupAsync("billing").WaitAsync(Within);

        Assert.Equal(2, first.Committed.Count);
        Assert.Equal(first.Committed, second.Committed);
        Assert.Equal(1, Received("find_coordinator") - findsBefore);
        Assert.Equal(0, Received("metadata") - metadataBefore); // the coordinator's address is not looked up again either
    }
}
