using System.CommandLine;
using System.Text;
using AkkaKafka.Client.Consumer;
using AkkaKafka.Protocol;

namespace AkkaKafka.Cli.Commands;

/// <summary>
/// `akkakafka consume`, after kafka-console-consumer: prints each record's value, one per line. Without
/// --from-beginning (alias --beginning) it starts at the end and shows only new records.
/// </summary>
internal static class ConsumeCommand
{
    public static Command Create()
    {
        var topic = new Option<string?>("--topic") { Description = "Topic to read (asked for at a terminal when omitted)" };
        var fromBeginning = new Option<bool>("--from-beginning", "--beginning") { Description = "Start at the oldest record instead of only new ones" };
        var partition = new Option<int?>("--partition") { Description = "Read only this partition" };
        var group = new Option<string?>("--group") { Description = "Consumer group: share the partitions with its other members and resume from its committed offsets" };
        var fromTimestamp = new Option<string?>("--from-timestamp")
        {
            Description = "Start, per partition, at the first record with a timestamp at or after this ISO 8601 time (e.g. 2026-11-30T10:00:00Z; "
                          + "no zone means UTC); with --group, only where the group has no committed offset",
        };
        var offset = new Option<long?>("--offset")
        {
            Description = "Start at this offset (with --partition); as in Kafka, -1 means the latest (only new records) and -2 the earliest",
        };
        offset.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long?>() is < -2 and var o)
                result.AddError($"--offset must be 0 or more, or -1 (latest) or -2 (earliest), got {o}");
        });
        var maxMessages = new Option<long?>("--max-messages") { Description = "Exit after this many records" };
        var timeoutMs = new Option<int?>("--timeout-ms") { Description = "Exit when no record arrived for this long" };
        var printKey = new Option<bool>("--print-key") { Description = "Print key<TAB>value" };
        var printOffset = new Option<bool>("--print-offset") { Description = "Print partition:offset before each value" };
        var isolationLevel = new Option<string?>("--isolation-level")
        {
            Description = "read_committed: only records of committed transactions, up to each partition's last stable offset; "
                          + "read_uncommitted: every record (akkakafka.client.isolation-level, read_uncommitted by default)",
        };
        isolationLevel.AcceptOnlyFromAmong("read_committed", "read_uncommitted");
        var bootstrap = CommonOptions.Bootstrap();
        var timeout = CommonOptions.Timeout();
        var command = new Command("consume", "Print records of a topic, one per line")
        {
            topic, fromBeginning, group, partition, offset, fromTimestamp, maxMessages, timeoutMs, printKey, printOffset, isolationLevel, bootstrap, timeout,
        };
        command.SetAction((r, ct) => CommonOptions.RunAsync(async () =>
        {
            var topicName = r.GetValue(topic);
            var fromBeginningAnswer = false;
            if (topicName is null)
            {
                if (Console.IsInputRedirected) throw new UsageException("--topic is required");
                Console.Write("Topic: ");
                topicName = Console.ReadLine()?.Trim();
                if (string.IsNullOrEmpty(topicName)) throw new UsageException("no topic given");
                Console.Write("Read from the beginning? [y/N]: ");
                if (Console.ReadLine()?.Trim().ToLowerInvariant() is "y" or "yes") fromBeginningAnswer = true;
            }
            if (r.GetValue(offset) is not null && r.GetValue(partition) is null) throw new UsageException("--offset needs --partition");
            if (r.GetValue(group) is not null && r.GetValue(partition) is not null) throw new UsageException("--group and --partition do not go together: the group assigns partitions");
            if (r.GetValue(maxMessages) is < 1) throw new UsageException("--max-messages must be at least 1");
            if (r.GetValue(fromTimestamp) is not null && (r.GetValue(offset) is not null || r.GetValue(fromBeginning)))
                throw new UsageException("--from-timestamp does not go with --offset or --from-beginning: choose one start");
            if (r.GetValue(partition) is < 0 and var badPartition) throw new UsageException($"--partition must be 0 or more, got {badPartition}");
            if (r.GetValue(timeoutMs) is < 1 and var badIdle) throw new UsageException($"--timeout-ms must be at least 1, got {badIdle}");
            StartPosition start = r.GetValue(offset) switch
            {
                // Kafka's ListOffsets meanings, as kafka-console-consumer --offset takes them.
                -1 => new StartPosition.Latest(),
                -2 => new StartPosition.Earliest(),
                { } o => new StartPosition.At(o),
                null when r.GetValue(fromTimestamp) is { } ts => new StartPosition.AtTimestamp(Timestamps.ParseIso8601("--from-timestamp", ts)),
                null => r.GetValue(fromBeginning) || fromBeginningAnswer ? new StartPosition.Earliest() : new StartPosition.Latest(),
            };

            var clientSettings = r.GetValue(isolationLevel) is { } isolation ? $"akkakafka.client.isolation-level = {isolation}" : null;
            return await CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, r.GetValue(timeout), clientSettings: clientSettings, body: async connection =>
            {
                // Why no records come (a storage error, an owner not answering): one line per error and partition, when it starts.
                // Except a refusal by the ACLs or of the session: retrying would never help, so it ends the command (exit 1).
                FetchError? refused = null;
                using var refusal = CancellationTokenSource.CreateLinkedTokenSource(ct);
                await using var consumer = new Consumer(connection)
                {
                    OnFetchError = e =>
                    {
                        if (e.Error is not (ErrorCode.TopicAuthorizationFailed or ErrorCode.SaslAuthenticationFailed))
                        {
                            Console.Error.WriteLine($"warning: {e}");
                            return;
                        }
                        Interlocked.CompareExchange(ref refused, e, null);
                        refusal.Cancel();
                    },
                };
                if (r.GetValue(group) is { } groupName)
                    await consumer.SubscribeAsync(groupName, topicName, start, ct);
                else
                    await consumer.AssignAsync(topicName, start, r.GetValue(partition) is { } p ? [p] : null, ct);
                var max = r.GetValue(maxMessages) ?? long.MaxValue;
                var idle = r.GetValue(timeoutMs);
                var out_ = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16) { AutoFlush = false };
                // Flush whenever the consumer has nothing more at hand, so a pipe reader sees every record promptly.
                long count = 0;
                using var idleCts = CancellationTokenSource.CreateLinkedTokenSource(refusal.Token);
                if (idle is { } ms) idleCts.CancelAfter(ms);
                try
                {
                    await foreach (var record in consumer.ReadAllAsync(idleCts.Token))
                    {
                        if (r.GetValue(printOffset)) await out_.WriteAsync($"{record.Partition}:{record.Offset}\t");
                        if (r.GetValue(printKey)) await out_.WriteAsync((record.Key is null ? "null" : Encoding.UTF8.GetString(record.Key)) + "\t");
                        await out_.WriteLineAsync(record.Value is null ? "null" : Encoding.UTF8.GetString(record.Value));
                        if (++count >= max) break;
                        if (idle is { } again) idleCts.CancelAfter(again);
                        if (!consumer.HasBufferedRecords || count % 1000 == 0) await out_.FlushAsync(CancellationToken.None);
                    }
                }
                catch (OperationCanceledException)
                {
                    // --timeout-ms passed without a record, or Ctrl-C / SIGTERM: a normal end, like kafka-console-consumer
                    // (the consumer then commits and leaves its group as it is disposed).
                }
                await out_.FlushAsync(CancellationToken.None);
                if (refused is not null)
                {
                    Console.Error.WriteLine($"error: {refused.Topic}-{refused.Partition}: {refused.Reason}");
                    return 1;
                }
                Console.Error.WriteLine($"Processed a total of {count} messages");
                return 0;
            });
        }));
        return command;
    }

}
