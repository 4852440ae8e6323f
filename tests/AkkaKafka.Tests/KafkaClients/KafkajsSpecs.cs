using AkkaKafka.Tests.EndToEnd;
using AkkaKafka.Tests.Support;
using Xunit;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// kafkajs 2.2.4 (npm; a Kafka client written in JavaScript with its own protocol code, unlike the librdkafka-based
/// kcat and Confluent.Kafka) against a broker: admin, keyed produce with acks=-1, a group consuming from the
/// beginning, committed offsets, deletion (kafkajs/smoke.js). Needs Node.js and `npm ci` in kafkajs/ — .ci/run does
/// it; elsewhere the spec is skipped when either is missing, and fails under CI=true.
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
        var node = Executables.Find("node");
        var installed = Directory.Exists(Path.Combine(ScriptDirectory, "node_modules", "kafkajs"));
        if (node is null || !installed)
        {
            var why = node is null ? "node is not on PATH" : $"kafkajs is not installed (cd {ScriptDirectory} && npm ci)";
            if (PostgresJournal.RunningOnCi) throw new InvalidOperationException($"CI=true but {why}: .ci/run installs it.");
            Skip.If(true, why);
        }

        var result = await CliProcess.RunProgramAsync(node!, ["smoke.js", _broker.KafkaBootstrap.Split(',')[0], "kafkajs-topic", "kafkajs-group"],
            TimeSpan.FromSeconds(90), stdin: null, workingDirectory: ScriptDirectory);
        Assert.True(result.ExitCode == 0, $"kafkajs smoke: {result}\n{_broker.Diagnostics()}");
        var output = result.Stdout;
        Assert.Contains("created kafkajs-topic true", output);
        Assert.Contains("consumed 300", output);
        Assert.Contains("committed 300", output);
        Assert.Contains("deleted kafkajs-topic", output);
    }
}
