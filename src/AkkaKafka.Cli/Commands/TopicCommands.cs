using System.CommandLine;
using AkkaKafka.Broker.Controller;
using AkkaKafka.Client;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
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
        var partitions = new Option<int>("--partitions") { Description = "Number of partitions", DefaultValueFactory = _ => 1 };
        AtLeastOne(partitions);
        var retentionMs = new Option<long?>("--retention-ms") { Description = "Delete records older than this (ms); -1 keeps them forever" };
        var retentionBytes = new Option<long?>("--retention-bytes") { Description = "Keep at most about this many bytes per partition; -1 is unlimited" };
        var timestampType = TimestampTypeOption();
        var bootstrap = CommonOptions.Bootstrap();
        var timeout = CommonOptions.Timeout();
        var command = new Command("create", "Create a topic") { nameArg, name, partitions, retentionMs, retentionBytes, timestampType, bootstrap, timeout };
        command.SetAction((r, ct) => CommonOptions.RunAsync(() =>
        {
            var type = ParseTimestampType(r.GetValue(timestampType)) ?? TimestampType.CreateTime;
            return CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, r.GetValue(timeout), async connection =>
            {
                var result = await new AdminClient(connection).CreateTopicAsync(new CreateTopic(Resolve(r, nameArg, name), r.GetValue(partitions),
                    r.GetValue(retentionMs) ?? CreateTopic.UseDefault, r.GetValue(retentionBytes) ?? CreateTopic.UseDefault, type), ct);
                return Report(result);
            });
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
            return await CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, r.GetValue(timeout), async connection =>
            {
                var admin = new AdminClient(connection);
                if (total is { } count && Report(await admin.AddPartitionsAsync(topicName, count, ct)) is var grown and not 0) return grown;
                if (ms is null && bytes is null && type is null) return 0;
                return Report(await admin.AlterTopicConfigsAsync(
                    new AlterTopicConfigs(topicName, ms ?? AlterTopicConfigs.Unchanged, bytes ?? AlterTopicConfigs.Unchanged, type), ct));
            });
        }));
        return command;
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
        var command = new Command("list", "List topic names") { bootstrap, timeout };
        command.SetAction((r, ct) => CommonOptions.RunAsync(() => CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, r.GetValue(timeout), async connection =>
        {
            var metadata = await MetadataWithTopicsAsync(connection, ct);
            foreach (var t in metadata.Topics) Console.WriteLine(t.Name);
            return 0;
        })));
        return command;
    }

    private static Command DescribeCommand()
    {
        var (nameArg, name) = TopicName();
        var bootstrap = CommonOptions.Bootstrap();
        var timeout = CommonOptions.Timeout();
        var command = new Command("describe", "Show a topic's partitions, owners and epochs (all topics when none is named)") { nameArg, name, bootstrap, timeout };
        command.SetAction((r, ct) => CommonOptions.RunAsync(() => CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, r.GetValue(timeout), async connection =>
        {
            var metadata = await MetadataWithTopicsAsync(connection, ct);
            var wanted = r.GetValue(nameArg) ?? r.GetValue(name);
            var topics = wanted is null ? metadata.Topics : metadata.Topics.Where(t => t.Name == wanted).ToList();
            if (wanted is not null && topics.Count == 0)
                throw new KafkaException(ErrorCode.UnknownTopicOrPartition, $"topic '{wanted}' does not exist");
            foreach (var t in topics) Console.Write(Format.Topic(t));
            return 0;
        })));
        return command;
    }

    /// <summary>Metadata once the controller has published it (right after a cluster starts it may still be empty).</summary>
    internal static async Task<ClusterMetadata> MetadataWithTopicsAsync(ClusterConnection connection, CancellationToken ct)
    {
        var admin = new AdminClient(connection);
        var deadline = DateTime.UtcNow + connection.Settings.RequestTimeout;
        while (true)
        {
            var metadata = await admin.MetadataAsync(ct: ct);
            if (metadata.Version > 0 || DateTime.UtcNow > deadline) return metadata;
            await Task.Delay(200, ct);
        }
    }

    /// <summary>The topic may be given as kafka-topics does (--topic T) or positionally (topic create T).</summary>
    /// <summary>A count below 1 is bad usage (exit 2), refused before asking the cluster.</summary>
    private static void AtLeastOne(Option<int> option) => option.Validators.Add(result =>
    {
        if (result.GetValueOrDefault<int>() is < 1 and var n) result.AddError($"{option.Name} must be at least 1, got {n}");
    });

    private static (Argument<string?> Argument, Option<string?> Option) TopicName() =>
        (new Argument<string?>("topic") { Description = "Topic name (or --topic)", Arity = ArgumentArity.ZeroOrOne },
         new Option<string?>("--topic") { Description = "Topic name" });

    private static string Resolve(ParseResult r, Argument<string?> argument, Option<string?> option) =>
        r.GetValue(argument) ?? r.GetValue(option) ?? throw new UsageException("a topic name is required (--topic NAME)");

    private static int Report(TopicCommandResult result)
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
