using System.CommandLine;
using System.Text;
using AkkaKafka.Client;

namespace AkkaKafka.Cli.Commands;

/// <summary>
/// `akkakafka transactions list|describe|describe-producers`, after Kafka's kafka-transactions.sh: the same
/// subcommands, flags and columns (its tab-separated, padded table), made of Kafka's ListTransactions,
/// DescribeTransactions, FindCoordinator and DescribeProducers (<see cref="AdminClient"/>).
/// </summary>
internal static class TransactionCommands
{
    public static Command Create()
    {
        var transactions = new Command("transactions", "List and describe transactions and the producers of a partition (kafka-transactions.sh)");
        transactions.Subcommands.Add(ListCommand());
        transactions.Subcommands.Add(DescribeCommand());
        transactions.Subcommands.Add(DescribeProducersCommand());
        return transactions;
    }

    private static Command ListCommand()
    {
        var duration = new Option<long?>("--duration-filter")
        {
            Description = "Duration (in millis) to filter by: if < 0, all transactions will be returned; otherwise, only transactions running longer than this duration will be returned",
        };
        var bootstrap = CommonOptions.Bootstrap();
        var timeout = CommonOptions.Timeout();
        var command = new Command("list", "List the transactional ids the coordinator knows (those you may describe)") { duration, bootstrap, timeout };
        command.SetAction((r, ct) => CommonOptions.RunAsync(() => CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, r.GetValue(timeout), async connection =>
        {
            var listed = await new AdminClient(connection).ListTransactionsAsync(r.GetValue(duration) ?? -1, ct);
            Console.Write(Table(["TransactionalId", "Coordinator", "ProducerId", "TransactionState"],
                listed.Select(t => new[] { t.TransactionalId, t.Coordinator.ToString(), t.ProducerId.ToString(), t.State }).ToList()));
            return 0;
        })));
        return command;
    }

    private static Command DescribeCommand()
    {
        var id = new Option<string>("--transactional-id") { Description = "Transactional id", Required = true };
        var bootstrap = CommonOptions.Bootstrap();
        var timeout = CommonOptions.Timeout();
        var command = new Command("describe", "Describe the state of one transactional id's transaction") { id, bootstrap, timeout };
        command.SetAction((r, ct) => CommonOptions.RunAsync(() => CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, r.GetValue(timeout), async connection =>
        {
            var t = await new AdminClient(connection).DescribeTransactionAsync(r.GetValue(id)!, ct);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            Console.Write(Table(
                ["CoordinatorId", "TransactionalId", "ProducerId", "ProducerEpoch", "TransactionState", "TransactionTimeoutMs",
                 "CurrentTransactionStartTimeMs", "TransactionDurationMs", "TopicPartitions"],
                [[t.Coordinator.ToString(), t.TransactionalId, t.ProducerId.ToString(), t.ProducerEpoch.ToString(), t.State, t.TimeoutMs.ToString(),
                  t.StartTimeMs?.ToString() ?? "None", t.StartTimeMs is { } start ? (now - start).ToString() : "None",
                  string.Join(",", t.Partitions.Select(p => $"{p.Topic}-{p.Partition}"))]]));
            return 0;
        })));
        return command;
    }

    private static Command DescribeProducersCommand()
    {
        var topic = new Option<string>("--topic") { Description = "Topic name", Required = true };
        var partition = new Option<int>("--partition") { Description = "Partition number", Required = true };
        var bootstrap = CommonOptions.Bootstrap();
        var timeout = CommonOptions.Timeout();
        var command = new Command("describe-producers", "Describe the producers with state on a partition (their open transaction's first offset)")
        {
            topic, partition, bootstrap, timeout,
        };
        command.SetAction((r, ct) => CommonOptions.RunAsync(() => CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, r.GetValue(timeout), async connection =>
        {
            var producers = await new AdminClient(connection).DescribeProducersAsync(r.GetValue(topic)!, r.GetValue(partition), ct);
            Console.Write(Table(["ProducerId", "ProducerEpoch", "LatestCoordinatorEpoch", "LastSequence", "LastTimestamp", "CurrentTransactionStartOffset"],
                producers.Select(p => new[]
                {
                    p.ProducerId.ToString(), p.ProducerEpoch.ToString(), p.CoordinatorEpoch.ToString(), p.LastSequence.ToString(),
                    p.LastTimestamp.ToString(), p.CurrentTxnStartOffset >= 0 ? p.CurrentTxnStartOffset.ToString() : "None",
                }).ToList()));
            return 0;
        })));
        return command;
    }

    /// <summary>Kafka's ToolsUtils.prettyPrintTable: each column padded to its widest value, each value followed by a tab.</summary>
    internal static string Table(IReadOnlyList<string> headers, IReadOnlyList<string[]> rows)
    {
        var widths = headers.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToList();
        var sb = new StringBuilder();
        foreach (var row in rows.Prepend(headers.ToArray()))
        {
            for (var i = 0; i < row.Length; i++) sb.Append(row[i].PadRight(widths[i])).Append('\t');
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
