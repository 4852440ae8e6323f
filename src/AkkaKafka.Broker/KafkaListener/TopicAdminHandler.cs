using Akka.Actor;
using AkkaKafka.Broker.Controller;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using static AkkaKafka.Protocol.Kafka.Apis.CreateTopicsResponseData;
using static AkkaKafka.Protocol.Kafka.Apis.DeleteTopicsResponseData;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// Kafka CreateTopics and DeleteTopics over the controller's topic commands (the same ones `akkakafka topic` sends).
/// Replication factor -1 or 1..live brokers is accepted with our meaning: one owner per partition, durability in the
/// shared journal. Manual replica assignments are refused: the controller places partitions.
/// </summary>
internal static class TopicAdminHandler
{
    public static async Task<CreateTopicsResponseData> CreateTopicsAsync(KafkaNode node, KafkaRequestContext context, CreateTopicsRequestData request)
    {
        var metadata = await node.MetadataAsync();
        var liveBrokers = Math.Max(1, metadata.Brokers.Count(b => b.Status == "Up"));
        var timeout = TimeSpan.FromMilliseconds(Math.Clamp(request.TimeoutMs, (int)node.Broker.RequestTimeout.TotalMilliseconds, 300_000));
        var duplicates = request.Topics.GroupBy(t => t.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);

        var results = await Task.WhenAll(request.Topics.Select(async topic =>
        {
            var refused = Check(node, topic, liveBrokers, duplicates, out var create);
            if (refused is not null) return Result(context, topic.Name, refused.Value.Error, refused.Value.Message);
            if (request.ValidateOnly)
                return metadata.Topic(topic.Name) is null
                    ? Result(context, topic.Name, ErrorCode.None, null)
                    : Result(context, topic.Name, ErrorCode.TopicAlreadyExists, $"Topic '{topic.Name}' already exists.");
            var outcome = await AskControllerAsync(node, create!, timeout);
            return Result(context, topic.Name, outcome.Error, outcome.IsSuccess ? null : outcome.Message);
        }));
        return new CreateTopicsResponseData(results);
    }

    public static async Task<DeleteTopicsResponseData> DeleteTopicsAsync(KafkaNode node, KafkaRequestContext context, DeleteTopicsRequestData request)
    {
        var timeout = TimeSpan.FromMilliseconds(Math.Clamp(request.TimeoutMs, (int)node.Broker.RequestTimeout.TotalMilliseconds, 300_000));
        var results = await Task.WhenAll(request.TopicNames.Select(async name =>
        {
            var outcome = await AskControllerAsync(node, new DeleteTopic(name), timeout);
            // Error messages exist from DeleteTopics v5 on.
            return new DeletableTopicResult(name, outcome.Error, outcome.IsSuccess || context.Version < 5 ? null : outcome.Message);
        }));
        return new DeleteTopicsResponseData(results);
    }

    public static async Task<CreatePartitionsResponseData> CreatePartitionsAsync(KafkaNode node, CreatePartitionsRequestData request)
    {
        var metadata = await node.MetadataAsync();
        var timeout = TimeSpan.FromMilliseconds(Math.Clamp(request.TimeoutMs, (int)node.Broker.RequestTimeout.TotalMilliseconds, 300_000));
        var results = await Task.WhenAll(request.Topics.Select(async topic =>
        {
            if (topic.Assignments is not null)
                return new CreatePartitionsResponseData.CreatePartitionsTopicResult(topic.Name, ErrorCode.InvalidRequest,
                    "Manual replica assignment is not supported: the controller places partitions.");
            if (request.ValidateOnly)
            {
                var existing = metadata.Topic(topic.Name);
                return existing is null
                    ? new CreatePartitionsResponseData.CreatePartitionsTopicResult(topic.Name, ErrorCode.UnknownTopicOrPartition, $"The topic '{topic.Name}' does not exist.")
                    : topic.Count <= existing.PartitionCount
                        ? new CreatePartitionsResponseData.CreatePartitionsTopicResult(topic.Name, ErrorCode.InvalidPartitions,
                            $"Topic currently has {existing.PartitionCount} partitions, which is higher than or equal to the requested {topic.Count}.")
                        : new CreatePartitionsResponseData.CreatePartitionsTopicResult(topic.Name, ErrorCode.None);
            }
            var outcome = await AskControllerAsync(node, new AddPartitions(topic.Name, topic.Count), timeout);
            return new CreatePartitionsResponseData.CreatePartitionsTopicResult(topic.Name, outcome.Error, outcome.IsSuccess ? null : outcome.Message);
        }));
        return new CreatePartitionsResponseData(results);
    }

    /// <summary>Kafka's checks before anything is sent to the controller; null when the topic may be created as <paramref name="create"/>.</summary>
    private static (ErrorCode Error, string Message)? Check(KafkaNode node, CreateTopicsRequestData.CreatableTopic topic, int liveBrokers,
        IReadOnlySet<string> duplicates, out CreateTopic? create)
    {
        create = null;
        if (duplicates.Contains(topic.Name)) return (ErrorCode.InvalidRequest, $"Create topics request from client contains multiple entries for topic '{topic.Name}'.");
        if (ControllerState.ValidateTopicName(topic.Name) is { } invalid) return (ErrorCode.InvalidTopic, invalid);
        if (topic.Assignments.Count > 0) return (ErrorCode.InvalidRequest, "Manual replica assignment is not supported: the controller places partitions.");
        if (topic.NumPartitions is 0 or < -1) return (ErrorCode.InvalidPartitions, $"Number of partitions must be larger than 0, got {topic.NumPartitions}.");
        if (ControllerState.RejectReplicationFactor(topic.ReplicationFactor, liveBrokers) is { } rf) return (ErrorCode.InvalidReplicationFactor, rf);
        var configs = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var c in topic.Configs) configs[c.Name] = c.Value;
        var validation = TopicConfigs.Validate(configs);
        if (!validation.IsValid) return (validation.Error, validation.ErrorMessage ?? "invalid topic config");
        var partitions = topic.NumPartitions == -1 ? node.Settings.DefaultPartitions : topic.NumPartitions;
        create = new CreateTopic(topic.Name, partitions, validation.RetentionMs, validation.RetentionBytes, validation.TimestampType);
        return null;
    }

    /// <summary>Error messages exist from CreateTopics v1 on.</summary>
    private static CreatableTopicResult Result(KafkaRequestContext context, string name, ErrorCode error, string? message) =>
        new(name, error, context.Version >= 1 ? message : null);

    public static async Task<TopicCommandResult> AskControllerAsync(KafkaNode node, IControllerCommand command, TimeSpan timeout)
    {
        var topic = command switch { CreateTopic c => c.Topic, DeleteTopic d => d.Topic, AddPartitions a => a.Topic, _ => "" };
        try
        {
            return await node.Broker.Ask<TopicCommandResult>(command, timeout);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or TimeoutException)
        {
            return new TopicCommandResult(topic, ErrorCode.RequestTimedOut, $"the controller did not answer within {timeout.TotalSeconds:0} s");
        }
    }
}
