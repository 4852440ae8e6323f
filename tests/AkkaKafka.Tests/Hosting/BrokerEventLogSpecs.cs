using AkkaKafka.Broker.Hosting;
using AkkaKafka.Protocol.Messages;
using Xunit;

namespace AkkaKafka.Tests.Hosting;

/// <summary>The lines a broker prints when the cluster's metadata changes, as a pure function of before and after.</summary>
[Trait("Speed", "Fast")]
public sealed class BrokerEventLogSpecs
{
    private const string Self = "127.0.0.1:4053";
    private const string Other = "127.0.0.1:4054";

    private static ClusterMetadata Metadata(long version, string? controller, params (string Topic, string?[] Owners)[] topics) =>
        new(version, controller, [],
            topics.Select((t, i) => new TopicMetadata(t.Topic, i + 1, t.Owners.Length, -1, -1,
                t.Owners.Select((o, p) => new PartitionAssignment(p, o, version)).ToList())).ToList());

    private static IReadOnlyList<string> Lines(BrokerEventLog log, ClusterMetadata next) => log.Updated(next).Lines;

    [Fact]
    public void Becoming_the_controller_and_receiving_partitions_is_told_once()
    {
        var (log, lines) = BrokerEventLog.Start(Self).Updated(Metadata(1, Self, ("orders", [Self, Other, Self])));
        Assert.Equal(["this broker is now the controller (the oldest broker)", "now owns orders-0, orders-2"], lines);
        Assert.Empty(Lines(log, Metadata(2, Self, ("orders", [Self, Other, Self]))));
    }

    [Fact]
    public void Partitions_that_move_away_name_their_new_owner_or_that_they_have_none_yet()
    {
        var (log, _) = BrokerEventLog.Start(Self).Updated(Metadata(1, Other, ("orders", [Self, Self, Self])));
        Assert.Equal(["no longer owns orders-0 (waiting for a new owner)", "no longer owns orders-1 (moved to 127.0.0.1:4054)"],
            Lines(log, Metadata(2, Other, ("orders", [null, Other, Self]))));
    }

    [Fact]
    public void A_deleted_topic_and_a_new_controller_elsewhere_are_told()
    {
        var (log, _) = BrokerEventLog.Start(Self).Updated(Metadata(1, Self, ("orders", [Self])));
        Assert.Equal(["the controller is now 127.0.0.1:4054", "no longer owns orders-0 (topic deleted)"], Lines(log, Metadata(2, Other)));
    }

    [Fact]
    public void Older_or_repeated_metadata_prints_nothing()
    {
        var (log, _) = BrokerEventLog.Start(Self).Updated(Metadata(5, Self, ("orders", [Self])));
        Assert.Empty(Lines(log, Metadata(4, Other)));
        Assert.Empty(Lines(log, Metadata(5, Other)));
    }

    [Fact]
    public void Many_partitions_fit_on_one_line()
    {
        var owners = Enumerable.Repeat<string?>(Self, 12).ToArray();
        var (_, lines) = BrokerEventLog.Start(Self).Updated(Metadata(1, Other, ("t", owners)));
        Assert.Equal("now owns t-0, t-1, t-2, t-3, t-4, t-5, t-6, t-7 and 4 more", lines[1]);
    }
}
