using Xunit;

namespace AkkaKafka.Tests.EndToEnd;

/// <summary>
/// A spec class that runs the `akkakafka` commands against one real broker process of its own, started before its
/// first spec and killed after its last (the collection runs one such class at a time).
/// </summary>
/// <param name="extraConfig">HOCON for the broker beyond the tests' usual (e.g. another default partition count).</param>
public abstract class OneBrokerSpecs(string? extraConfig = null) : IAsyncLifetime
{
    protected static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    protected BrokerProcesses Cluster { get; } = new(1, extraConfig);

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
