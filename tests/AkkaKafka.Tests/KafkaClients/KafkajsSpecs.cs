using AkkaKafka.Tests.EndToEnd;
using AkkaKafka.Tests.Support;
using Xunit;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// kafkajs 2.2.4 (npm; a Kafka client written in JavaScript with its own protocol code, unlike the librdkafka-based
/// kcat and Confluent.Kafka) against a broker: admin, keyed produce with acks=-1, a group consuming from the
/// beginning, committed offsets, deletion (kafkajs/smoke.js); and its transactions (kafkajs/transactions.js). Needs
/// Node.js and `npm ci` in kafkajs/ — .ci/run does it; elsewhere the spec is skipped when either is missing, and fails
/// under CI=true.
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class KafkajsSpecs : IClassFixture<KafkaBroker>
{
    private static readonly string ScriptDirectory = Path.Combine(CliProcess.RepoRoot, "tests", "AkkaKafka.Tests", "KafkaClients", "kafkajs");
    private readonly KafkaBroker _broker;

    public KafkajsSpecs(KafkaBroker broker) => _broker = broker;

    [SkippableFact]
    public async Task Kafkajs_creates_a_topic_produces_consumes_in_a_group_commits_and_deletes_it()
    {
        var result = await RunScriptAsync("smoke.js", "kafkajs-topic", "kafkajs-group");
        var output = result.Stdout;
        Assert.Contains("created kafkajs-topic true", output);
        Assert.Contains("consumed 300", output);
        Assert.Contains("committed 300", output);
        Assert.Contains("deleted kafkajs-topic", output);
    }

    /// <summary>
    /// kafkajs's transactions speak the oldest versions of the transaction APIs (AddPartitionsToTxn, EndTxn v0-1), and its
    /// consumers read read_committed unless told otherwise: an aborted transaction must stay invisible to them, the offsets
    /// sent with sendOffsets must become the group's on commit, and a second producer of the same id must fence the first.
    /// </summary>
    [SkippableFact]
    public async Task Kafkajs_transactions_commit_abort_transform_with_sendOffsets_and_fence_a_zombie()
    {
        var result = await RunScriptAsync("transactions.js", "kafkajs-tx-in", "kafkajs-tx-out", "kafkajs-tx-group");
        var output = result.Stdout;
        Assert.Contains("committed 50", output);
        Assert.Contains("aborted 50", output);
        Assert.Contains("transformed 100", output);
        Assert.Contains("read_committed 150 committed 50 transformed 100 aborted 0", output);
        Assert.Contains("read_uncommitted 200 aborted 50", output);
        Assert.Contains("group offsets 100", output);
        Assert.Matches("fenced \\w+", output);
        Assert.Contains("done", output);
    }

    private async Task<CliResult> RunScriptAsync(string script, params string[] arguments)
    {
        var node = Executables.Find("node");
        var installed = Directory.Exists(Path.Combine(ScriptDirectory, "node_modules", "kafkajs"));
        if (node is null || !installed)
        {
            var why = node is null ? "node is not on PATH" : $"kafkajs is not installed (cd {ScriptDirectory} && npm ci)";
            if (PostgresJournal.RunningOnCi) throw new InvalidOperationException($"CI=true but {why}: .ci/run installs it.");
            Skip.If(true, why);
        }

        var result = await CliProcess.RunProgramAsync(node!, [script, _broker.KafkaBootstrap.Split(',')[0], .. arguments],
            TimeSpan.FromSeconds(120), stdin: null, workingDirectory: ScriptDirectory);
        Assert.True(result.ExitCode == 0, $"kafkajs {script}: {result}\n{_broker.Diagnostics()}");
        return result;
    }
}
