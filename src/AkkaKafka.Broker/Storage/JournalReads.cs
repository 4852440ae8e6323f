using Akka.Actor;

namespace AkkaKafka.Broker.Storage;

/// <summary>
/// The broker's reads of old records: one <see cref="JournalBatchReader"/> over the journal table the journal plugin
/// writes, and one <see cref="ReadCache"/> budget (akkakafka.broker.read-cache-bytes) shared by all partitions.
/// </summary>
public sealed class JournalReads : IExtension
{
    public JournalReads(ExtendedActorSystem system)
    {
        var settings = BrokerSettings.Create(system);
        Reader = new JournalBatchReader(JournalTable.FromConfig(system.Settings.Config), system.Serialization);
        Cache = new ReadCache(settings.ReadCacheBytes);
    }

    public JournalBatchReader Reader { get; }

    public ReadCache Cache { get; }

    public static JournalReads Get(ActorSystem system) => system.WithExtension<JournalReads, JournalReadsProvider>();
}

public sealed class JournalReadsProvider : ExtensionIdProvider<JournalReads>
{
    public override JournalReads CreateExtension(ExtendedActorSystem system) => new(system);
}
