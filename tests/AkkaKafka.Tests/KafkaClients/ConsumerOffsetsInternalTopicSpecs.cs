using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Xunit;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// Issue 20: __consumer_offsets is an internal topic the cluster creates itself, when a group first writes to it or, as
/// Kafka does, when a client asks for it in Metadata; Metadata marks it internal, and Kafka clients cannot produce into
/// it, delete it, create it or add partitions to it (INVALID_TOPIC_EXCEPTION, Kafka's code for an append to an internal
/// topic). A broker of its own, so that no group has created the topic before the Metadata request does.
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class ConsumerOffsetsInternalTopicSpecs : IClassFixture<KafkaBroker>
{
    private const string Topic = "__consumer_offsets";
    private readonly KafkaBroker _broker;

    public ConsumerOffsetsInternalTopicSpecs(KafkaBroker broker) => _broker = broker;

    [Fact]
    public async Task Asking_for_consumer_offsets_creates_it_as_an_internal_topic_that_Kafka_clients_cannot_produce_into_delete_create_or_resize()
    {
        // No group has committed yet on this broker: asking for the topic creates it, as Kafka does (Burrow, started on
        // a cluster without groups, asks for its partition count before anything else).
        await _broker.CreateTopic("offsets-user-topic", 1);
        await _broker.AwaitAsync(async () =>
        {
            using var wire = await KafkaWireConnection.OpenAsync(_broker.Cluster.KafkaPorts[0]);
            var metadata = await wire.AskAsync(ApiKey.Metadata, 8, 1, new MetadataRequestData([new MetadataRequestData.MetadataRequestTopic(Topic)], true),
                (ref KafkaReader r) => MetadataResponseData.Read(ref r, 8));
            var internalTopic = metadata.Topics.Single();
            return internalTopic is { ErrorCode: AkkaKafka.Protocol.ErrorCode.None, IsInternal: true, Partitions.Count: 50 } ? null
                : $"Metadata for {Topic}: {internalTopic.ErrorCode}, internal {internalTopic.IsInternal}, {internalTopic.Partitions.Count} partitions";
        }, TimeSpan.FromSeconds(60), $"{Topic} created with 50 partitions and shown as internal");
        Assert.Contains(Topic, (await _broker.AkkaOk(null, "topic", "list")).Stdout.Split('\n').Select(l => l.Trim()));
        var userTopics = (await _broker.AkkaOk(null, "topic", "list", "--exclude-internal")).Stdout.Split('\n').Select(l => l.Trim()).ToList();
        Assert.DoesNotContain(Topic, userTopics);
        Assert.Contains("offsets-user-topic", userTopics);

        using var producer = ConfluentClients.Producer(_broker.KafkaBootstrap);
        var produce = await Assert.ThrowsAsync<ProduceException<string, string>>(() =>
            producer.ProduceAsync(new Confluent.Kafka.TopicPartition(Topic, 0), new Message<string, string> { Key = "forged", Value = "forged" }));
        Assert.Equal(Confluent.Kafka.ErrorCode.TopicException, produce.Error.Code);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.KafkaBootstrap }).Build();
        var options = new DeleteTopicsOptions { RequestTimeout = ConfluentClients.RequestTimeout, OperationTimeout = ConfluentClients.RequestTimeout };
        var deletion = await Assert.ThrowsAsync<DeleteTopicsException>(() => admin.DeleteTopicsAsync([Topic], options));
        Assert.Equal(Confluent.Kafka.ErrorCode.TopicException, deletion.Results.Single().Error.Code);
        var growth = await Assert.ThrowsAsync<CreatePartitionsException>(() => admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = Topic, IncreaseTo = 60 }]));
        Assert.Equal(Confluent.Kafka.ErrorCode.TopicException, growth.Results.Single().Error.Code);
        var creation = await Assert.ThrowsAsync<CreateTopicsException>(() => admin.CreateTopicsAsync([new TopicSpecification { Name = Topic, NumPartitions = 1 }]));
        Assert.Equal(Confluent.Kafka.ErrorCode.TopicException, creation.Results.Single().Error.Code);
    }
}
