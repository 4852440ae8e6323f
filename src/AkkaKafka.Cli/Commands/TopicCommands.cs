using System.CommandLine;
using System.Globalization;
using AkkaKafka.Broker.Controller;
using AkkaKafka.Client;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Cli.Commands;

/// <summary>`akkakafka topic create|alter|list|describe|delete`, after kafka-topics.</summary>
internal static class TopicCommands
{
    public static Command Create()
    {
        var topic = new Command("topic", "Create, alter, list, describe and delete topics");
        topic.Subcommands.Add(CreateCommand());
        topic.Subcommands.Add(AlterCommand());
        topic.Subcommands.Add(ListCommand());
        topic.Subcommands.Add(DescribeCommand());
        topic.Subcommands.Add(DeleteCommand());
        return topic;
    }

    private static Command CreateCommand()
    {
        var (nameArg, name) = TopicName();
        var partitions = new Option<int?>("--partitions") { Description = "Number of partitions (default: the brokers' num.partitions)" };
        AtLeastOne(partitions);
        var retentionMs = new Option<long?>("--retention-ms") { Description = "Delete records older than this (ms); -1 keeps them forever" };
        var retentionBytes = new Option<long?>("--retention-bytes") { Description = "Keep at most about this many bytes per partition; -1 is unlimited" };
        var timestampType = TimestampTypeOption();
        var bootstrap = CommonOptions.Bootstrap();
        var timeout = CommonOptions.Timeout();
        var command = new Command("create", "Create a topic") { nameArg, name, partitions, retentionMs, retentionBytes, timestampType, bootstrap, timeout };
        command.SetAction((r, ct) => CommonOptions.RunAsync(() =>
        {
            var configs = Configs(r.GetValue(retentionMs), r.GetValue(retentionBytes), ParseTimestampType(r.GetValue(timestampType)))
                .ToDictionary(c => c.Key, c => c.Value!);
            return CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, r.GetValue(timeout), async connection =>
                Report(await new AdminClient(connection).CreateTopicAsync(Resolve(r, nameArg, name), r.GetValue(partitions) ?? AdminClient.BrokerDefault, configs, ct)));
        }));
        return command;
    }

    private static Command AlterCommand()
    {
        var (nameArg, name) = TopicName();
        var partitions = new Option<int?>("--partitions") { Description = "The new total number of partitions (only ever grows)" };
        var retentionMs = new Option<long?>("--retention-ms") { Description = "Delete records older than this (ms); -1 keeps them forever" };
        var retentionBytes = new Option<long?>("--retention-bytes") { Description = "Keep at most about this many bytes per partition; -1 is unlimited" };
        var timestampType = TimestampTypeOption();
        var bootstrap = CommonOptions.Bootstrap();
        var timeout = CommonOptions.Timeout();
        var command = new Command("alter", "Add partitions to a topic (kafka-topics --alter --partitions) or change its configs (kafka-configs --alter)")
        {
            nameArg, name, partitions, retentionMs, retentionBytes, timestampType, bootstrap, timeout,
        };
        command.SetAction((r, ct) => CommonOptions.RunAsync(async () =>
        {
            var topicName = Resolve(r, nameArg, name);
            var (total, ms, bytes) = (r.GetValue(partitions), r.GetValue(retentionMs), r.GetValue(retentionBytes));
            var type = ParseTimestampType(r.GetValue(timestampType));
            if (total is null && ms is null && bytes is null && type is null)
                throw new UsageException("give --partitions, --retention-ms, --retention-bytes or --message-timestamp-type");
            if (total is < 1) throw new UsageException($"--partitions must be at least 1, got {total}");
            if (ms is < -1) throw new UsageException($"--retention-ms must be -1 (forever) or at least 0, got {ms}");
            if (bytes is < -1) throw new UsageException($"--retention-bytes must be -1 (unlimited) or at least 0, got {bytes}");
            var configs = Configs(ms, bytes, type);
            return await CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, r.GetValue(timeout), async connection =>
            {
                var admin = new AdminClient(connection);
                if (total is { } count && Report(await admin.AddPartitionsAsync(topicName, count, ct)) is var grown and not 0) return grown;
                return configs.Count == 0 ? 0 : Report(await admin.AlterTopicConfigsAsync(topicName, configs, ct));
            });
        }));
        return command;
    }

    /// <summary>The flags given, as Kafka topic configs (what kafka-topics --config and kafka-configs --add-config send).</summary>
    private static Dictionary<string, string?> Configs(long? retentionMs, long? retentionBytes, TimestampType? timestampType)
    {
        var configs = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (retentionMs is { } ms) configs[TopicConfigs.RetentionMs] = ms.ToString(CultureInfo.InvariantCulture);
        if (retentionBytes is { } bytes) configs[TopicConfigs.RetentionBytes] = bytes.ToString(CultureInfo.InvariantCulture);
        if (timestampType is { } type) configs[TopicConfigs.MessageTimestampType] = type.ToString();
        return configs;
    }

    /// <summary>Kafka's message.timestamp.type, as a flag beside --retention-ms.</summary>
    private static Option<string?> TimestampTypeOption() => new("--message-timestamp-type")
    {
        Description = "Kafka's message.timestamp.type: CreateTime (the producer's timestamps; default) or LogAppendTime (the broker's clock at append)",
    };

    private static TimestampType? ParseTimestampType(string? value) =>
        value is null ? null
        : TopicConfigs.TryParseTimestampType(value, out var type) ? type
        : throw new UsageException($"--message-timestamp-type {TopicConfigs.TimestampTypeRule}, got {value}");

    private static Command DeleteCommand()
    {
        var (nameArg, name) = TopicName();
        var bootstrap = CommonOptions.Bootstrap();
        var timeout = CommonOptions.Timeout();
        var command = new Command("delete", "Delete a topic and its records") { nameArg, name, bootstrap, timeout };
        command.SetAction((r, ct) => CommonOptions.RunAsync(() => CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, r.GetValue(timeout), async connection =>
            Report(await new AdminClient(connection).DeleteTopicAsync(Resolve(r, nameArg, name), ct)))));
        return command;
    }

    private static Command ListCommand()
    {
        var bootstrap = CommonOptions.Bootstrap();
        var timeout = CommonOptions.Timeout();
        // Kafka's kafka-topics --list shows the internal topics (__consumer_offsets, __transactions) unless told not to.
        var excludeInternal = new Option<bool>("--exclude-internal") { Description = "Leave out internal topics (those Metadata marks internal), as kafka-topics --exclude-internal" };
        var command = new Command("list", "List topic names") { excludeInternal, bootstrap, timeout };
        command.SetAction((r, ct) => CommonOptions.RunAsync(() => CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, r.GetValue(timeout), async connection =>
        {
            var skipInternal = r.GetValue(excludeInternal);
            foreach (var t in (await MetadataAsync(connection, null, ct)).Topics.Where(t => !(skipInternal && t.IsInternal))) Console.WriteLine(t.Name);
            return 0;
        })));
        return command;
    }

    private static Command DescribeCommand()
    {
        var (nameArg, name) = TopicName();
        var bootstrap = CommonOptions.Bootstrap();
        var timeout = CommonOptions.Timeout();
        var command = new Command("describe", "Show a topic's partitions, leaders, epochs and configs (all topics when none is named)") { nameArg, name, bootstrap, timeout };
        command.SetAction((r, ct) => CommonOptions.RunAsync(() => CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, r.GetValue(timeout), async connection =>
        {
            var wanted = r.GetValue(nameArg) ?? r.GetValue(name);
            var metadata = await MetadataAsync(connection, wanted is null ? null : [wanted], ct);
            if (metadata.Topics.FirstOrDefault(t => t.ErrorCode == ErrorCode.UnknownTopicOrPartition) is { } unknown)
                throw new KafkaException(ErrorCode.UnknownTopicOrPartition, $"topic '{unknown.Name}' does not exist");
            // As kafka-topics --describe: the partitions from Metadata, the configs from DescribeConfigs.
            var topics = metadata.Topics.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
            var configs = topics.Count == 0 ? new Dictionary<string, IReadOnlyDictionary<string, string?>>()
                : await new AdminClient(connection).DescribeTopicConfigsAsync(topics.Select(t => t.Name).ToList(), ct);
            foreach (var t in topics) Console.Write(Format.Topic(t, configs[t.Name]));
            return 0;
        })));
        return command;
    }

    /// <summary>
    /// Kafka Metadata once the broker asked knows the cluster: right after a cluster starts it may not yet
    /// (LEADER_NOT_AVAILABLE, retriable), and it is asked again until the request timeout.
    /// </summary>
    private static async Task<MetadataResponseData> MetadataAsync(ClusterConnection connection, IReadOnlyList<string>? topics, CancellationToken ct)
    {
        var admin = new AdminClient(connection);
        var deadline = DateTime.UtcNow + connection.Settings.RequestTimeout;
        while (true)
        {
            try
            {
                return await admin.TopicsAsync(topics, ct);
            }
            catch (KafkaException e) when (e.Error.IsRetriable() && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, ct);
            }
        }
    }

    /// <summary>The topic may be given as kafka-topics does (--topic T) or positionally (topic create T).</summary>
    /// <summary>A count below 1 is bad usage (exit 2), refused before asking the cluster.</summary>
    private static void AtLeastOne(Option<int?> option) => option.Validators.Add(result =>
    {
        if (result.GetValueOrDefault<int?>() is < 1 and var n) result.AddError($"{option.Name} must be at least 1, got {n}");
    });

    private static (Argument<string?> Argument, Option<string?> Option) TopicName() =>
        (new Argument<string?>("topic") { Description = "Topic name (or --topic)", Arity = ArgumentArity.ZeroOrOne },
         new Option<string?>("--topic") { Description = "Topic name" });

    private static string Resolve(ParseResult r, Argument<string?> argument, Option<string?> option) =>
        r.GetValue(argument) ?? r.GetValue(option) ?? throw new UsageException("a topic name is required (--topic NAME)");

    private static int Report(TopicResult result)
    {
        if (result.IsSuccess)
        {
            Console.WriteLine(result.Message);
            return 0;
        }
        Console.Error.WriteLine($"error: {result.Message}");
        return 1;
    }
}
