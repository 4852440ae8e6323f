using System.Diagnostics;
using System.Text.RegularExpressions;
using AkkaKafka.Client;
using AkkaKafka.Protocol;
using AkkaKafka.Tests.KafkaClients;
using AkkaKafka.Tests.MultiNode.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.EndToEnd;

/// <summary>
/// Requests made while the controller fails over: three real broker processes, SIGKILL of the controller (the
/// oldest), then a command against the two survivors every 250 ms for 10 s. Every one must succeed. Found in issue
/// 18: `cluster status` or `consume` started in the first seconds after the kill was never answered (the survivors
/// passed the request to the dead controller's singleton and waited for it), and said after 15 s that no broker ran
/// there; `kcat -L` timed out for 5 s.
/// </summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class ControllerFailoverRequestSpecs(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Topic = "failover-requests";
    // A bound on a hung command, not a claim on speed: forty CLI processes starting at once on a small machine take a while.
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan LaunchEvery = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LaunchFor = TimeSpan.FromSeconds(10);
    private readonly BrokerProcesses _cluster = new(3, kafka: true);

    public Task InitializeAsync() => _cluster.StartAllAsync();

    public Task DisposeAsync()
    {
        foreach (var port in _cluster.Ports) _cluster.Kill(port);
        _cluster.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Every_command_started_in_the_ten_seconds_after_the_controllers_SIGKILL_succeeds()
    {
        var controller = _cluster.Ports[0];
        var survivors = _cluster.Ports.Skip(1).ToList();
        var bootstrap = string.Join(",", survivors.Select(p => $"127.0.0.1:{p}"));
        var kafkaBootstrap = string.Join(",", survivors.Select(p => $"127.0.0.1:{_cluster.KafkaPort(p)}"));
        var created = await Cli(null, "topic", "create", Topic, "--partitions", "3", "--bootstrap", _cluster.Bootstrap);
        Assert.True(created.ExitCode == 0, created.ToString());
        // A record in every partition, so that a consumer finds one whichever partitions are readable at the moment.
        foreach (var partition in new[] { "0", "1", "2" })
        {
            var seeded = await Cli($"seed-{partition}\n", "produce", "--topic", Topic, "--partition", partition, "--bootstrap", _cluster.Bootstrap);
            Assert.True(seeded.ExitCode == 0, seeded.ToString());
        }
        // Every broker knows every other (and their Kafka listeners) before the kill.
        await Eventually.Async(TimeSpan.FromSeconds(30), async () =>
        {
            var status = await Cli(null, "cluster", "status", "--bootstrap", bootstrap);
            if (status.ExitCode != 0 || _cluster.Ports.Any(p => !Regex.IsMatch(status.Stdout, $@"127\.0\.0\.1:{p}\s+Up\s"))) throw new InvalidOperationException(status.ToString());
        });

        var commands = new List<(string Name, Func<Task<CliResult>> Run)>
        {
            ("cluster status", () => Cli(null, "cluster", "status", "--bootstrap", bootstrap)),
            ("produce", () => Cli("during-failover\n", "produce", "--topic", Topic, "--bootstrap", bootstrap)),
            ("consume", () => Cli(null, "consume", "--topic", Topic, "--from-beginning", "--max-messages", "1", "--timeout-ms", "15000", "--bootstrap", bootstrap)),
        };
        if (Kcat.Path is not null)
            commands.Add(("kcat -L", () => Kcat.RunAsync(CommandTimeout, null, "-L", "-b", kafkaBootstrap, "-m", "15")));
        else
            Kcat.EnsureAvailable();

        // A client already connected to a survivor when the controller dies: its requests reach the brokers in the
        // first seconds, which a command still starting up (a second or more under load) may miss.
        await using var connection = ClusterConnection.Create(survivors.Select(p => new HostPort("127.0.0.1", p)).ToList(), null, "failover-requests");
        var admin = new AdminClient(connection);
        Assert.Equal(3, (await admin.ClusterStatusAsync()).Metadata.Brokers.Count);

        _cluster.Kill(controller);
        var killed = Stopwatch.StartNew();
        var runs = new List<Task<(string Name, TimeSpan StartedAfter, TimeSpan Took, CliResult Result)>>();
        var asks = new List<Task<(string Name, TimeSpan StartedAfter, TimeSpan Took, string? Error)>>();
        using var every = new PeriodicTimer(LaunchEvery);
        for (var i = 0; killed.Elapsed <= LaunchFor; i++)
        {
            var (name, run) = commands[i % commands.Count];
            var startedAfter = killed.Elapsed;
            runs.Add(Task.Run(async () =>
            {
                var took = Stopwatch.StartNew();
                var result = await run();
                return (name, startedAfter, took.Elapsed, result);
            }));
            asks.Add(Ask("status (client)", startedAfter, () => admin.ClusterStatusAsync()));
            asks.Add(Ask("metadata (client)", startedAfter, () => admin.MetadataAsync([Topic])));
            await every.WaitForNextTickAsync();
        }
        var answered = await Task.WhenAll(asks);
        var results = await Task.WhenAll(runs);

        var slowestAsk = answered.MaxBy(a => a.Took);
        output.WriteLine($"{answered.Length} requests of a connected client; longest: {slowestAsk.Took.TotalSeconds:0.00}s ({slowestAsk.Name}, sent {slowestAsk.StartedAfter.TotalSeconds:0.00}s after the kill)");
        var unanswered = answered.Where(a => a.Error is not null).ToList();
        Assert.True(unanswered.Count == 0, $"{unanswered.Count} of {answered.Length} requests of a connected client failed:\n" + string.Join("\n", unanswered.Select(a =>
            $"+{a.StartedAfter.TotalSeconds:0.00}s {a.Name} ({a.Took.TotalSeconds:0.0}s): {a.Error}")));

        foreach (var r in results)
            output.WriteLine($"+{r.StartedAfter.TotalSeconds,5:0.00}s {r.Name,-15} exit {r.Result.ExitCode} in {r.Took.TotalSeconds:0.00}s");
        var longest = results.MaxBy(r => r.Took);
        output.WriteLine($"{results.Length} commands; longest completion: {longest.Took.TotalSeconds:0.0}s ({longest.Name}, started {longest.StartedAfter.TotalSeconds:0.00}s after the kill)");
        var failed = results.Where(r => r.Result.ExitCode != 0).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} of {results.Length} commands failed:\n" + string.Join("\n", failed.Select(f =>
            $"+{f.StartedAfter.TotalSeconds:0.00}s {f.Name} ({f.Took.TotalSeconds:0.0}s): {f.Result}")));
        Assert.All(results.Where(r => r.Name == "consume"), r => Assert.StartsWith("seed-", r.Result.Stdout.Trim()));
    }

    private static async Task<(string Name, TimeSpan StartedAfter, TimeSpan Took, string? Error)> Ask<T>(string name, TimeSpan startedAfter, Func<Task<T>> ask)
    {
        var took = Stopwatch.StartNew();
        try
        {
            await ask();
            return (name, startedAfter, took.Elapsed, null);
        }
        catch (Exception e)
        {
            return (name, startedAfter, took.Elapsed, e.Message);
        }
    }

    private Task<CliResult> Cli(string? stdin, params string[] args) => _cluster.RunAsync(CommandTimeout, stdin, args);
}
