using System.CommandLine;
using Akka.Configuration;
using System.Globalization;
using AkkaKafka.Client;
using AkkaKafka.Client.Verification;

namespace AkkaKafka.Cli.Commands;

/// <summary>
/// `akkakafka verify`: the checker users run against their own cluster (see <see cref="VerifyRun"/>). Progress goes to
/// stderr, the report to stdout; exit 0 only when the history is clean, 1 on any anomaly (named in one line on
/// stderr) or an unreachable cluster, 2 on bad usage.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var bootstrap = CommonOptions.Bootstrap();
        var topic = new Option<string?>("--topic") { Description = "Topic to write (default: a fresh verify-RANDOM topic, created with --partitions, left in place afterwards)" };
        var partitions = new Option<int>("--partitions") { DefaultValueFactory = _ => 6, Description = "Partitions of a topic verify creates" };
        var duration = new Option<string>("--duration") { DefaultValueFactory = _ => "5m", Description = "How long to produce: 30s, 5m, 1h (a bare number is seconds)" };
        var producers = new Option<int>("--producers") { DefaultValueFactory = _ => 2, Description = "Concurrent producers (acks=all), each writing its own keys" };
        var rate = new Option<int>("--rate") { DefaultValueFactory = _ => 100, Description = "Records per second over all producers" };
        var chaos = new Option<bool>("--chaos") { Description = "Send SIGKILL, SIGSTOP/SIGCONT and SIGTERM at random to the brokers of --broker-pids while producing" };
        var pids = new Option<string?>("--broker-pids") { Description = "With --chaos: PID,PID,... of the broker processes it may signal (no other process is ever signalled)" };
        var interval = new Option<string>("--chaos-interval") { DefaultValueFactory = _ => "10s", Description = "With --chaos: mean time between faults" };
        var restart = new Option<string?>("--restart-command")
        {
            Description = "With --chaos: shell command that runs one broker in the foreground, to start it again after a kill " +
                          "({n}: its place in --broker-pids, {pid}: the pid it replaces); without it, brokers are only frozen and thawed",
        };
        var seed = new Option<int?>("--seed") { Description = "With --chaos: seed of the fault schedule (printed by every run), to replay it" };
        var transactions = new Option<bool>("--transactions")
        {
            Description = "Transactional writers (one transactional id each, --producers of them) commit and abort transactions at random while " +
                          "read_committed readers read; report aborted, intermediate, lost, duplicated and non-monotonic reads",
        };
        var transactionSize = new Option<int>("--transaction-size") { DefaultValueFactory = _ => 10, Description = "With --transactions: most records in one transaction (each has 1 to this many)" };
        var report = new Option<string>("--report") { DefaultValueFactory = _ => "text", Description = "Report format: text or json" };
        report.AcceptOnlyFromAmong("text", "json");
        var command = new Command("verify",
            "Produce keyed, sequenced records (acks=all) while consuming them, optionally while crashing brokers, then read everything back " +
            "and report lost, duplicated, reordered, reused and skipped records; exit 0 only when there are none")
        {
            bootstrap, topic, partitions, duration, producers, rate, chaos, pids, interval, restart, seed, transactions, transactionSize, report,
        };
        command.SetAction((r, ct) => CommonOptions.RunAsync(async () =>
        {
            var withChaos = r.GetValue(chaos);
            if (!withChaos && (r.GetValue(pids) is not null || r.GetValue(restart) is not null || r.GetValue(seed) is not null || r.GetResult(interval) is { Implicit: false }))
                throw new UsageException("--broker-pids, --chaos-interval, --restart-command and --seed need --chaos");
            var withTransactions = r.GetValue(transactions);
            if (!withTransactions && r.GetResult(transactionSize) is { Implicit: false })
                throw new UsageException("--transaction-size needs --transactions");
            var options = new VerifyOptions
            {
                Bootstrap = CommonOptions.ParseBootstrap(r.GetValue(bootstrap)!),
                Topic = r.GetValue(topic),
                Partitions = r.GetValue(partitions),
                Duration = ParseDuration("--duration", r.GetValue(duration)!),
                Producers = r.GetValue(producers),
                Rate = r.GetValue(rate),
                Transactions = withTransactions,
                MaxTransactionSize = r.GetValue(transactionSize),
                Chaos = withChaos
                    ? new ChaosOptions
                    {
                        BrokerPids = ParsePids(r.GetValue(pids)),
                        Interval = ParseDuration("--chaos-interval", r.GetValue(interval)!),
                        RestartCommand = r.GetValue(restart),
                        Seed = r.GetValue(seed) ?? Random.Shared.Next(),
                    }
                    : null,
                Progress = line => Console.Error.WriteLine(line),
            };
            if (options.Validate() is { } invalid) throw new UsageException(invalid);

            await BootstrapProbe.CheckAsync(options.Bootstrap, TimeSpan.FromSeconds(2));
            // --transactions reads as Kafka's isolation.level=read_committed: that is what its anomalies are about.
            var config = withTransactions
                ? ConfigurationFactory.ParseString("akkakafka.client.isolation-level = read_committed").WithFallback(CommonOptions.Tls.ToConfig())
                : CommonOptions.Tls.ToConfig();
            await using var connection = ClusterConnection.Create(options.Bootstrap, config, "akkakafka-verify", CommonOptions.Login.Credentials());
            await connection.AuthenticateAsync(ct);
            if (withTransactions)
            {
                var checkedTransactions = await TransactionalVerifyRun.RunAsync(connection, options, ct);
                Console.WriteLine(r.GetValue(report) == "json" ? VerifyReportFormat.Json(checkedTransactions) : VerifyReportFormat.Text(checkedTransactions));
                if (checkedTransactions.Result.Clean) return 0;
                await Console.Error.WriteLineAsync($"error: anomalies found: {string.Join(", ", checkedTransactions.Result.Anomalies)} (topic {checkedTransactions.Topic})");
                return 1;
            }
            var result = await VerifyRun.RunAsync(connection, options, ct);
            Console.WriteLine(r.GetValue(report) == "json" ? VerifyReportFormat.Json(result) : VerifyReportFormat.Text(result));
            if (result.Result.Clean) return 0;
            await Console.Error.WriteLineAsync($"error: anomalies found: {string.Join(", ", result.Result.Anomalies)} (topic {result.Topic})");
            return 1;
        }));
        return command;
    }

    /// <summary>"30s", "5m", "1h", "500ms" or a bare number of seconds.</summary>
    internal static TimeSpan ParseDuration(string option, string text)
    {
        var t = text.Trim();
        var (number, unit) = t.EndsWith("ms", StringComparison.Ordinal) ? (t[..^2], 0.001)
            : t.EndsWith('s') ? (t[..^1], 1.0)
            : t.EndsWith('m') ? (t[..^1], 60.0)
            : t.EndsWith('h') ? (t[..^1], 3600.0)
            : (t, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value > 0) || value * unit > TimeSpan.FromDays(365).TotalSeconds)
            throw new UsageException($"{option}: '{text}' is not a duration more than 0 (e.g. 30s, 5m, 1h)");
        return TimeSpan.FromSeconds(value * unit);
    }

    private static IReadOnlyList<int> ParsePids(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        var pids = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                throw new UsageException($"--broker-pids: '{part}' is not a process id");
            pids.Add(pid);
        }
        return pids;
    }
}
