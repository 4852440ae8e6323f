using AkkaKafka.Broker.Controller;
using AkkaKafka.Protocol;
using Xunit;

namespace AkkaKafka.Tests.Controller;

/// <summary>Which broker owns each partition: even spread, and as few moves as possible when brokers come and go.</summary>
[Trait("Speed", "Fast")]
public sealed class PartitionAssignerSpecs
{
    private static TopicConfig Topic(string name, int partitions) => new(name, 1, partitions, -1, -1, 0);

    private sealed class Epochs
    {
        public long Last { get; private set; } = 100;
        public int Handed { get; private set; }

        public long Next()
        {
            Handed++;
            return ++Last;
        }
    }

    private static Dictionary<TopicPartition, Ownership> Assign(
        string[] brokers, TopicConfig[] topics, IReadOnlyDictionary<TopicPartition, Ownership>? current = null, Epochs? epochs = null) =>
        PartitionAssigner.Assign(brokers, topics, current ?? new Dictionary<TopicPartition, Ownership>(), (epochs ?? new Epochs()).Next);

    private static Dictionary<string, int> Load(Dictionary<TopicPartition, Ownership> assignment) =>
        assignment.Values.GroupBy(o => o.Owner ?? "nobody").ToDictionary(g => g.Key, g => g.Count());

    private static List<TopicPartition> Moved(IReadOnlyDictionary<TopicPartition, Ownership> before, IReadOnlyDictionary<TopicPartition, Ownership> after) =>
        after.Where(kv => !before.TryGetValue(kv.Key, out var old) || old.Owner != kv.Value.Owner).Select(kv => kv.Key).ToList();

    [Fact]
    public void Six_partitions_over_three_brokers_are_two_each()
    {
        var assignment = Assign(["a", "b", "c"], [Topic("t", 6)]);

        Assert.Equal(6, assignment.Count);
        Assert.Equal(new Dictionary<string, int> { ["a"] = 2, ["b"] = 2, ["c"] = 2 }, Load(assignment));
    }

    [Fact]
    public void An_uneven_count_differs_by_at_most_one_partition_between_brokers()
    {
        var load = Load(Assign(["a", "b", "c"], [Topic("t", 7)]));

        Assert.Equal(7, load.Values.Sum());
        Assert.True(load.Values.Max() - load.Values.Min() <= 1, string.Join(", ", load));
    }

    [Fact]
    public void Single_partition_topics_are_spread_over_brokers_not_piled_on_the_oldest()
    {
        var load = Load(Assign(["a", "b", "c"], [Topic("t1", 1), Topic("t2", 1), Topic("t3", 1)]));

        Assert.Equal(new Dictionary<string, int> { ["a"] = 1, ["b"] = 1, ["c"] = 1 }, load);
    }

    [Fact]
    public void The_same_inputs_give_the_same_assignment()
    {
        TopicConfig[] topics = [Topic("x", 5), Topic("y", 3)];

        Assert.Equal(Assign(["a", "b", "c"], topics), Assign(["a", "b", "c"], topics));
    }

    [Fact]
    public void A_fourth_broker_joining_takes_only_enough_partitions_to_even_out()
    {
        var before = Assign(["a", "b", "c"], [Topic("t", 6)]);

        var after = Assign(["a", "b", "c", "d"], [Topic("t", 6)], before);

        var moved = Assert.Single(Moved(before, after));
        Assert.Equal("d", after[moved].Owner);
        Assert.True(Load(after).Values.Max() - Load(after).Values.Min() <= 1);
    }

    [Fact]
    public void A_fourth_broker_joining_twelve_partitions_takes_one_from_each_of_the_others()
    {
        var before = Assign(["a", "b", "c"], [Topic("t", 12)]);

        var after = Assign(["a", "b", "c", "d"], [Topic("t", 12)], before);

        var moved = Moved(before, after);
        Assert.Equal(3, moved.Count);
        Assert.All(moved, tp => Assert.Equal("d", after[tp].Owner));
        Assert.Equal(["a", "b", "c"], moved.Select(tp => before[tp].Owner).Order());
        Assert.Equal(new Dictionary<string, int> { ["a"] = 3, ["b"] = 3, ["c"] = 3, ["d"] = 3 }, Load(after));
    }

    [Fact]
    public void A_broker_leaving_gives_up_only_its_own_partitions()
    {
        var before = Assign(["a", "b", "c"], [Topic("t", 6)]);

        var after = Assign(["a", "b"], [Topic("t", 6)], before);

        var moved = Moved(before, after);
        Assert.Equal(2, moved.Count);
        Assert.All(moved, tp => Assert.Equal("c", before[tp].Owner));
        Assert.Equal(new Dictionary<string, int> { ["a"] = 3, ["b"] = 3 }, Load(after));
    }

    [Fact]
    public void Partitions_that_stay_keep_their_epoch_and_each_moved_one_gets_a_fresh_one()
    {
        var epochs = new Epochs();
        var before = Assign(["a", "b", "c"], [Topic("t", 6)], epochs: epochs);
        var highestBefore = before.Values.Max(o => o.Epoch);

        var after = Assign(["a", "b", "c", "d"], [Topic("t", 6)], before, epochs);

        var moved = Moved(before, after);
        foreach (var (tp, ownership) in after)
        {
            if (moved.Contains(tp)) Assert.True(ownership.Epoch > highestBefore);
            else Assert.Equal(before[tp], ownership);
        }
        Assert.Equal(6 + moved.Count, epochs.Handed);
    }

    [Fact]
    public void Without_live_brokers_partitions_have_no_owner_and_keep_their_epoch()
    {
        var before = Assign(["a"], [Topic("t", 2)]);

        var after = Assign([], [Topic("t", 2)], before);

        Assert.All(after, kv => Assert.Equal(new Ownership(null, before[kv.Key].Epoch), kv.Value));
    }

    [Fact]
    public void Partitions_owned_by_nobody_are_assigned_when_a_broker_appears()
    {
        var before = Assign([], [Topic("t", 3)]);

        var after = Assign(["a"], [Topic("t", 3)], before);

        Assert.All(after.Values, o => Assert.Equal("a", o.Owner));
    }
}
