using AkkaKafka.Broker;
using AkkaKafka.Broker.Group;
using AkkaKafka.Broker.Hosting;
using AkkaKafka.Client;
using Xunit;

namespace AkkaKafka.Tests.Hosting;

/// <summary>
/// The defaults users get, as the reference HOCON and the README state them, for the values code once stated
/// differently (a second default in code) or held as unnamed numbers. Read from the bare reference, no actor system.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class DocumentedDefaultsSettingsSpecs
{
    private static readonly BrokerSettings Broker = new(BrokerConfig.Reference());
    private static readonly ClientSettings Client = new(ClusterConnection.Reference);

    [Fact]
    public void Topics_created_without_retention_keep_records_seven_days_as_kafkas_log_retention_hours_168()
    {
        Assert.Equal((long)TimeSpan.FromDays(7).TotalMilliseconds, Broker.DefaultRetentionMs);
        Assert.Equal(-1, Broker.DefaultRetentionBytes);
    }

    [Fact]
    public void A_consumer_fetches_up_to_4_MiB_of_a_partition_as_much_as_a_broker_hands_out()
    {
        Assert.Equal(4 * 1024 * 1024, Client.FetchMaxBytes);
        Assert.Equal(Broker.MaxFetchBytes, Client.FetchMaxBytes);
    }

    [Fact]
    public void Classic_groups_take_their_delays_and_session_bounds_from_the_broker_block()
    {
        Assert.Equal(
            new ClassicGroupSettings(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(30)),
            ClassicGroupSettings.Create(BrokerConfig.Reference()));
        // A group's offset reset waits for the controller and the owners as long as any request: request-timeout.
        Assert.Equal(TimeSpan.FromSeconds(10), Broker.RequestTimeout);
    }

    [Fact]
    public void The_partitions_and_the_controllers_tuning_numbers_are_settings()
    {
        Assert.Equal(4, Broker.MaxConcurrentJournalReads);
        Assert.Equal(TimeSpan.FromMilliseconds(50), Broker.FetchDeadlineCheckInterval);
        Assert.Equal(1000, Broker.SnapshotEvery);
        Assert.Equal(200, Broker.ControllerSnapshotEvery);
    }

    [Fact]
    public void The_postgres_reference_gives_the_same_broker_settings_as_the_sqlite_one()
    {
        var postgres = new BrokerSettings(BrokerConfig.Reference(JournalKind.Postgres));
        Assert.Equal(Broker.DefaultRetentionMs, postgres.DefaultRetentionMs);
        Assert.Equal(Broker.MaxConcurrentJournalReads, postgres.MaxConcurrentJournalReads);
    }
}
