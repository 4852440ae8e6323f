using AkkaKafka.Tests.EndToEnd;
using AkkaKafka.Tests.MultiNode.Support;
using Xunit;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// One real broker process with a Kafka listener on a free port, shared by the specs of a class (xunit class fixture;
/// each spec uses topics and groups of its own). Killed, with its data, when the class is done.
/// </summary>
public class KafkaBroker : IAsyncLifetime
{
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    public KafkaBroker() : this(null) { }

    /// <param name="extraConfig">HOCON for the broker beyond the defaults (a fixture for specs that need, e.g., short retention checks).</param>
    protected KafkaBroker(string? extraConfig) => Cluster = new BrokerProcesses(1, extraConfig, kafka: true);

    public BrokerProcesses Cluster { get; }

    public int Port => Cluster.Ports[0];

    /// <summary>Bootstrap servers for Kafka clients.</summary>
    public string KafkaBootstrap => Cluster.KafkaBootstrap;

    /// <summary>Bootstrap for akkakafka commands (the Akka remoting endpoint).</summary>
    public string AkkaBootstrap => Cluster.Bootstrap;

    public async Task InitializeAsync()
    {
        await Cluster.StartAllAsync();
        await AwaitKafkaMetadataAsync();
    }

    /// <summary>SIGKILL the broker, then start it again on the same ports, node id and data, ready for Kafka clients.</summary>
    public async Task KillAndRestartAsync()
    {
        Cluster.Kill(Port);
        await Cluster.StartAsync(Port);
        await AwaitKafkaMetadataAsync();
    }

    /// <summary>
    /// Waits until Kafka Metadata lists every broker at its Kafka port. A broker that has just said "is up" can still
    /// answer Metadata with no brokers (see <see cref="BrokerStartupSpecs"/>), and librdkafka's admin client then waits
    /// for a controller it never learns; the other specs are about other things, so they start once it is ready.
    /// </summary>
    public Task AwaitKafkaMetadataAsync() => AwaitAsync(() =>
    {
        var config = new Confluent.Kafka.AdminClientConfig { BootstrapServers = KafkaBootstrap };
        Secure(config);
        using var admin = new Confluent.Kafka.AdminClientBuilder(config).Build();
        try
        {
            var listed = admin.GetMetadata(TimeSpan.FromSeconds(5)).Brokers.Select(b => $"{b.BrokerId}@{b.Port}").ToHashSet();
            var expected = Cluster.Ports.Select(p => $"{Cluster.BrokerId(p)}@{Cluster.KafkaPort(p)}").ToList();
            return Task.FromResult(expected.All(listed.Contains) ? null : $"Metadata lists [{string.Join(", ", listed)}], expected [{string.Join(", ", expected)}]");
        }
        catch (Confluent.Kafka.KafkaException e)
        {
            return Task.FromResult<string?>($"Metadata failed: {e.Error}");
        }
    }, TimeSpan.FromSeconds(60), "Kafka Metadata listing every broker");

    /// <summary>What a Kafka client of this broker must add to connect (TLS, SASL and a user); nothing for a plaintext broker.</summary>
    public virtual void Secure(Confluent.Kafka.ClientConfig config) { }

    public virtual Task DisposeAsync()
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

    /// <summary>
    /// Runs a spec body; a client exception (not an assertion) is rethrown with the broker's output, so a request the
    /// broker answered badly or dropped shows the broker's side too.
    /// </summary>
    public async Task WithDiagnostics(Func<Task> body)
    {
        try
        {
            await body();
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"{e.GetType().Name}: {e.Message}\n{Diagnostics()}", e);
        }
    }

    /// <summary>Polls <paramref name="check"/> until it returns null (done) or time runs out; fails with its last reason.</summary>
    public Task AwaitAsync(Func<Task<string?>> check, TimeSpan timeout, string what) =>
        Eventually.Async(timeout, async () =>
        {
            if (await check() is { } why) Assert.Fail($"{what} did not happen: {why}");
        }, () => "\n" + Diagnostics());
}

/// <summary>The Kafka-client specs: one broker per class, classes one after another (2 cores), beside other collections.</summary>
[CollectionDefinition(Name)]
public sealed class KafkaClientsCollection
{
    public const string Name = "KafkaClients";
}
