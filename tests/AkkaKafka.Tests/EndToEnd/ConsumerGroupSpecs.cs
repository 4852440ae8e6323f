using System.Text;
using System.Text.RegularExpressions;
using AkkaKafka.Tests.MultiNode.Support;
using Xunit;

namespace AkkaKafka.Tests.EndToEnd;

/// <summary>Consumer groups with real consumer processes: sharing partitions, taking over after a SIGKILL, resuming from commits.</summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class ConsumerGroupSpecs : OneBrokerSpecs
{
    private readonly List<CliProcess> _consumers = [];

    public override Task DisposeAsync()
    {
        foreach (var c in _consumers) c.Dispose();
        return base.DisposeAsync();
    }

    private CliProcess StartConsumer(string group, string topic = "shared") {
        var c = CliProcess.Start(Cluster.WorkDirectory, "consume", "--topic", topic, "--group", group, "--from-beginning",
            "--print-offset", "--timeout-ms", "120000", "--bootstrap", Cluster.Bootstrap);
        _consumers.Add(c);
        return c;
    }

    private static string Keyed(int from, int to) => string.Concat(Enumerable.Range(from, to - from + 1).Select(i => $"key{i}:{i}\n"));

    /// <summary>Record values printed by a consumer (lines are "partition:offset TAB value").</summary>
    private static List<int> Values(CliProcess consumer) => consumer.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(l => int.Parse(l.Split('\t')[1])).ToList();

    private Task<string> AwaitGroupAsync(string group, Func<string, bool> condition, TimeSpan timeout) =>
        Eventually.Async(timeout, async () =>
        {
            var result = await Run(null, "group", "describe", group);
            Assert.True(result.ExitCode == 0 && condition(result.Stdout),
                $"group {group} never reached the expected state:\n{result.Stdout}{result.Stderr}");
            return result.Stdout;
        });

    private static int Members(string description) => int.Parse(Regex.Match(description, @"Members: (\d+)").Groups[1].Value);

    private static bool NoLag(string description, int partitions, string topic = "shared") =>
        Regex.Matches(description, $@"^{topic}\s+\d+\s+\d+\s+\d+\s+0\s", RegexOptions.Multiline).Count == partitions;

    [Fact]
    public async Task Two_members_split_four_partitions_and_the_survivor_takes_over_a_killed_members_partitions_from_its_commits()
    {
        Assert.Equal(0, (await Run(null, "topic", "create", "shared", "--partitions", "4")).ExitCode);
        var a = StartConsumer("g");
        await AwaitGroupAsync("g", d => Members(d) == 1, TimeSpan.FromSeconds(30));
        var b = StartConsumer("g");
        await AwaitGroupAsync("g", d => Members(d) == 2, TimeSpan.FromSeconds(30));

        Assert.Equal(0, (await Run(Keyed(1, 400), "produce", "--topic", "shared", "--key-separator", ":")).ExitCode);
        await AwaitGroupAsync("g", d => NoLag(d, 4), TimeSpan.FromSeconds(30));
        var firstA = Values(a);
        var firstB = Values(b);
        Assert.NotEmpty(firstA);
        Assert.NotEmpty(firstB);
        Assert.Equal(Enumerable.Range(1, 400), firstA.Concat(firstB).Order());

        a.Kill();
        Assert.Equal(0, (await Run(Keyed(401, 800), "produce", "--topic", "shared", "--key-separator", ":")).ExitCode);
        // The survivor gets the killed member's partitions once its session times out, from the committed offsets.
        await AwaitGroupAsync("g", d => Members(d) == 1 && NoLag(d, 4), TimeSpan.FromSeconds(60));

        var all = firstA.Concat(Values(b)).ToList();
        Assert.Equal(Enumerable.Range(1, 800), all.Distinct().Order());
        Assert.Equal(all.Count, all.Distinct().Count()); // everything was committed before the kill: nothing is read twice
    }

    /// <summary>
    /// Issue 18 item 7: a partition that moves between live members is committed by its previous owner where it stopped
    /// before its new owner gets it (on a rebalance, and before a member stopped with SIGTERM leaves), so only a member
    /// that dies without committing can cause records to be read again. Here no member dies: the bound on records read
    /// twice is zero. Records flow all along (a paced producer), so every rebalance finds records handed out and not
    /// yet auto-committed; before the fix each join re-read up to an auto-commit interval's worth of them.
    /// </summary>
    [Fact]
    public async Task Members_joining_and_leaving_while_records_flow_read_each_record_exactly_once()
    {
        const string topic = "flowing";
        Assert.Equal(0, (await Run(null, "topic", "create", topic, "--partitions", "4")).ExitCode);
        var producer = CliProcess.StartWithInput(Cluster.WorkDirectory, redirectInput: true,
            "produce", "--topic", topic, "--key-separator", ":", "--bootstrap", Cluster.Bootstrap);
        _consumers.Add(producer);
        var a = StartConsumer("flow", topic);
        await AwaitGroupAsync("flow", d => Members(d) == 1, TimeSpan.FromSeconds(30));

        // The load: 20 records every 20 ms until stopped (a pace, not a wait).
        var produced = 0;
        using var stopProducing = new CancellationTokenSource();
        var producing = Task.Run(async () =>
        {
            while (!stopProducing.IsCancellationRequested)
            {
                var lines = Encoding.UTF8.GetBytes(Keyed(produced + 1, produced + 20));
                await producer.Input.WriteAsync(lines);
                await producer.Input.FlushAsync();
                produced += 20;
                await Task.Delay(20);
            }
        });
        var b = StartConsumer("flow", topic);
        await AwaitGroupAsync("flow", d => Members(d) == 2, TimeSpan.FromSeconds(30));
        var c = StartConsumer("flow", topic);
        await AwaitGroupAsync("flow", d => Members(d) == 3, TimeSpan.FromSeconds(30));
        a.Terminate();
        Assert.True(await a.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"member A did not stop after SIGTERM\n{a}");
        Assert.Contains("Processed a total of", a.Stderr);
        await AwaitGroupAsync("flow", d => Members(d) == 2, TimeSpan.FromSeconds(30));
        var late = StartConsumer("flow", topic);
        await AwaitGroupAsync("flow", g => Members(g) == 3, TimeSpan.FromSeconds(30));
        stopProducing.Cancel();
        await producing;
        producer.CloseInput();
        Assert.True(await producer.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"the producer did not finish\n{producer}");
        await AwaitGroupAsync("flow", g => Members(g) == 3 && NoLag(g, 4, topic), TimeSpan.FromSeconds(60));

        var all = new[] { a, b, c, late }.SelectMany(Values).ToList();
        Assert.Equal(Enumerable.Range(1, produced), all.Distinct().Order()); // nothing lost
        Assert.True(all.Count == produced, $"{all.Count - produced} of {produced} records were read twice; every member that " +
            "gave a partition up was alive and committed it first, so none should be");
    }

    [Fact]
    public async Task A_restarted_group_member_resumes_after_its_last_committed_offset()
    {
        Assert.Equal(0, (await Run(null, "topic", "create", "shared", "--partitions", "2")).ExitCode);
        Assert.Equal(0, (await Run(Keyed(1, 100), "produce", "--topic", "shared", "--key-separator", ":")).ExitCode);

        var first = await Run(null, "consume", "--topic", "shared", "--group", "resume", "--from-beginning", "--max-messages", "100", "--timeout-ms", "20000");
        Assert.Equal(100, first.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        Assert.Equal(0, (await Run(Keyed(101, 150), "produce", "--topic", "shared", "--key-separator", ":")).ExitCode);
        var second = await Run(null, "consume", "--topic", "shared", "--group", "resume", "--from-beginning", "--max-messages", "50", "--timeout-ms", "20000");
        Assert.Equal(Enumerable.Range(101, 50), second.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).Order());

        var groups = await Run(null, "group", "list");
        Assert.Contains("resume", groups.Stdout.Split('\n', StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task The_transaction_log_records_who_produced_fetched_and_committed_what()
    {
        Assert.Equal(0, (await Run(null, "topic", "create", "audited", "--partitions", "1")).ExitCode);
        Assert.Equal(0, (await Run("a\nb\nc\n", "produce", "--topic", "audited")).ExitCode);
        Assert.Equal(0, (await Run(null, "consume", "--topic", "audited", "--group", "auditors", "--from-beginning", "--max-messages", "3", "--timeout-ms", "20000")).ExitCode);

        var log = await Eventually.Async(TimeSpan.FromSeconds(30), async () =>
        {
            var read = (await Run(null, "consume", "--topic", "__transactions", "--from-beginning", "--timeout-ms", "2000")).Stdout;
            Assert.True(read.Contains(" commit ") && read.Contains(" fetch ") && read.Contains(" produce ") && read.Contains("offset=3"),
                "the transaction log never showed the produce, the fetch and the commit up to offset=3:\n" + read);
            return read;
        });
        // The producer sends a batch as soon as the partition has an in-flight slot (linger 0), so the three lines may
        // arrive as one batch or several: one transaction-log line per produced batch, together offsets 0..2.
        var produced = System.Text.RegularExpressions.Regex.Matches(log,
            @"produce client=producer-\S+ address=127\.0\.0\.1:\d+ topic=audited partition=0 offsets=(\d+)\.\.(\d+) records=(\d+)");
        Assert.NotEmpty(produced);
        Assert.Equal([0L, 1L, 2L], produced.SelectMany(m => Enumerable.Range(int.Parse(m.Groups[1].Value),
            int.Parse(m.Groups[2].Value) - int.Parse(m.Groups[1].Value) + 1).Select(o => (long)o)).Order());
        Assert.Equal(3, produced.Sum(m => int.Parse(m.Groups[3].Value)));
        Assert.Matches(@"fetch client=akkakafka-consumer-\S+ address=127\.0\.0\.1:\d+ topic=audited partition=0 offsets=0\.\.2 records=3", log);
        Assert.Matches(@"commit client=\S+ address=127\.0\.0\.1:\d+ group=auditors topic=audited partition=0 offset=3", log);
    }
}
