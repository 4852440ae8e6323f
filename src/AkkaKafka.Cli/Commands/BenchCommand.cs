using System.CommandLine;
using AkkaKafka.Client.Bench;
using AkkaKafka.Protocol;

namespace AkkaKafka.Cli.Commands;

/// <summary>`akkakafka bench produce|consume|e2e`, in the spirit of kafka-producer-perf-test and kafka-consumer-perf-test.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Measure throughput and latency against a running cluster (a live progress line on stderr, then the figures)");
        bench.Subcommands.Add(Make("produce", "Send records as fast as acknowledgements allow (or at --throughput); --transactional: in transactions of --transaction-size records",
            Benchmarks.ProduceAsync, transactions: true));
        bench.Subcommands.Add(Make("consume", "Read --messages records from the beginning of --topic", Benchmarks.ConsumeAsync));
        bench.Subcommands.Add(Make("e2e", "Produce and consume at once; latency from send to receipt", Benchmarks.EndToEndAsync));
        bench.Subcommands.Add(FailoverBenchCommand.Create());
        return bench;
    }

    private static Command Make(string name, string description, Func<BenchOptions, CancellationToken, Task<BenchResult>> run, bool transactions = false)
    {
        var messages = new Option<long>("--messages") { DefaultValueFactory = _ => 1_000_000, Description = "Records to send or read" };
        var size = new Option<int>("--size") { DefaultValueFactory = _ => 100, Description = "Value size in bytes" };
        var topic = new Option<string>("--topic") { DefaultValueFactory = _ => "bench", Description = "Topic (created with --partitions if missing)" };
        var partitions = new Option<int>("--partitions") { DefaultValueFactory = _ => 3, Description = "Partitions when the topic is created" };
        var producers = new Option<int>("--producers") { DefaultValueFactory = _ => 1, Description = "Concurrent producers, each with its own client" };
        var acks = new Option<string>("--acks") { DefaultValueFactory = _ => "all", Description = "0, 1 or all" };
        var throughput = new Option<long>("--throughput") { DefaultValueFactory = _ => -1, Description = "Target msgs/s over all producers (-1: as fast as possible)" };
        var bootstrap = CommonOptions.Bootstrap();
        var timeout = CommonOptions.Timeout();
        var command = new Command(name, description) { messages, size, topic, partitions, producers, acks, throughput, bootstrap, timeout };
        var transactional = new Option<bool>("--transactional") { Description = "Each producer transactional (its own transactional.id), committing every --transaction-size records" };
        var transactionSize = new Option<int>("--transaction-size") { DefaultValueFactory = _ => 100, Description = "With --transactional: records per transaction" };
        if (transactions)
        {
            command.Options.Add(transactional);
            command.Options.Add(transactionSize);
        }
        command.SetAction((r, ct) => CommonOptions.RunAsync(async () =>
        {
            if (!AcksParser.TryParse(r.GetValue(acks)!, out var ackMode)) throw new UsageException("--acks must be 0, 1 or all");
            if (r.GetValue(messages) < 1 || r.GetValue(size) < 0 || r.GetValue(producers) < 1 || r.GetValue(partitions) < 1)
                throw new UsageException("--messages, --producers and --partitions must be positive and --size not negative");
            var withTransactions = transactions && r.GetValue(transactional);
            if (transactions && !withTransactions && r.GetResult(transactionSize) is { Implicit: false })
                throw new UsageException("--transaction-size needs --transactional");
            if (withTransactions && r.GetValue(transactionSize) < 1) throw new UsageException("--transaction-size must be at least 1");
            if (withTransactions && ackMode != Acks.All) throw new UsageException("--transactional needs --acks all (Kafka refuses a transactional.id without idempotence)");
            var options = new BenchOptions
            {
                Bootstrap = CommonOptions.ParseBootstrap(r.GetValue(bootstrap)!),
                Topic = r.GetValue(topic)!,
                Messages = r.GetValue(messages),
                Size = r.GetValue(size),
                Partitions = r.GetValue(partitions),
                Producers = r.GetValue(producers),
                Acks = ackMode,
                Throughput = r.GetValue(throughput),
                TransactionSize = withTransactions ? r.GetValue(transactionSize) : 0,
                RequestTimeout = TimeSpan.FromSeconds(Math.Max(1, r.GetValue(timeout))),
                Progress = line => Console.Error.Write($"\r{line}    "),
                ConnectionOverrides = CommonOptions.Tls.ToConfig(),
                Credentials = CommonOptions.Login.Credentials(),
            };
            var result = await run(options, ct);
            Console.Error.WriteLine();
            Console.WriteLine(result);
            return result.Failed == 0 ? 0 : 1;
        }));
        return command;
    }
}
