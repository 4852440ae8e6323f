using System.Text.RegularExpressions;
using AkkaKafka.Tests.EndToEnd;
using Xunit;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// kcat (librdkafka) against a real broker's Kafka listener: metadata, produce and consume, groups seen by
/// `akkakafka group describe`, the four compression codecs, and records crossing between kcat and the akkakafka CLI.
/// Skipped when kcat is not installed, except under CI=true where that fails.
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class KcatSpecs : IClassFixture<KafkaBroker>
{
    private static readonly TimeSpan KcatTimeout = TimeSpan.FromSeconds(60);
    private readonly KafkaBroker _broker;

    public KcatSpecs(KafkaBroker broker) => _broker = broker;

    /// <summary>Runs kcat against the broker and fails the spec, with kcat's and the broker's output, unless it exits 0.</summary>
    private async Task<CliResult> KcatOk(string? stdin, params string[] args)
    {
        var result = await Kcat.RunAsync(KcatTimeout, stdin, ["-b", _broker.KafkaBootstrap, .. args]);
        if (result.ExitCode != 0) Assert.Fail($"kcat {string.Join(' ', args)} failed: {result}\n{_broker.Diagnostics()}");
        return result;
    }

    /// <summary>Everything in <paramref name="topic"/> as (partition, value), read with kcat -C from the beginning to the end.</summary>
    private async Task<List<(int Partition, string Value)>> KcatReadAll(string topic) =>
        Lines((await KcatOk(null, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", @"%p %s\n")).Stdout)
            .Select(l => l.Split(' ', 2)).Select(p => (int.Parse(p[0]), p[1])).ToList();

    private static List<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();

    private static string Seq(int from, int to) => string.Concat(Enumerable.Range(from, to - from + 1).Select(i => $"{i}\n"));

    [SkippableFact]
    public async Task Kcat_lists_the_broker_under_its_node_id_and_Kafka_port()
    {
        Kcat.EnsureAvailable();
        var metadata = await KcatOk(null, "-L");
        var id = _broker.Cluster.BrokerId(_broker.Port);
        var kafkaPort = _broker.Cluster.KafkaPort(_broker.Port);
        Assert.True(Regex.IsMatch(metadata.Stdout, $@"^\s*1 brokers:\s*$", RegexOptions.Multiline), metadata.ToString());
        Assert.True(Regex.IsMatch(metadata.Stdout, $@"^\s*broker {id} at 127\.0\.0\.1:{kafkaPort}\b", RegexOptions.Multiline), metadata.ToString());
    }

    [SkippableFact]
    public async Task A_thousand_lines_produced_with_kcat_are_consumed_by_kcat_each_once_and_in_order_per_partition()
    {
        Kcat.EnsureAvailable();
        await _broker.CreateTopic("kcat-seq", 3);
        await KcatOk(Seq(1, 1000), "-P", "-t", "kcat-seq");

        var read = await KcatReadAll("kcat-seq");

        Assert.Equal(Enumerable.Range(1, 1000), read.Select(r => int.Parse(r.Value)).Order());
        foreach (var partition in read.GroupBy(r => r.Partition))
        {
            var values = partition.Select(r => int.Parse(r.Value)).ToList();
            Assert.True(values.SequenceEqual(values.Order()), $"partition {partition.Key} out of order: {string.Join(",", values.Take(50))}…");
        }
    }

    [SkippableFact]
    public async Task A_kcat_group_member_consumes_everything_and_akkakafka_group_describe_shows_it_and_its_commits_with_no_lag()
    {
        Kcat.EnsureAvailable();
        await _broker.CreateTopic("kcat-group", 2);
        await KcatOk(Seq(1, 500), "-P", "-t", "kcat-group");

        // -u: unbuffered, so the spec sees every record as kcat reads it, not when a pipe buffer fills.
        using var member = Kcat.Start("-b", _broker.KafkaBootstrap, "-G", "kcat-readers", "-u", "-f", @"%s\n",
            "-X", "auto.offset.reset=earliest", "-X", "auto.commit.interval.ms=200", "kcat-group");

        await _broker.AwaitAsync(() => Task.FromResult(Lines(member.Stdout).Count >= 500 ? null : $"read {Lines(member.Stdout).Count} of 500\n{member}"),
            TimeSpan.FromSeconds(45), "kcat -G reading all 500 records");
        Assert.Equal(Enumerable.Range(1, 500), Lines(member.Stdout).Select(int.Parse).Order());

        // While the member runs, the group has it as its member and its commits catch up with the log end.
        await AwaitGroupAsync("kcat-readers", d => Members(d) == 1 && AllCommitted(d, "kcat-group", 500), member);

        member.Terminate(); // kcat closes its consumer: a last commit, then it leaves the group
        Assert.True(await member.WaitForExitAsync(TimeSpan.FromSeconds(20)), $"kcat -G did not exit on SIGTERM\n{member}");
        await AwaitGroupAsync("kcat-readers", d => Members(d) == 0 && AllCommitted(d, "kcat-group", 500), member);
    }

    /// <summary>
    /// kafka-consumer-groups' whole cycle over the akkakafka CLI for a group only kcat (librdkafka) ever used: listed,
    /// described with its commits, its offsets reset, kcat -G resuming exactly at the reset position, refused deletion
    /// while kcat is in the group, deleted once it has left.
    /// </summary>
    [SkippableFact]
    public async Task A_group_kcat_committed_is_listed_described_reset_and_deleted_with_akkakafka_group_and_kcat_resumes_at_the_reset_offset()
    {
        Kcat.EnsureAvailable();
        await _broker.CreateTopic("kcat-reset", 1);
        await KcatOk(Seq(1, 100), "-P", "-t", "kcat-reset");
        CliProcess Member() => Kcat.Start("-b", _broker.KafkaBootstrap, "-G", "kcat-resetters", "-u", "-f", @"%o %s\n",
            "-X", "auto.offset.reset=earliest", "-X", "auto.commit.interval.ms=200", "kcat-reset");
        async Task<List<(long Offset, int Value)>> ReadAsync(CliProcess member, int count)
        {
            await _broker.AwaitAsync(() => Task.FromResult(Lines(member.Stdout).Count >= count ? null : $"read {Lines(member.Stdout).Count} of {count}\n{member}"),
                TimeSpan.FromSeconds(45), $"kcat -G reading {count} records");
            return Lines(member.Stdout).Select(l => l.Split(' ')).Select(p => (long.Parse(p[0]), int.Parse(p[1]))).ToList();
        }
        async Task LeaveAsync(CliProcess member)
        {
            member.Terminate(); // kcat commits, then leaves the group
            Assert.True(await member.WaitForExitAsync(TimeSpan.FromSeconds(20)), $"kcat -G did not exit on SIGTERM\n{member}");
            await AwaitGroupAsync("kcat-resetters", d => Members(d) == 0 && d.Contains("State: Empty"), member);
        }

        using (var first = Member())
        {
            Assert.Equal(Enumerable.Range(1, 100), (await ReadAsync(first, 100)).Select(r => r.Value));
            await AwaitGroupAsync("kcat-resetters", d => Members(d) == 1 && AllCommitted(d, "kcat-reset", 100), first);
            await LeaveAsync(first);
        }
        Assert.Contains("kcat-resetters", Lines((await _broker.AkkaOk(null, "group", "list")).Stdout));
        Assert.Matches(@"(?m)^kcat-reset\s+0\s+100\s+100\s+0\s", (await _broker.AkkaOk(null, "group", "describe", "kcat-resetters")).Stdout);

        var reset = await _broker.AkkaOk(null, "group", "reset-offsets", "kcat-resetters", "--topic", "kcat-reset", "--shift-by", "-60");
        Assert.Matches(@"(?m)^kcat-reset\s+0\s+100\s+40\s*$", reset.Stdout);
        Assert.Matches(@"(?m)^kcat-reset\s+0\s+40\s+100\s+60\s", (await _broker.AkkaOk(null, "group", "describe", "kcat-resetters")).Stdout);

        using (var second = Member())
        {
            // The group's commit decides where it starts (auto.offset.reset is only for a partition with none).
            var resumed = await ReadAsync(second, 60);
            Assert.Equal((40L, 41), resumed[0]);
            Assert.Equal(Enumerable.Range(41, 60), resumed.Select(r => r.Value));
            await AwaitGroupAsync("kcat-resetters", d => Members(d) == 1, second);
            var busy = await _broker.Akka(null, "group", "delete", "kcat-resetters");
            Assert.Equal((1, "error: Group 'kcat-resetters' could not be deleted due to: NON_EMPTY_GROUP (the group is not empty)"), (busy.ExitCode, busy.Stderr.Trim()));
            await LeaveAsync(second);
        }

        var deleted = await _broker.AkkaOk(null, "group", "delete", "kcat-resetters");
        Assert.Equal("Deletion of requested consumer groups ('kcat-resetters') was successful.", deleted.Stdout.Trim());
        Assert.DoesNotContain("kcat-resetters", Lines((await _broker.AkkaOk(null, "group", "list")).Stdout));
        var gone = await _broker.Akka(null, "group", "describe", "kcat-resetters");
        Assert.Equal((1, "error: group 'kcat-resetters' does not exist"), (gone.ExitCode, gone.Stderr.Trim()));
    }

    private async Task AwaitGroupAsync(string group, Func<string, bool> condition, CliProcess member)
    {
        var last = "";
        await _broker.AwaitAsync(async () =>
        {
            var result = await _broker.Akka(null, "group", "describe", group);
            last = result.ToString();
            return result.ExitCode == 0 && condition(result.Stdout) ? null : $"group describe:\n{last}\n{member}";
        }, TimeSpan.FromSeconds(30), $"group {group} reaching the expected state");
    }

    private static int Members(string description) =>
        Regex.Match(description, @"Members: (\d+)") is { Success: true } m ? int.Parse(m.Groups[1].Value) : -1;

    /// <summary>
    /// Every record of the topic is committed: the rows (columns: topic partition committed log-end lag) have lag 0 and
    /// their commits add up to <paramref name="records"/>. A partition nobody committed for shows "-" (while a member
    /// holds it) or no row at all (once the group is empty); that is right for an empty one, as a consumer commits
    /// nothing for a partition it read nothing from, and kcat's producer is sticky for keyless records, so at times
    /// all 500 land in one partition.
    /// </summary>
    private static bool AllCommitted(string description, string topic, long records)
    {
        var rows = Regex.Matches(description, $@"^{Regex.Escape(topic)}\s+\d+\s+(\d+|-)\s+(\d+)\s+(\d+|-)\s", RegexOptions.Multiline);
        return rows.Count > 0
               && rows.All(r => r.Groups[3].Value is "0" || (r.Groups[1].Value == "-" && r.Groups[2].Value == "0"))
               && rows.Sum(r => r.Groups[1].Value == "-" ? 0 : long.Parse(r.Groups[1].Value)) == records;
    }

    [SkippableTheory]
    [InlineData("gzip")]
    [InlineData("snappy")]
    [InlineData("lz4")]
    [InlineData("zstd")]
    public async Task Records_compressed_by_kcat_are_read_back_by_kcat_and_by_akkakafka_consume(string codec)
    {
        Kcat.EnsureAvailable();
        var topic = $"kcat-{codec}";
        await _broker.CreateTopic(topic, 1);
        await KcatOk(Seq(1, 300), "-P", "-t", topic, "-z", codec);

        var byKcat = await KcatReadAll(topic);
        Assert.Equal(Enumerable.Range(1, 300), byKcat.Select(r => int.Parse(r.Value)));

        var byAkka = await _broker.AkkaOk(null, "consume", "--topic", topic, "--from-beginning", "--max-messages", "300", "--timeout-ms", "15000");
        Assert.True(Lines(byAkka.Stdout).SequenceEqual(Enumerable.Range(1, 300).Select(i => i.ToString())), byAkka.ToString());
    }

    [SkippableFact]
    public async Task Records_produced_by_akkakafka_are_read_by_kcat()
    {
        Kcat.EnsureAvailable();
        await _broker.CreateTopic("akka-to-kcat", 2);
        await _broker.AkkaOk(Seq(1, 300), "produce", "--topic", "akka-to-kcat");

        var read = await KcatReadAll("akka-to-kcat");

        Assert.Equal(Enumerable.Range(1, 300), read.Select(r => int.Parse(r.Value)).Order());
    }

    [SkippableFact]
    public async Task Kcat_with_the_murmur2_partitioner_puts_each_key_on_the_partition_akkakafka_produce_picks()
    {
        Kcat.EnsureAvailable();
        await _broker.CreateTopic("keys-kcat", 4);
        await _broker.CreateTopic("keys-akka", 4);
        var keyed = string.Concat(Enumerable.Range(1, 200).Select(i => $"key-{i}:value-{i}\n"));

        await KcatOk(keyed, "-P", "-t", "keys-kcat", "-K:", "-X", "partitioner=murmur2_random");
        await _broker.AkkaOk(keyed, "produce", "--topic", "keys-akka", "--key-separator", ":");

        async Task<Dictionary<string, int>> PartitionOfKey(string topic) =>
            Lines((await KcatOk(null, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", @"%k %p\n")).Stdout)
                .Select(l => l.Split(' ')).ToDictionary(p => p[0], p => int.Parse(p[1]));
        var byKcat = await PartitionOfKey("keys-kcat");
        var byAkka = await PartitionOfKey("keys-akka");

        Assert.Equal(200, byKcat.Count);
        Assert.Equal(200, byAkka.Count);
        var differing = byKcat.Where(kv => byAkka[kv.Key] != kv.Value).Select(kv => $"{kv.Key}: kcat {kv.Value}, akkakafka {byAkka[kv.Key]}").ToList();
        Assert.True(differing.Count == 0, "keys on different partitions:\n" + string.Join("\n", differing));
        Assert.True(byKcat.Values.Distinct().Count() > 1, "all keys on one partition: the spec would prove nothing");
    }
}
