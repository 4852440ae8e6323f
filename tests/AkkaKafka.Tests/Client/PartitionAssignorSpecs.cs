using AkkaKafka.Client.Consumer;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using Xunit;

namespace AkkaKafka.Tests.Client;

/// <summary>
/// The client-side assignors a group's leader runs (Kafka's RangeAssignor and CooperativeStickyAssignor), and the
/// subscription bytes they read: pure code, no ActorSystem.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class PartitionAssignorSpecs
{
    private static readonly Dictionary<string, int> Orders = new() { ["orders"] = 4 };

    private static GroupSubscriber Member(string id, IReadOnlyList<TopicPartition>? owned = null, int generation = -1, params string[] topics) =>
        new(id, new ConsumerProtocol.Subscription(topics.Length == 0 ? ["orders"] : topics, owned ?? [], generation));

    private static TopicPartition P(int partition, string topic = "orders") => new(topic, partition);

    [Fact]
    public void Range_gives_each_member_a_consecutive_range_and_the_first_members_one_more()
    {
        var counts = new Dictionary<string, int> { ["orders"] = 5 };
        var assignment = new RangeAssignor().Assign(counts, [Member("b"), Member("a")]);
        Assert.Equal([P(0), P(1), P(2)], assignment["a"]);
        Assert.Equal([P(3), P(4)], assignment["b"]);
    }

    [Fact]
    public void Range_assigns_each_topic_among_only_the_members_subscribed_to_it()
    {
        var counts = new Dictionary<string, int> { ["orders"] = 2, ["refunds"] = 2 };
        var assignment = new RangeAssignor().Assign(counts, [Member("a", topics: ["orders", "refunds"]), Member("b", topics: ["orders"])]);
        Assert.Equal([P(0), P(0, "refunds"), P(1, "refunds")], assignment["a"]);
        Assert.Equal([P(1)], assignment["b"]);
    }

    [Fact]
    public void Cooperative_sticky_keeps_what_members_own_and_moves_only_what_balance_needs()
    {
        // a owned everything; b joins: a keeps two of its own, b gets the other two.
        var assignment = new CooperativeStickyAssignor().Assign(Orders, [Member("a", [P(0), P(1), P(2), P(3)], 3), Member("b")]);
        Assert.Equal(2, assignment["a"].Count);
        Assert.Equal(2, assignment["b"].Count);
        Assert.Empty(assignment["a"].Intersect(assignment["b"]));
        Assert.All(assignment["a"], tp => Assert.Contains(tp, new[] { P(0), P(1), P(2), P(3) }));

        // Nothing changes: nothing moves.
        var again = new CooperativeStickyAssignor().Assign(Orders, [Member("a", assignment["a"], 4), Member("b", assignment["b"], 4)]);
        Assert.Equal(assignment["a"], again["a"]);
        Assert.Equal(assignment["b"], again["b"]);
    }

    [Fact]
    public void Cooperative_sticky_gives_a_partition_claimed_twice_to_the_newer_generation_and_to_nobody_on_a_tie()
    {
        var newer = new CooperativeStickyAssignor().Assign(Orders, [Member("a", [P(0)], 5), Member("b", [P(0), P(1)], 6)]);
        Assert.Contains(P(0), newer["b"]);
        Assert.Contains(P(1), newer["b"]);

        var tied = new CooperativeStickyAssignor().Assign(new Dictionary<string, int> { ["orders"] = 1 },
            [Member("a", [P(0)], 5), Member("b", [P(0)], 5)]);
        Assert.Single(tied.Values.SelectMany(p => p)); // given once, by the balance, not kept by a claim
    }

    [Fact]
    public void Cooperative_sticky_balances_members_with_different_subscriptions_where_they_allow()
    {
        var counts = new Dictionary<string, int> { ["orders"] = 4, ["refunds"] = 2 };
        var assignment = new CooperativeStickyAssignor().Assign(counts,
            [Member("a", [P(0), P(1), P(2), P(3)], 2, "orders", "refunds"), Member("b", null, -1, "orders")]);
        Assert.Equal(3, assignment["a"].Count);
        Assert.Equal(3, assignment["b"].Count);
        Assert.All(assignment["b"], tp => Assert.Equal("orders", tp.Topic));
        Assert.Equal(6, assignment.Values.SelectMany(p => p).Distinct().Count());
    }

    [Fact]
    public void Under_the_cooperative_protocol_a_partition_moving_between_live_members_is_given_only_in_the_next_rebalance()
    {
        var members = new List<GroupSubscriber> { Member("a", [P(0), P(1), P(2), P(3)], 3), Member("b") };
        var first = PartitionAssignors.WithoutTransfers(new CooperativeStickyAssignor().Assign(Orders, members), members);
        Assert.Equal(2, first["a"].Count);
        Assert.Empty(first["b"]); // a still reads them: it revokes (commits) them first

        // a rejoins owning only what it kept: now b gets the two.
        var second = new CooperativeStickyAssignor().Assign(Orders, [Member("a", first["a"], 4), Member("b", [], 4)]);
        Assert.Equal(first["a"], second["a"]);
        Assert.Equal(new[] { P(0), P(1), P(2), P(3) }.Except(first["a"]), second["b"]);
    }

    [Fact]
    public void The_protocol_is_cooperative_only_when_every_configured_assignor_supports_it()
    {
        Assert.Equal(RebalanceProtocol.Eager, PartitionAssignors.ProtocolOf([new RangeAssignor(), new CooperativeStickyAssignor()]));
        Assert.Equal(RebalanceProtocol.Cooperative, PartitionAssignors.ProtocolOf([new CooperativeStickyAssignor()]));
        Assert.Throws<ArgumentException>(() => PartitionAssignors.Named("roundrobin"));
    }

    [Fact]
    public void A_subscription_round_trips_and_a_version_0_subscription_reads_with_Kafkas_defaults()
    {
        var subscription = new ConsumerProtocol.Subscription(["orders", "refunds"], [P(1), P(3), P(0, "refunds")], 7);
        var read = ConsumerProtocol.TryDecodeSubscription(ConsumerProtocol.EncodeSubscription(subscription))!;
        Assert.Equal(subscription.Topics, read.Topics);
        Assert.Equal(subscription.OwnedPartitions, read.OwnedPartitions);
        Assert.Equal(7, read.GenerationId);

        // Version 0 (int16 0, one topic "t", null user data), as older clients send it.
        byte[] v0 = [0, 0, 0, 0, 0, 1, 0, 1, (byte)'t', 0xff, 0xff, 0xff, 0xff];
        var old = ConsumerProtocol.TryDecodeSubscription(v0)!;
        Assert.Equal(["t"], old.Topics);
        Assert.Empty(old.OwnedPartitions);
        Assert.Equal(-1, old.GenerationId);
        Assert.Null(ConsumerProtocol.TryDecodeSubscription(v0.AsSpan(0, 7)));
    }
}
