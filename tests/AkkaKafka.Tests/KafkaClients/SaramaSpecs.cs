using System.Text.RegularExpressions;
using AkkaKafka.Tests.EndToEnd;
using AkkaKafka.Tests.Support;
using Xunit;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// Sarama (Go; Debian's golang-github-shopify-sarama-dev, 1.22) against a broker. Sarama sends record batch headers
/// whose maxTimestamp is -1; the broker must index and keep the records by their own timestamps. The client is
/// sarama/main.go, built offline against /usr/share/gocode (GO111MODULE=off, as Debian lays Go sources out). Needs
/// golang-go and the Sarama package — .ci/run installs them; elsewhere the spec is skipped when either is missing,
/// and fails under CI=true.
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class SaramaSpecs : IClassFixture<KafkaBroker>
{
    private const string GoPath = "/usr/share/gocode";
    private static readonly string SourceDirectory = Path.Combine(CliProcess.RepoRoot, "tests", "AkkaKafka.Tests", "KafkaClients", "sarama");
    private readonly KafkaBroker _broker;

    public SaramaSpecs(KafkaBroker broker) => _broker = broker;

    [SkippableFact]
    public async Task Records_produced_by_Sarama_with_record_batches_are_found_by_timestamp()
    {
        var buildDirectory = Path.Combine(Path.GetTempPath(), "akkakafka-sarama-" + Guid.NewGuid().ToString("N")[..8]);
        CliResult result;
        try
        {
            var client = await BuildClientAsync(buildDirectory);
            await _broker.AkkaOk(null, "topic", "create", "sarama-timestamps", "--partitions", "1");

            result = await CliProcess.RunProgramAsync(client, [_broker.KafkaBootstrap.Split(',')[0], "sarama-timestamps", "300"],
                TimeSpan.FromSeconds(90), stdin: null);
        }
        finally
        {
            if (Directory.Exists(buildDirectory)) Directory.Delete(buildDirectory, recursive: true);
        }

        Assert.True(result.ExitCode == 0, $"sarama-timestamps: {result}\n{_broker.Diagnostics()}");
        var produced = Regex.Match(result.Stdout, @"produced 300 first (\d+) last (\d+) written (\d+)");
        Assert.True(produced.Success, result.ToString());
        Assert.Equal(("0", "299"), (produced.Groups[1].Value, produced.Groups[2].Value));
        var written = long.Parse(produced.Groups[3].Value);
        // Record i was stamped written + i ms: the lookup of written + i answers offset i.
        foreach (var i in new[] { 0, 150, 299 })
            Assert.Contains($"offset-for {written + i}: {i}\n", result.Stdout);
    }

    /// <summary>Builds sarama/main.go into a temporary directory, offline, with Debian's Go sources.</summary>
    private static async Task<string> BuildClientAsync(string output)
    {
        var go = Executables.Find("go");
        var sarama = Path.Combine(GoPath, "src", "github.com", "Shopify", "sarama");
        if (go is null || !Directory.Exists(sarama))
        {
            var why = go is null ? "go is not on PATH (apt-get install golang-go)" : $"{sarama} is missing (apt-get install golang-github-shopify-sarama-dev)";
            if (PostgresJournal.RunningOnCi) throw new InvalidOperationException($"CI=true but {why}: .ci/run installs it.");
            Skip.If(true, why);
        }

        Directory.CreateDirectory(output);
        var binary = Path.Combine(output, "sarama-timestamps");
        var environment = new Dictionary<string, string>
        {
            ["GO111MODULE"] = "off",
            ["GOPATH"] = GoPath,
            ["GOFLAGS"] = "",
            ["GOCACHE"] = Path.Combine(output, "cache"),
            ["GOPROXY"] = "off",
        };
        var build = await CliProcess.RunProgramAsync(go!, ["build", "-o", binary, "."], TimeSpan.FromSeconds(180), stdin: null, SourceDirectory, environment);
        Assert.True(build.ExitCode == 0, $"go build of {SourceDirectory} failed: {build}");
        return binary;
    }
}
