using AkkaKafka.Tests.EndToEnd;
using Xunit;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// One real broker process with a Kafka listener on a free port, shared by the specs of a class (xunit class fixture;
/// each spec uses topics and groups of its own). Killed, with its data, when the class is done.
/// </summary>
public sealed class KafkaBroker : IAsyncLifetime
{
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    public BrokerProcesses Cluster { get; } = new(1, kafka: true);

    public int Port => Cluster.Ports[0];

    /// <summary>Bootstrap servers for Kafka clients.</summary>
    public string KafkaBootstrap => Cluster.KafkaBootstrap;

    /// <summary>Bootstrap for akkakafka commands (the Akka remoting endpoint).</summary>
    public string AkkaBootstrap => Cluster.Bootstrap;

    public Task InitializeAsync() => Cluster.StartAllAsync();

    public Task DisposeAsync()
    {
        Cluster.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Runs an akkakafka command against this broker.</summary>
    public Task<CliResult> Akka(string? stdin, params string[] args) =>
        Cluster.RunAsync(CommandTimeout, stdin, [.. args, "--bootstrap", AkkaBootstrap]);

    /// <summary>Runs an akkakafka command and fails the spec, saying why, unless it exits 0.</summary>
    public async Task<CliResult> AkkaOk(string? stdin, params string[] args)
    {
        var result = await Akka(stdin, args);
        if (result.ExitCode != 0) Assert.Fail($"akkakafka {string.Join(' ', args)} failed: {result}\n{Diagnostics()}");
        return result;
    }

    public Task<CliResult> CreateTopic(string topic, int partitions) =>
        AkkaOk(null, "topic", "create", topic, "--partitions", partitions.ToString());

    /// <summary>The tail of every running broker's output: what a failing spec prints so the cause is visible.</summary>
    public string Diagnostics() => string.Join("\n", Cluster.Ports.Select(p =>
    {
        try
        {
            var b = Cluster[p];
            return $"--- broker {p} (kafka {Cluster.KafkaPort(p)}){(b.HasExited ? $" exited {b.ExitCode}" : "")}\nstdout tail:\n{Tail(b.Stdout)}\nstderr tail:\n{Tail(b.Stderr)}";
        }
        catch (KeyNotFoundException) { return $"--- broker {p}: not running"; }
    }));

    private static string Tail(string text, int lines = 30) =>
        string.Join("\n", text.Split('\n').TakeLast(lines));

    /// <summary>Polls <paramref name="check"/> until it returns null (done) or time runs out; fails with its last reason.</summary>
    public async Task AwaitAsync(Func<Task<string?>> check, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        string? why = "not checked";
        while (DateTime.UtcNow < deadline)
        {
            why = await check();
            if (why is null) return;
            await Task.Delay(300);
        }
        Assert.Fail($"{what} did not happen within {timeout.TotalSeconds:0}s: {why}\n{Diagnostics()}");
    }
}

/// <summary>The Kafka-client specs: one broker per class, classes one after another (2 cores), beside other collections.</summary>
[CollectionDefinition(Name)]
public sealed class KafkaClientsCollection
{
    public const string Name = "KafkaClients";
}
