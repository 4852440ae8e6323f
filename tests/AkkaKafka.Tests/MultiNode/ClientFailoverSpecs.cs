using Akka.Actor;
using Akka.Cluster.Tools.Client;
using Akka.Configuration;
using AkkaKafka.Client;
using AkkaKafka.Client.Producer;
using AkkaKafka.Tests.MultiNode.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.MultiNode;

[Collection(MultiNodeCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class ClientFailoverSpecs(ITestOutputHelper output)
{
    private const string Topic = "client-failover";
    private const int Partitions = 6;

    /// <summary>Shorter client timings than hocon/client.hocon, so that losing a contact point costs seconds, not tens of seconds.</summary>
    private static readonly Config ClientTimings = ConfigurationFactory.ParseString("""
        akka.loggers = []
        akka.loglevel = INFO
        akka.stdout-loglevel = OFF
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        # The client notices a silent receptionist after ~1.5 s (hocon/client.hocon allows ~2 s) and looks for another.
        akka.cluster.client.heartbeat-interval = 500ms
        akka.cluster.client.acceptable-heartbeat-pause = 1s
        akka.cluster.client.establishing-get-contacts-interval = 500ms
        # A produce lost with a dying node is retried after 3 s rather than 15 s.
        akkakafka.client.request-timeout = 3s
        """);

    [Fact]
    public async Task A_client_connected_to_several_contact_points_keeps_working_when_one_contact_point_dies()
    {
        await using var cluster = await ClusterFixture.StartAsync(3, output);
        await using var connection = ClusterConnection.Create(cluster.Addresses, ClientTimings);
        TestOutputLog.Attach(connection.System, output, "client");
        // Not disposed on its own: its flush would wait out the delivery timeout if a spec failed with records
        // still pending. Disposing the connection stops it and fails whatever it still holds.
        var producer = new Producer(connection);

        var created = await new AdminClient(connection).CreateTopicAsync(Topic, Partitions);
        Assert.True(created.IsSuccess, created.Message);
        await cluster.AwaitOwnersAsync(Topic, via: 1);

        var before = await SendOneToEveryPartitionAsync(producer, "before");
        Assert.All(before, r => Assert.Equal(0, r.Offset));

        // The node the client talks to, so that the crash takes away its own contact point (and if that is node 1,
        // the controller as well), besides a third of the partitions.
        var contactPoint = await AwaitContactPointAsync(cluster);
        output.WriteLine($"the client is connected to node {contactPoint}; crashing it");
        await cluster.CrashAsync(contactPoint);

        var after = await SendOneToEveryPartitionAsync(producer, "after").WaitAsync(TimeSpan.FromSeconds(45));
        Assert.All(after, r => Assert.Equal(1, r.Offset));

        await cluster.AwaitServedEverywhereAsync(Topic, Partitions);
        for (var p = 0; p < Partitions; p++)
            Assert.Equal([new(0, $"p{p}-before"), new StoredRecord(1, $"p{p}-after")], await cluster.Node(cluster.Running[0]).ReadPartitionAsync(Topic, p));
    }

    /// <summary>One record to each partition (explicitly, so every owner is involved); returns their acknowledgements in partition order.</summary>
    private static Task<RecordMetadata[]> SendOneToEveryPartitionAsync(Producer producer, string label) =>
        Task.WhenAll(Enumerable.Range(0, Partitions).Select(p =>
            producer.SendAsync(new ProducerRecord(Topic, System.Text.Encoding.UTF8.GetBytes($"p{p}-{label}"), Partition: p))));

    /// <summary>The number of the only node whose receptionist hears the client's heartbeats.</summary>
    private static Task<int> AwaitContactPointAsync(ClusterFixture cluster) =>
        Eventually.Async(ClusterExpectations.Within, async () =>
        {
            var hearing = new List<int>();
            foreach (var n in cluster.Running)
            {
                var receptionist = ClusterClientReceptionist.Get(cluster.Node(n).System).Underlying;
                var clients = await receptionist.Ask<ClusterClients>(GetClusterClients.Instance, BrokerRequests.AskTimeout);
                if (clients.ClusterClientsList.Count > 0) hearing.Add(n);
            }
            return Assert.Single(hearing);
        });
}
