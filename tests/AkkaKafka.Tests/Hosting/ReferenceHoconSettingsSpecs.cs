using Akka.Configuration;
using Akka.Configuration.Hocon;
using AkkaKafka.Broker;
using AkkaKafka.Broker.Group;
using AkkaKafka.Broker.Hosting;
using AkkaKafka.Broker.Http;
using AkkaKafka.Broker.Node;
using AkkaKafka.Broker.Security;
using AkkaKafka.Client;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Security;
using Xunit;

namespace AkkaKafka.Tests.Hosting;

/// <summary>
/// Every default lives in the reference HOCON (hocon/*.hocon, embedded in the assembly that owns each) and nowhere else: each akkakafka key there is read by a
/// settings class, and a settings class given a configuration without that key refuses it, naming the key, instead of
/// falling back to a number of its own (the fallbacks in code had drifted: retention -1 against the reference's 7 days,
/// the consumer's fetch bytes 1 MiB against 4 MiB). No actor system: settings are plain objects over a Config.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class ReferenceHoconSettingsSpecs
{
    // Freshly parsed each time: a spec takes keys out of it.
    private static Config BrokerReference() => BrokerConfig.Reference();

    private static Config ClientReference() => ClusterConnection.Reference;

    /// <summary>Everything a broker reads its settings with, as it does at start-up.</summary>
    private static readonly Action<Config>[] BrokerReaders =
    [
        c => _ = new BrokerSettings(c),
        c => _ = new KafkaListenerSettings(c),
        c => _ = new HttpSettings(c),
        c => _ = new SecuritySettings(c),
        c => _ = FailedLoginSettings.From(c),
        c => _ = new BrokerLogSettings(c),
        c => _ = ClassicGroupSettings.Create(c),
        c => _ = AkkaKafka.Broker.Transactions.TransactionSettings.Create(c),
        c => _ = StallWatcher.ThresholdFrom(c),
        c => _ = JournalStorage.Setup(c, new BrokerOptions(), "Data Source=:memory:", "Data Source=:memory:"),
    ];

    private static readonly Action<Config>[] ClientReaders =
    [
        c => _ = new ClientSettings(c),
        c => _ = new RemoteTlsSettings(c),
    ];

    [Fact]
    public void Every_settings_class_reads_the_bare_reference_without_a_missing_key()
    {
        foreach (var read in BrokerReaders) read(BrokerReference());
        foreach (var read in ClientReaders) read(ClientReference());
    }

    public static TheoryData<string> BrokerKeys() => new(Leaves(BrokerReference(), "akkakafka"));

    // A client reads its own block and remoting TLS; the rest of tls.hocon's akkakafka.security is the brokers'.
    public static TheoryData<string> ClientKeys() =>
        new(Leaves(ClientReference(), "akkakafka.client").Concat(Leaves(ClientReference(), "akkakafka.security.remote-tls")));

    [Theory]
    [MemberData(nameof(BrokerKeys))]
    public void A_broker_setting_missing_from_the_configuration_is_refused_by_name_not_given_a_default_in_code(string key) =>
        AssertRefusedWithout(BrokerReference, key, BrokerReaders);

    [Theory]
    [MemberData(nameof(ClientKeys))]
    public void A_client_setting_missing_from_the_configuration_is_refused_by_name_not_given_a_default_in_code(string key) =>
        AssertRefusedWithout(ClientReference, key, ClientReaders);

    [Theory]
    [InlineData("akka.cluster.failure-detector.heartbeat-interval")]
    [InlineData("akka.cluster.failure-detector.acceptable-heartbeat-pause")]
    [InlineData("akka.cluster.split-brain-resolver.stable-after")]
    public void The_stall_watcher_takes_the_clusters_timings_from_the_reference_not_from_akkas_defaults_copied_into_code(string key) =>
        AssertRefusedWithout(BrokerReference, key, BrokerReaders);

    private static void AssertRefusedWithout(Func<Config> reference, string key, Action<Config>[] readers)
    {
        var refusals = new List<string>();
        foreach (var read in readers)
        {
            var config = Without(reference(), key);
            try
            {
                read(config);
            }
            catch (Exception e) when (e.Message.Contains(key, StringComparison.Ordinal))
            {
                refusals.Add(e.Message);
            }
        }
        Assert.True(refusals.Count > 0, $"no settings class refused a configuration without {key}: it is read nowhere, or with a default in code");
    }

    /// <summary>The full paths of every value under <paramref name="root"/>, across the reference files.</summary>
    private static IEnumerable<string> Leaves(Config config, string root)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        for (var c = config; c is not null; c = c.Fallback)
            if (Find(c.Root, root.Split('.')) is { } value)
                Collect(value, root, paths);
        return paths;
    }

    private static void Collect(HoconValue value, string path, ISet<string> paths)
    {
        if (value.IsObject())
            foreach (var (key, child) in value.GetObject().Items)
                Collect(child, $"{path}.{key}", paths);
        else
            paths.Add(path);
    }

    private static HoconValue? Find(HoconValue? root, IEnumerable<string> segments)
    {
        var value = root;
        foreach (var segment in segments)
        {
            if (value is null || !value.IsObject() || !value.GetObject().Items.TryGetValue(segment, out value)) return null;
        }
        return value;
    }

    /// <summary>The freshly loaded <paramref name="config"/> with <paramref name="path"/> taken out of every file that sets it.</summary>
    private static Config Without(Config config, string path)
    {
        var segments = path.Split('.');
        for (var c = config; c is not null; c = c.Fallback)
            if (Find(c.Root, segments[..^1]) is { } parent && parent.IsObject())
                parent.GetObject().Items.Remove(segments[^1]);
        Assert.False(config.HasPath(path), $"{path} is still in the configuration");
        return config;
    }
}
