using Xunit;

namespace AkkaKafka.Tests.EndToEnd;

/// <summary>
/// A spec class that runs the `akkakafka` commands against one real broker process of its own, started before its
/// first spec and killed after its last (the collection runs one such class at a time).
/// </summary>
public abstract class OneBrokerSpecs : IAsyncLifetime
{
    protected static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    protected BrokerProcesses Cluster { get; } = new(1);

    public Task InitializeAsync() => Cluster.StartAllAsync();

    public virtual Task DisposeAsync()
    {
        Cluster.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Runs a command against this class's broker, with <paramref name="stdin"/> as its input when given.</summary>
    protected Task<CliResult> Run(string? stdin, params string[] args) =>
        Cluster.RunAsync(CommandTimeout, stdin, [.. args, "--bootstrap", Cluster.Bootstrap]);
}
