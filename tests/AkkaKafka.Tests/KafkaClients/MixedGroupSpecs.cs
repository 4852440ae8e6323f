using System.Text.RegularExpressions;
using AkkaKafka.Tests.EndToEnd;
using Xunit;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// Issue 19: `akkakafka consume --group` is a member of Kafka's classic consumer groups, so it shares a group, its
/// partitions and its committed offsets with a Kafka client (kcat, a real librdkafka process): together they read every
/// record once, each only from its own partitions, and when one stops cleanly (SIGTERM: it commits and leaves) the other
/// resumes its partitions from those commits, reading nothing twice and losing nothing. The same with a Confluent.Kafka consumer.
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class MixedGroupSpecs : IClassFixture<KafkaBroker>
{
    private static readonly TimeSpan GroupWait = TimeSpan.FromSeconds(45);
    private readonly KafkaBroker _broker;

    public MixedGroupSpecs(KafkaBroker broker) => _broker = broker;

    private CliProcess StartAkkakafka(string group, string topic) =>
        CliProcess.Start(_broker.Cluster.WorkDirectory, "consume", "--topic", topic, "--group", group, "--from-beginning",
            "--print-offset", "--bootstrap", _broker.AkkaBootstrap);

    // -u: unbuffered output, so the spec sees each record as kcat prints it. Not -o: with -G it would override the
    // group's commits; auto.offset.reset applies only where the group has none (auto-commit on, as kcat has it).
    private CliProcess StartKcat(string group, string topic) =>
        Kcat.Start("-b", _broker.KafkaBootstrap, "-G", group, "-u", "-X", "auto.offset.reset=earliest", "-f", @"%p:%o\t%s\n", topic);

    /// <summary>Records printed by a member as (partition, value); both print "partition:offset TAB value".</summary>
    private static List<(int Partition, int Value)> Read(CliProcess member) =>
        member.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r').Split('\t'))
            .Where(p => p.Length == 2 && p[0].Contains(':'))
            .Select(p => (int.Parse(p[0].Split(':')[0]), int.Parse(p[1]))).ToList();

    private Task Produce(string topic, int from, int to) =>
        _broker.AkkaOk(string.Concat(Enumerable.Range(from, to - from + 1).Select(i => $"key{i}:{i}\n")),
            "produce", "--topic", topic, "--key-separator", ":");

    private async Task AwaitGroupAsync(string group, Func<string, bool> condition, string what, params CliProcess[] members)
    {
        var last = "";
        await _broker.AwaitAsync(async () =>
        {
            var result = await _broker.Akka(null, "group", "describe", group);
            last = result.ToString();
            return result.ExitCode == 0 && condition(result.Stdout) ? null
                : $"group describe:\n{last}\n{string.Join("\n", members.Select(m => m.ToString()))}";
        }, GroupWait, what);
    }

    private Task AwaitReadAsync(IReadOnlyList<CliProcess> members, int from, int to) =>
        _broker.AwaitAsync(() =>
        {
            var missing = Enumerable.Range(from, to - from + 1).Except(members.SelectMany(m => Read(m).Select(r => r.Value))).Count();
            return Task.FromResult(missing == 0 ? null : $"{missing} of records {from}..{to} not read yet\n{string.Join("\n", members.Select(m => m.ToString()))}");
        }, GroupWait, $"records {from}..{to} read by the group");

    private static int Members(string description) =>
        Regex.Match(description, @"Members: (\d+)") is { Success: true } m ? int.Parse(m.Groups[1].Value) : -1;

    /// <summary>Client ids owning the topic's partitions, from the describe rows (topic partition committed end lag member client-id).</summary>
    private static List<string> Owners(string description, string topic) =>
        Regex.Matches(description, $@"^{Regex.Escape(topic)}\s+\d+\s+\S+\s+\S+\s+\S+\s+(\S+)\s+(\S+)\s*$", RegexOptions.Multiline)
            .Where(m => m.Groups[1].Value != "-").Select(m => m.Groups[2].Value).ToList();

    private static bool SplitBetweenAkkakafkaAndKcat(string description, string topic)
    {
        var owners = Owners(description, topic);
        return Members(description) == 2 && owners.Count == 4
               && owners.Count(o => o.StartsWith("akkakafka", StringComparison.Ordinal)) == 2
               && owners.Count(o => o == "rdkafka") == 2;
    }

    [SkippableFact]
    public async Task Akkakafka_consume_and_kcat_share_a_group_split_its_partitions_and_resume_from_each_others_commits()
    {
        Kcat.EnsureAvailable();
        const string topic = "mixed";
        const string group = "mixed-readers";
        await _broker.CreateTopic(topic, 4);
        using var akkakafka = StartAkkakafka(group, topic);
        await AwaitGroupAsync(group, d => Members(d) == 1, "akkakafka consume joining", akkakafka);
        using var kcat = StartKcat(group, topic);
        await AwaitGroupAsync(group, d => SplitBetweenAkkakafkaAndKcat(d, topic), "akkakafka and kcat splitting four partitions two and two", akkakafka, kcat);

        // Together they read everything once, each only from its own partitions.
        await Produce(topic, 1, 200);
        await AwaitReadAsync([akkakafka, kcat], 1, 200);
        var akkaPartitions = Read(akkakafka).Select(r => r.Partition).ToHashSet();
        var kcatPartitions = Read(kcat).Select(r => r.Partition).ToHashSet();
        Assert.Empty(akkaPartitions.Intersect(kcatPartitions));
        Assert.Equal(200, Read(akkakafka).Count + Read(kcat).Count);

        // kcat stops cleanly (commits, leaves): akkakafka takes its partitions over from kcat's commits.
        kcat.Terminate();
        Assert.True(await kcat.WaitForExitAsync(TimeSpan.FromSeconds(20)), $"kcat -G did not exit on SIGTERM\n{kcat}");
        await Produce(topic, 201, 400);
        await AwaitReadAsync([akkakafka, kcat], 1, 400);

        // A new kcat joins; then akkakafka stops cleanly and kcat resumes akkakafka's partitions from its commits.
        using var kcatAgain = StartKcat(group, topic);
        await AwaitGroupAsync(group, d => SplitBetweenAkkakafkaAndKcat(d, topic), "akkakafka and the new kcat splitting the partitions", akkakafka, kcatAgain);
        await Produce(topic, 401, 600);
        await AwaitReadAsync([akkakafka, kcat, kcatAgain], 1, 600);
        akkakafka.Terminate();
        Assert.True(await akkakafka.WaitForExitAsync(TimeSpan.FromSeconds(20)), $"akkakafka consume did not exit on SIGTERM\n{akkakafka}");
        await Produce(topic, 601, 800);
        await AwaitReadAsync([akkakafka, kcat, kcatAgain], 1, 800);

        var all = new[] { akkakafka, kcat, kcatAgain }.SelectMany(m => Read(m).Select(r => r.Value)).ToList();
        var twice = all.GroupBy(v => v).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, $"records read twice: {string.Join(", ", twice.Take(20))}\nakkakafka:\n{akkakafka}\nkcat:\n{kcat}\nkcat again:\n{kcatAgain}");
        Assert.Equal(Enumerable.Range(1, 800), all.Order());
    }

    [Fact]
    public async Task Akkakafka_consume_and_a_Confluent_Kafka_consumer_share_a_group_and_the_Confluent_one_resumes_from_akkakafkas_commits()
    {
        const string topic = "mixed-confluent";
        const string group = "mixed-confluent-readers";
        await _broker.CreateTopic(topic, 4);
        using var akkakafka = StartAkkakafka(group, topic);
        await AwaitGroupAsync(group, d => Members(d) == 1, "akkakafka consume joining", akkakafka);
        using var confluent = new GroupMember(_broker.KafkaBootstrap, group, topic);
        List<int> ReadByConfluent() => confluent.Records.Select(r => int.Parse(r.Message.Value)).ToList();
        void PollUntil(Func<bool> done, string what) =>
            Assert.True(GroupMember.PollUntil(done, GroupWait, confluent), $"{what} did not happen\nConfluent: {confluent}\nakkakafka:\n{akkakafka}\n{_broker.Diagnostics()}");

        PollUntil(() => confluent.Assignment.Count == 2, "the Confluent consumer getting two of the four partitions");
        await Produce(topic, 1, 200);
        PollUntil(() => Read(akkakafka).Count + confluent.Records.Count >= 200, "records 1..200 read by the group");
        Assert.Empty(Read(akkakafka).Select(r => r.Partition).Intersect(confluent.Records.Select(r => r.Partition.Value)));

        akkakafka.Terminate();
        Assert.True(await akkakafka.WaitForExitAsync(TimeSpan.FromSeconds(20)), $"akkakafka consume did not exit on SIGTERM\n{akkakafka}");
        await Produce(topic, 201, 400);
        PollUntil(() => confluent.Assignment.Count == 4 && Read(akkakafka).Count + confluent.Records.Count >= 400, "the Confluent consumer reading on from akkakafka's commits");

        var all = Read(akkakafka).Select(r => r.Value).Concat(ReadByConfluent()).ToList();
        Assert.True(all.Count == all.Distinct().Count(), $"{all.Count - all.Distinct().Count()} records read twice\nConfluent: {confluent}\nakkakafka:\n{akkakafka}");
        Assert.Equal(Enumerable.Range(1, 400), all.Order());
    }
}
