using System.Globalization;
using AkkaKafka.Broker.Controller;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;
using static AkkaKafka.Protocol.Kafka.Apis.DescribeConfigsResponseData;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// Kafka DescribeConfigs for topics (retention.ms, retention.bytes, cleanup.policy, message.timestamp.type) and brokers
/// (the settings Kafka tools look for, under Kafka's names), and IncrementalAlterConfigs for a topic's retention.ms,
/// retention.bytes and message.timestamp.type
/// (the controller's <see cref="AlterTopicConfigs"/>, as `akkakafka topic alter --retention-ms` sends it).
/// </summary>
internal static class ConfigsHandler
{
    // Kafka's ConfigSource and ConfigType values.
    private const sbyte DynamicTopicConfig = 1;
    private const sbyte StaticBrokerConfig = 4;
    private const sbyte DefaultConfig = 5;
    private const sbyte TypeBoolean = 1, TypeString = 2, TypeInt = 3, TypeLong = 5, TypeList = 7;

    private sealed record Entry(string Name, string Value, sbyte Source, sbyte Type);

    public static async Task<DescribeConfigsResponseData> DescribeAsync(KafkaNode node, KafkaRequestContext context, DescribeConfigsRequestData request)
    {
        var metadata = await node.CachedMetadataAsync();
        var results = request.Resources.Select(resource =>
        {
            var (error, message, entries) = resource.ResourceType switch
            {
                DescribeConfigsRequestData.TopicResource => TopicEntries(node, metadata, resource.ResourceName),
                DescribeConfigsRequestData.BrokerResource => BrokerEntries(node, metadata, resource.ResourceName),
                _ => (ErrorCode.InvalidRequest, $"resource type {resource.ResourceType} is not supported", []),
            };
            var wanted = resource.ConfigurationKeys is { } keys ? entries.Where(e => keys.Contains(e.Name)) : entries;
            return new DescribeConfigsResult(error, error == ErrorCode.None ? null : message, resource.ResourceType, resource.ResourceName,
                wanted.Select(e => Result(context.Version, e)).ToList());
        }).ToList();
        return new DescribeConfigsResponseData(results);
    }

    /// <summary>
    /// IncrementalAlterConfigs: SET or DELETE (back to the brokers' default) of retention.ms and retention.bytes on topics;
    /// cleanup.policy may be set to "delete" (what it already is). Anything else is refused per resource, as Kafka does,
    /// and a resource with one refused config changes nothing.
    /// </summary>
    public static async Task<IncrementalAlterConfigsResponseData> AlterAsync(KafkaNode node, IncrementalAlterConfigsRequestData request)
    {
        var metadata = await node.MetadataAsync();
        var responses = await Task.WhenAll(request.Resources.Select(async resource =>
        {
            IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse Answer(ErrorCode error, string? message) =>
                new(error, error == ErrorCode.None ? null : message, resource.ResourceType, resource.ResourceName);

            if (resource.ResourceType != IncrementalAlterConfigsRequestData.TopicResource)
                return Answer(ErrorCode.InvalidRequest, $"resource type {resource.ResourceType} cannot be altered here: only topics' retention");
            if (metadata.Topic(resource.ResourceName) is null)
                return Answer(ErrorCode.UnknownTopicOrPartition, $"Topic '{resource.ResourceName}' does not exist.");
            var (alter, refusal) = ToAlter(resource);
            if (refusal is not null) return Answer(ErrorCode.InvalidConfig, refusal);
            if (request.ValidateOnly || alter is null) return Answer(ErrorCode.None, null);
            var outcome = await TopicAdminHandler.AskControllerAsync(node, alter, node.Broker.RequestTimeout);
            return Answer(outcome.Error, outcome.Message);
        }));
        return new IncrementalAlterConfigsResponseData(responses);
    }

