using Akka.Actor;
using Akka.TestKit.Xunit2;
using AkkaKafka.Broker.Hosting;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.Controller;

/// <summary>
/// The controller as a client meets it: a real one-node broker cluster (ZookeeperActor singleton + BrokerActor,
/// SQLite journal) asked through the node's BrokerActor.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class ZookeeperActorSpecs(ITestOutputHelper output)
    : TestKit(TestConfigs.WithoutStorage(TestConfigs.Local), "zookeeper-specs", output), IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    /// <summary>Bound on waiting for a new node's first publication: its controller singleton starts and recovers first.</summary>
    private static readonly TimeSpan FirstPublication = TimeSpan.FromSeconds(30);
    private readonly BrokerNodes _nodes = new();

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync() => await _nodes.DisposeAsync();

    private static Task<TopicCommandResult> Create(BrokerNode node, CreateTopic create) => node.Broker.Ask<TopicCommandResult>(create, Timeout);

    private static async Task<ClusterMetadata> Metadata(BrokerNode node, params string[] topics) =>
        (await node.Broker.Ask<MetadataResponse>(new GetMetadata(topics.Length == 0 ? null : topics), Timeout)).Metadata;

    /// <summary>Waits until every partition of <paramref name="topic"/> is owned by <paramref name="node"/> in the published metadata.</summary>
    private async Task<TopicMetadata> OwnedBy(BrokerNode node, string topic)
    {
        TopicMetadata? owned = null;
        await AwaitAssertAsync(async () =>
        {
            var metadata = (await Metadata(node, topic)).Topic(topic);
            Assert.NotNull(metadata);
            Assert.All(metadata.Partitions, p => Assert.Equal(node.BrokerId, p.Owner));
            owned = metadata;
        }, Timeout);
        return owned!;
    }

    /// <summary>
    /// A new controller starts with empty metadata and publishes once it knows the members. Asked before that, it
    /// answered with the empty metadata: Kafka clients heard that every topic and every other broker was gone.
    /// </summary>
    [Fact]
    public async Task Metadata_asked_of_a_controller_that_has_not_published_yet_is_answered_with_its_first_publication()
    {
        var node = await _nodes.StartAsync();

        // Asked the moment the node is Up: the controller singleton is still starting, recovering, writing its epoch.
        var metadata = await Metadata(node);

        Assert.True(metadata.Version > 0, $"answered with metadata version {metadata.Version}");
        Assert.Contains(metadata.Brokers, b => b.Id == node.BrokerId);
    }

    [Fact]
    public async Task A_created_topic_gets_its_partitions_all_owned_by_the_only_broker()
    {
        var node = await _nodes.StartAsync();

        var result = await Create(node, new CreateTopic("orders", 3));

        Assert.True(result.IsSuccess, result.Message);
        var topic = await OwnedBy(node, "orders");
        Assert.Equal(3, topic.PartitionCount);
        Assert.Equal([0, 1, 2], topic.Partitions.Select(p => p.Partition));
        Assert.All(topic.Partitions, p => Assert.True(p.Epoch > 0));
    }

    [Fact]
    public async Task Creating_a_topic_that_exists_is_refused()
    {
        var node = await _nodes.StartAsync();
        Assert.True((await Create(node, new CreateTopic("orders", 3))).IsSuccess);

        var again = await Create(node, new CreateTopic("orders", 5));

        Assert.Equal(ErrorCode.TopicAlreadyExists, again.Error);
        Assert.Equal(3, (await Metadata(node, "orders")).Topic("orders")!.PartitionCount);
    }

    [Fact]
    public async Task Creating_a_topic_with_an_invalid_name_or_partition_count_is_refused_and_creates_nothing()
    {
        var node = await _nodes.StartAsync();

        var badName = await Create(node, new CreateTopic("no spaces allowed", 3));
        var noPartitions = await Create(node, new CreateTopic("orders", 0));

        Assert.Equal(ErrorCode.InvalidTopic, badName.Error);
        Assert.Equal(ErrorCode.InvalidPartitions, noPartitions.Error);
        Assert.DoesNotContain((await Metadata(node)).Topics, t => !t.Name.StartsWith("__", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Asking_for_metadata_of_an_unknown_topic_with_auto_create_creates_it_with_the_default_partitions()
    {
        var node = await _nodes.StartAsync();

        await node.Broker.Ask<MetadataResponse>(new GetMetadata(["events"], AutoCreateTopics: true), Timeout);

        var topic = await OwnedBy(node, "events");
        Assert.Equal(node.Settings.DefaultPartitions, topic.PartitionCount);
    }

    [Fact]
    public async Task Topics_and_their_records_survive_stopping_the_whole_node_and_starting_a_new_one_on_the_same_data()
    {
        var first = await _nodes.StartAsync();
        Assert.True((await Create(first, new CreateTopic("orders", 4))).IsSuccess);
        Assert.True((await Create(first, new CreateTopic("payments", 1, RetentionMs: 60_000, RetentionBytes: 1 << 20))).IsSuccess);
        var ordersBefore = await OwnedBy(first, "orders");
        var paymentsBefore = await OwnedBy(first, "payments");
        await ProduceAsync(first, "orders", 2, "kept");
        await _nodes.StopAsync(first);

        var second = await _nodes.StartAsync();

        var orders = await OwnedBy(second, "orders");
        var payments = await OwnedBy(second, "payments");
        Assert.Equal((ordersBefore.TopicId, 4), (orders.TopicId, orders.PartitionCount));
        Assert.Equal((paymentsBefore.TopicId, 1, 60_000L, 1L << 20), (payments.TopicId, payments.PartitionCount, payments.RetentionMs, payments.RetentionBytes));
        // The new node is another broker (another port): every partition moved to it under a newer epoch.
        Assert.All(orders.Partitions, p => Assert.True(p.Epoch > ordersBefore.Partitions.Max(q => q.Epoch)));
        await AwaitAssertAsync(async () =>
        {
            var fetched = await second.Broker.Ask<FetchResponse>(new FetchRequest("orders", 2, 0, 1 << 20, 0, "spec"), Timeout);
            Assert.Equal(ErrorCode.None, fetched.Error);
            Assert.Equal(["kept"], Batches.ValuesOf(fetched.Records));
        }, Timeout);
    }

    [Fact]
    public async Task Adding_partitions_grows_the_topic_and_the_new_partitions_are_owned_with_newer_epochs()
    {
        var node = await _nodes.StartAsync();
        Assert.True((await Create(node, new CreateTopic("orders", 2))).IsSuccess);
        var before = await OwnedBy(node, "orders");

        var added = await node.Broker.Ask<TopicCommandResult>(new AddPartitions("orders", 5), Timeout);

        Assert.True(added.IsSuccess, added.Message);
        Assert.Equal("Increased the partitions of topic orders from 2 to 5.", added.Message);
        var after = await OwnedBy(node, "orders");
        Assert.Equal((before.TopicId, 5), (after.TopicId, after.PartitionCount));
        Assert.Equal(before.Partitions, after.Partitions.Take(2));
        Assert.All(after.Partitions.Skip(2), p => Assert.True(p.Epoch > before.Partitions.Max(q => q.Epoch)));
        await ProduceAsync(node, "orders", 4, "in a new partition");
    }

    [Fact]
    public async Task Adding_partitions_that_do_not_grow_a_topic_or_to_an_unknown_topic_is_refused()
    {
        var node = await _nodes.StartAsync();
        Assert.True((await Create(node, new CreateTopic("orders", 3))).IsSuccess);

        var same = await node.Broker.Ask<TopicCommandResult>(new AddPartitions("orders", 3), Timeout);
        var unknown = await node.Broker.Ask<TopicCommandResult>(new AddPartitions("nope", 3), Timeout);

        Assert.Equal(ErrorCode.InvalidPartitions, same.Error);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, unknown.Error);
        Assert.Equal(3, (await Metadata(node, "orders")).Topic("orders")!.PartitionCount);
    }

    [Fact]
    public async Task A_broker_is_published_with_its_explicit_node_id_and_advertised_kafka_endpoint_and_is_the_controller_node()
    {
        var kafkaPort = FreePort.Next();
        var node = await _nodes.StartAsync(o => o with { KafkaPort = kafkaPort, KafkaAdvertisedHost = "localhost", BrokerId = 42 });

        await AwaitAssertAsync(async () =>
        {
            var metadata = await Metadata(node);
            var self = Assert.Single(metadata.Brokers);
            Assert.Equal((42, $"localhost:{kafkaPort}"), (self.NodeId, self.KafkaEndpoint));
            Assert.Equal(42, metadata.ControllerNodeId);
            Assert.Same(self, metadata.BrokerByNodeId(42));
        }, FirstPublication);
    }

    [Fact]
    public async Task A_node_id_the_controller_assigned_is_persisted_and_never_handed_to_another_broker()
    {
        var first = await _nodes.StartAsync();
        await AwaitAssertAsync(async () => Assert.Equal(1, Assert.Single((await Metadata(first)).Brokers).NodeId), FirstPublication);
        await _nodes.StopAsync(first);

        // A new broker (another port) on the same journal: the controller recovered "first has 1", so this one gets 2.
        var second = await _nodes.StartAsync();

        await AwaitAssertAsync(async () =>
        {
            var self = Assert.Single((await Metadata(second)).Brokers);
            Assert.Equal((2, null), (self.NodeId, self.KafkaEndpoint));
        }, FirstPublication);
    }

    /// <summary>Produces once the partition's owner is running (until then the broker answers LeaderNotAvailable and writes nothing).</summary>
    private async Task ProduceAsync(BrokerNode node, string topic, int partition, params string[] values)
    {
        await AwaitAssertAsync(async () =>
        {
            var response = await node.Broker.Ask<ProduceResponse>(new ProduceRequest(topic, partition, Batches.Produced(values), Acks.All, "spec"), Timeout);
            Assert.True(response.Error == ErrorCode.None, $"{response.Error}: {response.ErrorMessage}");
        }, Timeout);
    }
}
