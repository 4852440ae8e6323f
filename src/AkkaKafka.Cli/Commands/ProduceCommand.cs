using System.CommandLine;
using System.Text;
using AkkaKafka.Client;
using AkkaKafka.Client.Producer;
using AkkaKafka.Protocol;

namespace AkkaKafka.Cli.Commands;

/// <summary>
/// `akkakafka produce`, after kafka-console-producer: one record per input line (its bytes as they are, see
/// <see cref="InputLines"/>). At a terminal it is interactive
/// (asks for the topic if none was given and shows each record's offset); with piped input it sends every line and
/// exits 0 once all are acknowledged.
/// </summary>
internal static class ProduceCommand
{
    public static Command Create()
    {
        var topic = new Option<string?>("--topic") { Description = "Topic to write to (asked for at a terminal when omitted)" };
        var key = new Option<string?>("--key") { Description = "Key for every record" };
        var keySeparator = new Option<string?>("--key-separator") { Description = "Split each line at this separator into key and value" };
        var acks = new Option<string>("--acks") { Description = "0, 1 or all", DefaultValueFactory = _ => "all" };
        var partition = new Option<int?>("--partition") { Description = "Write every record to this partition" };
        var bootstrap = CommonOptions.Bootstrap();
        var timeout = CommonOptions.Timeout();
        var command = new Command("produce",
            "Write lines from stdin to a topic, one record per line: lines end at \\n (a \\r just before it is dropped), every other byte is kept as it is")
        {
            topic, key, keySeparator, acks, partition, bootstrap, timeout,
        };
        command.SetAction((r, ct) => CommonOptions.RunAsync(async () =>
        {
            if (!AcksParser.TryParse(r.GetValue(acks)!, out var ackMode)) throw new UsageException($"--acks must be 0, 1 or all, got '{r.GetValue(acks)}'");
            if (r.GetValue(key) is not null && r.GetValue(keySeparator) is not null) throw new UsageException("use either --key or --key-separator, not both");
            var interactive = !Console.IsInputRedirected;
            var topicName = r.GetValue(topic);
            if (topicName is null)
            {
                if (!interactive) throw new UsageException("--topic is required when input is piped");
                Console.Write("Topic: ");
                topicName = Console.ReadLine()?.Trim();
                if (string.IsNullOrEmpty(topicName)) throw new UsageException("no topic given");
            }
            var timeoutSeconds = r.GetValue(timeout);
            return await CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, timeoutSeconds, async connection =>
            {
                await using var producer = new Producer(connection, ackMode);
                // Retriable failures are retried until --timeout; say at once why the records are not landing.
                producer.OnRetriableError = e => Console.Error.WriteLine(
                    $"warning: {e.Partition}: {e.KafkaName} ({e.Reason}), retrying until the delivery timeout");
                var fixedKey = r.GetValue(key) is { } k ? Encoding.UTF8.GetBytes(k) : null;
                var separator = r.GetValue(keySeparator) is { } sep ? Encoding.UTF8.GetBytes(sep) : null;
                var fixedPartition = r.GetValue(partition);
                // Piped lines get a callback each (no Task per record): counts and the first error are all we report.
                long sent = 0, completed = 0, failed = 0;
                string? firstError = null;
                var failures = 0;
                DeliveryCallback onPiped = (_, error) =>
                {
                    if (error is not null && Interlocked.Increment(ref failed) == 1) Interlocked.CompareExchange(ref firstError, error.Message, null);
                    Interlocked.Increment(ref completed);
                };
                if (interactive) Console.WriteLine($"Producing to '{topicName}'. One message per line; Ctrl-D to finish.");
                await foreach (var line in InputLines.ReadAsync(Console.OpenStandardInput(), ct))
                {
                    var value = line;
                    var recordKey = fixedKey;
                    if (separator is not null && line.AsSpan().IndexOf(separator) is var at and >= 0)
                    {
                        recordKey = line[..at];
                        value = line[(at + separator.Length)..];
                    }
                    var record = new ProducerRecord(topicName, value, recordKey, fixedPartition);
                    if (interactive)
                    {
                        // Show the fate of each line as the original console producer did.
                        var send = producer.SendAsync(record);
                        var done = await Task.WhenAny(send, Task.Delay(TimeSpan.FromSeconds(timeoutSeconds), ct));
                        if (done != send) throw new TimeoutException($"no acknowledgement within {timeoutSeconds}s");
                        try
                        {
                            var md = await send;
                            Console.WriteLine(md.Offset >= 0 ? $"> partition {md.Partition}, offset {md.Offset}" : "> sent (acks=0)");
                        }
                        catch (KafkaException e)
                        {
                            Console.Error.WriteLine($"error: {e.Message}");
                            failures++;
                        }
                    }
                    else
                    {
                        sent++;
                        producer.Send(record, onPiped);
                    }
                }
                var flushed = producer.FlushAsync();
                // Each record fails by itself at --timeout (the delivery timeout), once its request is answered or
                // times out; the margin lets those fates arrive before counting what is left.
                await Task.WhenAny(flushed, Task.Delay(TimeSpan.FromSeconds(Math.Max(timeoutSeconds, 1) + 2), ct));
                var acknowledged = Interlocked.Read(ref completed);
                if (acknowledged < sent)
                    throw new TimeoutException($"{sent - acknowledged} of {sent} records not acknowledged within {timeoutSeconds}s (cluster at {r.GetValue(bootstrap)} unreachable?)");
                if (failed == sent && sent > 0 && await CommonOptions.ExplainAsync(connection.Bootstrap) is { } tls)
                {
                    Console.Error.WriteLine($"error: {tls}");
                    return 1;
                }
                if (failed > 0)
                {
                    // One line: how many, and the first reason (a record too large, a full disk…) as the broker said it.
                    Console.Error.WriteLine($"error: {failed} of {sent} records failed: {firstError}");
                    return 1;
                }
                if (failures > 0)
                {
                    Console.Error.WriteLine($"error: {failures} records failed");
                    return 1;
                }
                return 0;
            }, timeoutIsDeliveryTimeout: true);
        }));
        return command;
    }
}
