using AkkaKafka.Broker.Controller;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using Xunit;

namespace AkkaKafka.Tests.Controller;

/// <summary>
/// One controller at a time: the rules that fence a stale controller (the fence a broker keeps across its
/// controller's restarts, the controller epoch every publication carries), and the refresh that sends nothing when
/// nothing changed.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class ControllerFencingSpecs
{
    private static ClusterMetadata Metadata(string owner, long epoch = 1) => new(0, "127.0.0.1:4700",
        [new BrokerInfo("127.0.0.1:4700", "Up", 0, 1, "127.0.0.1:9700"), new BrokerInfo("127.0.0.1:4701", "Up", 1, 2, "127.0.0.1:9701")],
        [new TopicMetadata("orders", 7, 2, -1, -1, [new PartitionAssignment(0, owner, epoch), new PartitionAssignment(1, "127.0.0.1:4700", 1)])]);

    [Fact]
    public void A_controller_whose_write_failed_and_that_finds_a_newer_epoch_in_the_journal_was_superseded()
    {
        Assert.NotNull(ControllerFence.Decide("127.0.0.1:4700", failedAtEpoch: 4, journalEpoch: 5));
    }

    [Fact]
    public void A_controller_whose_write_failed_in_an_outage_starts_again()
    {
        // Nobody wrote meanwhile: the journal's newest epoch is still the one that failed.
        Assert.Null(ControllerFence.Decide("127.0.0.1:4700", failedAtEpoch: 4, journalEpoch: 4));
    }

    [Fact]
    public void A_controller_handed_over_without_a_failed_write_takes_the_next_epoch_whatever_the_journal_holds()
    {
        Assert.Null(ControllerFence.Decide("127.0.0.1:4700", ControllerFence.NoFailure, journalEpoch: 9));
        // Even the very first controller of an empty journal fails only as an outage.
        Assert.Null(ControllerFence.Decide("127.0.0.1:4700", failedAtEpoch: 0, journalEpoch: 0));
        Assert.NotNull(ControllerFence.Decide("127.0.0.1:4700", failedAtEpoch: 0, journalEpoch: 1));
    }

    [Fact]
    public void The_fence_forgets_a_failed_write_once_its_broker_started_an_epoch_again_and_says_why_it_stopped_otherwise()
    {
        var fence = new ControllerFence();
        fence.WriteFailed(3);
        fence.Started(4);
        Assert.Null(fence.CheckAfterRecovery("127.0.0.1:4700", journalEpoch: 6));
        Assert.Null(fence.Superseded);

        fence.WriteFailed(6);
        var reason = fence.CheckAfterRecovery("127.0.0.1:4700", journalEpoch: 7);
        Assert.NotNull(reason);
        Assert.Equal(reason, fence.Superseded);
        Assert.Contains("epoch 6", reason);
        Assert.Contains("epoch 7", reason);
    }

    [Fact]
    public void A_publication_version_carries_the_controller_epoch_and_grows_across_controllers()
    {
        var last = MetadataVersions.Of(controllerEpoch: 3, publication: 100_000);
        var nextController = MetadataVersions.Of(controllerEpoch: 4, publication: 1);
        Assert.Equal(3, MetadataVersions.ControllerEpochOf(last));
        Assert.Equal(4, MetadataVersions.ControllerEpochOf(nextController));
        Assert.True(nextController > last);
        Assert.Equal(0, MetadataVersions.ControllerEpochOf(ClusterMetadata.Empty));
    }

    [Fact]
    public void Metadata_built_again_from_the_same_state_is_the_same_content_though_every_list_is_a_new_instance()
    {
        Assert.True(MetadataVersions.SameContent(Metadata("127.0.0.1:4701"), Metadata("127.0.0.1:4701")));
        Assert.False(MetadataVersions.SameContent(Metadata("127.0.0.1:4701"), Metadata("127.0.0.1:4700")));
        Assert.False(MetadataVersions.SameContent(Metadata("127.0.0.1:4701", epoch: 1), Metadata("127.0.0.1:4701", epoch: 2)));
    }

    [Fact]
    public void A_refresh_with_no_change_publishes_no_new_version_and_tells_no_topic_anything()
    {
        var published = MetadataVersions.NextPublication(ClusterMetadata.Empty, Metadata("127.0.0.1:4701"), controllerEpoch: 2, publication: 1)!;

        var refreshed = MetadataVersions.NextPublication(published, Metadata("127.0.0.1:4701"), controllerEpoch: 2, publication: 2);

        Assert.Null(refreshed);
        Assert.False(MetadataVersions.Changed(published.Topic("orders"), Metadata("127.0.0.1:4701").Topic("orders")!));
    }

    [Fact]
    public void A_change_is_published_under_a_new_version_and_told_to_its_topic()
    {
        var published = MetadataVersions.NextPublication(ClusterMetadata.Empty, Metadata("127.0.0.1:4701"), controllerEpoch: 2, publication: 1)!;

        var moved = MetadataVersions.NextPublication(published, Metadata("127.0.0.1:4700", epoch: 2), controllerEpoch: 2, publication: 2);

        Assert.NotNull(moved);
        Assert.True(moved.Version > published.Version);
        Assert.True(MetadataVersions.Changed(published.Topic("orders"), moved.Topic("orders")!));
        Assert.True(MetadataVersions.Changed(null, moved.Topic("orders")!));
    }
}