    /// <summary>The controller command for one resource's config changes (null: nothing to change), or why they are refused.</summary>
    private static (AlterTopicConfigs? Alter, string? Refusal) ToAlter(IncrementalAlterConfigsRequestData.AlterConfigsResource resource)
    {
        long retentionMs = AlterTopicConfigs.Unchanged, retentionBytes = AlterTopicConfigs.Unchanged;
        TimestampType? timestampType = null;
        foreach (var config in resource.Configs)
        {
            var operation = config.ConfigOperation;
            if (operation is not (IncrementalAlterConfigsRequestData.Set or IncrementalAlterConfigsRequestData.Delete))
                return (null, $"Config operation {operation} is not supported for {config.Name}: only SET (0) and DELETE (1)");
            switch (config.Name)
            {
                case TopicConfigs.RetentionMs or TopicConfigs.RetentionBytes:
                {
                    long value = CreateTopic.UseDefault;
                    if (operation == IncrementalAlterConfigsRequestData.Set
                        && (config.Value is null || !long.TryParse(config.Value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) || value < -1))
                        return (null, $"Invalid value {config.Value} for configuration {config.Name}: must be -1 or at least 0");
                    if (config.Name == TopicConfigs.RetentionMs) retentionMs = value;
                    else retentionBytes = value;
                    break;
                }
                case TopicConfigs.MessageTimestampType when operation == IncrementalAlterConfigsRequestData.Delete:
                    timestampType = TimestampType.CreateTime;
                    break;
                case TopicConfigs.MessageTimestampType:
                    if (!TopicConfigs.TryParseTimestampType(config.Value, out var parsed))
                        return (null, $"Invalid value {config.Value} for configuration {config.Name}: {TopicConfigs.TimestampTypeRule}");
                    timestampType = parsed;
                    break;
                case TopicConfigs.CleanupPolicy when operation == IncrementalAlterConfigsRequestData.Delete
                                                     || config.Value?.Trim().Equals("delete", StringComparison.OrdinalIgnoreCase) == true:
                    break;
                case TopicConfigs.CleanupPolicy:
                    return (null, $"{TopicConfigs.CleanupPolicy}={config.Value} is not supported");
                default:
                    if (TopicConfigs.Ignored.Contains(config.Name)) break;
                    return (null, $"Unknown topic config name: {config.Name}");
            }
        }
        return retentionMs == AlterTopicConfigs.Unchanged && retentionBytes == AlterTopicConfigs.Unchanged && timestampType is null
            ? (null, null)
            : (new AlterTopicConfigs(resource.ResourceName, retentionMs, retentionBytes, timestampType), null);
    }

    private static DescribeConfigsResourceResult Result(short version, Entry e) => version == 0
        ? new DescribeConfigsResourceResult(e.Name, e.Value, ReadOnly: true, IsSensitive: false, IsDefault: e.Source == DefaultConfig)
        : new DescribeConfigsResourceResult(e.Name, e.Value, ReadOnly: true, IsSensitive: false, ConfigSource: e.Source,
            ConfigType: version >= 3 ? e.Type : (sbyte)0);

    private static (ErrorCode, string?, IReadOnlyList<Entry>) TopicEntries(KafkaNode node, ClusterMetadata metadata, string name)
    {
        if (metadata.Topic(name) is not { } topic) return (ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist.", []);
        var settings = node.Settings;
        return (ErrorCode.None, null,
        [
            new("retention.ms", Text(topic.RetentionMs), topic.RetentionMs == settings.DefaultRetentionMs ? DefaultConfig : DynamicTopicConfig, TypeLong),
            new("retention.bytes", Text(topic.RetentionBytes), topic.RetentionBytes == settings.DefaultRetentionBytes ? DefaultConfig : DynamicTopicConfig, TypeLong),
            new("cleanup.policy", "delete", DefaultConfig, TypeList),
            new(TopicConfigs.MessageTimestampType, topic.TimestampType.ToString(),
                topic.TimestampType == TimestampType.CreateTime ? DefaultConfig : DynamicTopicConfig, TypeString),
        ]);
    }

    private static (ErrorCode, string?, IReadOnlyList<Entry>) BrokerEntries(KafkaNode node, ClusterMetadata metadata, string name)
    {
        // "" asks for the cluster-wide defaults; otherwise the broker named by its node id (all brokers share one configuration file layout).
        var broker = name.Length == 0 ? null
            : int.TryParse(name, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) ? metadata.BrokerByNodeId(id) : null;
        if (name.Length > 0 && broker is null) return (ErrorCode.InvalidRequest, $"Broker '{name}' is not a known node id.", []);
        var settings = node.Settings;
        var entries = new List<Entry>
        {
            new("num.partitions", Text(settings.DefaultPartitions), StaticBrokerConfig, TypeInt),
            new("auto.create.topics.enable", settings.AutoCreateTopics ? "true" : "false", StaticBrokerConfig, TypeBoolean),
            new("log.retention.ms", Text(settings.DefaultRetentionMs), StaticBrokerConfig, TypeLong),
            new("log.retention.bytes", Text(settings.DefaultRetentionBytes), StaticBrokerConfig, TypeLong),
            new("log.cleanup.policy", "delete", DefaultConfig, TypeList),
            new("log.message.timestamp.type", nameof(TimestampType.CreateTime), DefaultConfig, TypeString),
            new("default.replication.factor", "1", DefaultConfig, TypeInt),
            new("socket.request.max.bytes", Text(node.Kafka.SocketRequestMaxBytes), StaticBrokerConfig, TypeInt),
        };
        if (broker is not null)
        {
            entries.Insert(0, new("broker.id", Text(broker.NodeId), StaticBrokerConfig, TypeInt));
            if (broker.KafkaEndpoint is { } endpoint) entries.Add(new("advertised.listeners", "PLAINTEXT://" + endpoint, StaticBrokerConfig, TypeString));
        }
        return (ErrorCode.None, null, entries);
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
