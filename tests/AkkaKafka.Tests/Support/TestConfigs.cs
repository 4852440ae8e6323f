using Akka.Configuration;
using AkkaKafka.Broker.Hosting;

namespace AkkaKafka.Tests.Support;

/// <summary>
/// Akka configuration for spec actor systems, built the way a broker builds its own: the real hocon/ files through
/// <see cref="BrokerConfig.Build"/>, with the spec's overrides on top.
/// </summary>
public static class TestConfigs
{
    /// <summary>A non-clustered system: for actors that need no cluster (PartitionActor, serializers).</summary>
    public const string Local = "akka.actor.provider = local";

    /// <summary>Persistence on <paramref name="backend"/>, with a prepared journal in <paramref name="dataDirectory"/> (SQLite) or the backend's database.</summary>
    public static Config Persistence(JournalBackend backend, string dataDirectory, string overrides)
    {
        var options = backend.Options(dataDirectory) with { Overrides = ConfigurationFactory.ParseString(overrides) };
        // Off the xunit synchronization context: blocking on it from a constructor could deadlock.
        var (journal, snapshots) = Task.Run(() => JournalStorage.PrepareAsync(options)).GetAwaiter().GetResult();
        return BrokerConfig.Build(options, journal, snapshots);
    }

    /// <summary>The real bindings and settings without a journal (nothing may persist in such a system).</summary>
    public static Config WithoutStorage(string overrides) =>
        BrokerConfig.Build(new BrokerOptions { Overrides = ConfigurationFactory.ParseString(overrides) }, "Data Source=:memory:", "Data Source=:memory:");
}
