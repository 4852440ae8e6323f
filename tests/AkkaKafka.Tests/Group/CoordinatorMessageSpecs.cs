using AkkaKafka.Client;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Tests.MultiNode;
using AkkaKafka.Tests.MultiNode.Support;
using AkkaKafka.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.Group;

/// <summary>
/// What the Kafka group handlers ask the group coordinator (OffsetCommit, JoinClassicGroup, … as Akka messages) is
/// no client's request: a client sends Kafka's group requests, which those handlers validate, meter and authorize.
/// A client that sends the coordinator's messages itself is refused, even with security off, where nothing else
/// would stop it.
/// </summary>
[Collection(MultiNodeCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class CoordinatorMessageSpecs(ITestOutputHelper output)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_client_sending_the_coordinators_own_messages_is_refused_CLUSTER_AUTHORIZATION_FAILED_and_commits_nothing()
    {
        await using var cluster = await ClusterFixture.StartAsync(1, output);
        await using var connection = ClusterConnection.Create(cluster.Addresses, QuietClient.Config);
        Assert.True((await new AdminClient(connection).CreateTopicAsync("ledger", 1)).IsSuccess);

        IGroupCommand[] bypasses =
        [
            new OffsetCommit("bypass", "", -1, [new PartitionOffset("ledger", 0, 42)]),
            new OffsetFetch("bypass", [new TopicPartition("ledger", 0)]),
            ListGroups.Instance,
            new DescribeGroup("bypass"),
            new DeleteGroup("bypass"),
            new JoinClassicGroup("bypass", "", null, "spec", "/127.0.0.1", 10_000, 10_000, "consumer", [new GroupProtocolOffer("range", [])], false),
            new SyncClassicGroup("bypass", 1, "m", null, "consumer", "range", []),
            new ClassicHeartbeat("bypass", 1, "m", null),
            new LeaveClassicGroup("bypass", ["m"]),
        ];
        foreach (var message in bypasses)
        {
            var refused = await Assert.ThrowsAsync<KafkaException>(() => connection.AskAsync<object>(message, Within));
            Assert.Equal((ErrorCode.ClusterAuthorizationFailed, $"CLUSTER_AUTHORIZATION_FAILED: {message.GetType().Name} is not a request an Akka client may make"),
                (refused.Error, refused.Message));
        }

        // Nothing was committed: Kafka's OffsetFetch, the request a client does send, finds no offset of the group.
        var fetched = await connection.Routes.KafkaAsync(null, new OffsetFetchRequestData("bypass", [new OffsetFetchRequestTopic("ledger", [0])]),
            "spec", OffsetFetchResponseData.Read, Within);
        Assert.Equal((ErrorCode.None, -1L), (fetched.ErrorCode, fetched.Topics.Single().Partitions.Single().CommittedOffset));
    }
}
