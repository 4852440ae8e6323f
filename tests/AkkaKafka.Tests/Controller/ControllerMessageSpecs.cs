using AkkaKafka.Client;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Tests.MultiNode;
using AkkaKafka.Tests.MultiNode.Support;
using AkkaKafka.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.Controller;

/// <summary>
/// The Akka clients learn the cluster and get producer ids with Kafka's own requests (Metadata, InitProducerId), which
/// the Kafka handlers validate, meter and authorize; what those handlers ask the controller (GetMetadata,
/// InitProducerId as Akka messages) is no client's request, and a client that sends it is refused, even with
/// security off. Metadata over the Akka transport answers each broker's remoting endpoint, as a Kafka broker answers
/// with the endpoints of the listener a request came in on, so a broker without a Kafka listener still has a leader.
/// </summary>
[Collection(MultiNodeCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class ControllerMessageSpecs(ITestOutputHelper output)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_client_sending_the_controllers_metadata_and_producer_id_messages_is_refused_CLUSTER_AUTHORIZATION_FAILED_and_creates_nothing()
    {
        await using var cluster = await ClusterFixture.StartAsync(1, output);
        await using var connection = ClusterConnection.Create(cluster.Addresses, QuietClient.Config);

        IBrokerCommand[] bypasses = [new GetMetadata(["bypass-created"], AutoCreateTopics: true), new InitProducerId()];
        foreach (var message in bypasses)
        {
            var refused = await Assert.ThrowsAsync<KafkaException>(() => connection.AskAsync<object>(message, Within));
            Assert.Equal((ErrorCode.ClusterAuthorizationFailed, $"CLUSTER_AUTHORIZATION_FAILED: {message.GetType().Name} is not a request an Akka client may make"),
                (refused.Error, refused.Message));
        }

        // Kafka's Metadata, the request a client does send, finds no such topic: the refused message created nothing.
        var metadata = await new AdminClient(connection).TopicsAsync(["bypass-created"]);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, metadata.Topics.Single().ErrorCode);
    }

    [Fact]
    public async Task Metadata_over_the_akka_transport_names_each_broker_by_its_remoting_endpoint_and_every_partition_has_its_leader()
    {
        // The in-process brokers have no Kafka listener: over the Kafka listener's rule they would have no endpoint at all.
        await using var cluster = await ClusterFixture.StartAsync(2, output);
        await using var connection = ClusterConnection.Create(cluster.Addresses, QuietClient.Config);
        var admin = new AdminClient(connection);
        Assert.True((await admin.CreateTopicAsync("routed", 4)).IsSuccess);

        var answer = await Eventually.Async(Within, async () =>
        {
            var metadata = await admin.TopicsAsync(["routed"]);
            Assert.Equal(2, metadata.Brokers.Count);
            Assert.All(metadata.Topics.Single().Partitions, p => Assert.Equal(ErrorCode.None, p.ErrorCode));
            return metadata;
        });
        Assert.Equal(cluster.Addresses.Select(a => a.ToString()).Order(), answer.Brokers.Select(b => $"{b.Host}:{b.Port}").Order());
        var nodeIds = answer.Brokers.Select(b => b.NodeId).ToHashSet();
        Assert.All(answer.Topics.Single().Partitions, p => Assert.Contains(p.LeaderId, nodeIds));
        Assert.Contains(answer.ControllerId, nodeIds);

        // The clients' routing view of the same answer: every partition owned by a broker named "host:port".
        var routing = await admin.MetadataAsync(["routed"]);
        Assert.All(routing.Topic("routed")!.Partitions, p => Assert.Contains(p.Owner, cluster.Addresses.Select(a => a.ToString())));
    }
}
