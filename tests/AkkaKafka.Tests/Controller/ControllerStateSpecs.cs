using AkkaKafka.Broker.Controller;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using Xunit;

namespace AkkaKafka.Tests.Controller;

/// <summary>The controller's persisted state: topics, validation, rebalancing with fresh epochs, snapshots.</summary>
[Trait("Speed", "Fast")]
public sealed class ControllerStateSpecs
{
    /// <summary>Applies events with consecutive sequence numbers, as the ZookeeperActor's journal does.</summary>
    private sealed class Driver
    {
        public ControllerState State { get; } = new();
        public long SequenceNr { get; private set; }

        public void Apply(IControllerEvent e) => State.Apply(e, ++SequenceNr);

        public void Create(string name, int partitions) => Apply(new TopicCreated(name, partitions, -1, -1, 0));

        public IReadOnlyList<AssignmentEntry> Rebalance(params string[] brokers)
        {
            var changes = State.Rebalance(brokers);
            if (changes.Count > 0) Apply(new PartitionsAssigned(changes));
            return changes;
        }

        /// <summary>Plans node ids for these live brokers (oldest first) and applies the plan, as the ZookeeperActor does.</summary>
        public NodeIdPlan NodeIds(params (string Broker, int? RequestedId)[] live)
        {
            var plan = State.PlanNodeIds(live);
            foreach (var e in plan.Assignments) Apply(e);
            return plan;
        }
    }

    [Fact]
    public void A_created_topic_takes_the_sequence_number_of_its_event_as_id()
    {
        var d = new Driver();
        d.Apply(new ControllerEpochStarted(1));
        d.Apply(new TopicCreated("orders", 3, 1000, 2000, 42));

        Assert.Equal(new TopicConfig("orders", 2, 3, 1000, 2000, 42), d.State.Topics["orders"]);
    }

    [Fact]
    public void Rebalancing_six_partitions_over_three_brokers_gives_each_two()
    {
        var d = new Driver();
        d.Create("t", 6);

        var changes = d.Rebalance("a", "b", "c");

        Assert.Equal(6, changes.Count);
        Assert.All(d.State.Assignment.Values.GroupBy(o => o.Owner), g => Assert.Equal(2, g.Count()));
    }

    [Fact]
    public void Rebalancing_hands_every_changed_partition_a_new_epoch_above_all_earlier_ones()
    {
        var d = new Driver();
        d.Create("t", 6);
        d.Create("u", 4);
        d.Rebalance("a", "b", "c");
        var before = d.State.Assignment.ToDictionary();
        var highestBefore = d.State.MaxAssignmentEpoch;

        var changes = d.Rebalance("a", "b", "c", "d");

        Assert.NotEmpty(changes);
        Assert.All(changes, c => Assert.True(c.Epoch > highestBefore, $"{c} not above {highestBefore}"));
        Assert.Equal(changes.Count, changes.Select(c => c.Epoch).Distinct().Count());
        var changed = changes.Select(c => new TopicPartition(c.Topic, c.Partition)).ToHashSet();
        foreach (var (tp, ownership) in d.State.Assignment.Where(kv => !changed.Contains(kv.Key)))
            Assert.Equal(before[tp], ownership);
        Assert.Equal(changes.Max(c => c.Epoch), d.State.MaxAssignmentEpoch);
    }

    [Fact]
    public void Rebalancing_an_assignment_that_already_fits_changes_nothing()
    {
        var d = new Driver();
        d.Create("t", 6);
        d.Rebalance("a", "b", "c");

        Assert.Empty(d.Rebalance("a", "b", "c"));
    }

    [Fact]
    public void A_broker_leaving_moves_only_its_partitions()
    {
        var d = new Driver();
        d.Create("t", 6);
        d.Rebalance("a", "b", "c");
        var before = d.State.Assignment.ToDictionary();

        var changes = d.Rebalance("a", "c");

        Assert.Equal(2, changes.Count);
        Assert.All(changes, c => Assert.Equal("b", before[new TopicPartition(c.Topic, c.Partition)].Owner));
    }

    [Theory]
    [InlineData("orders")]
    [InlineData("Orders.v1_eu-west")]
    [InlineData("a")]
    [InlineData("...")]
    [InlineData("_internal")]
    public void Topic_names_of_ascii_letters_digits_dots_underscores_and_dashes_are_valid(string name) =>
        Assert.Null(ControllerState.ValidateTopicName(name));

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("with space")]
    [InlineData("slash/name")]
    [InlineData("colon:name")]
    [InlineData("ümlaut")]
    [InlineData("tab\tname")]
    public void Topic_names_breaking_kafkas_rules_are_invalid(string name) =>
        Assert.NotNull(ControllerState.ValidateTopicName(name));

    [Fact]
    public void Topic_names_may_be_at_most_249_characters()
    {
        Assert.Null(ControllerState.ValidateTopicName(new string('x', 249)));
        Assert.NotNull(ControllerState.ValidateTopicName(new string('x', 250)));
    }

    [Fact]
    public void A_valid_create_of_a_new_topic_is_accepted()
    {
        var d = new Driver();

        Assert.Null(d.State.RejectCreate(new CreateTopic("orders", 3)));
        Assert.Null(d.State.RejectCreate(new CreateTopic("orders", ControllerState.MaxPartitions, -1, 1)));
    }

    [Fact]
    public void Creating_a_topic_that_exists_is_rejected()
    {
        var d = new Driver();
        d.Create("orders", 3);

        var rejection = d.State.RejectCreate(new CreateTopic("orders", 3));

        Assert.Equal(ErrorCode.TopicAlreadyExists, rejection?.Error);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(ControllerState.MaxPartitions + 1)]
    public void Creating_a_topic_with_an_impossible_partition_count_is_rejected(int partitions) =>
        Assert.Equal(ErrorCode.InvalidPartitions, new Driver().State.RejectCreate(new CreateTopic("orders", partitions))?.Error);

    [Fact]
    public void Creating_a_topic_with_an_invalid_name_is_rejected_with_the_reason()
    {
        var rejection = new Driver().State.RejectCreate(new CreateTopic("bad name", 3));

        Assert.Equal(ErrorCode.InvalidTopic, rejection?.Error);
        Assert.Contains("' '", rejection!.Message);
    }

    [Fact]
    public void Creating_a_topic_with_a_negative_retention_other_than_forever_is_rejected()
    {
        var state = new Driver().State;

        Assert.Equal(ErrorCode.InvalidConfig, state.RejectCreate(new CreateTopic("t", 1, RetentionMs: -3))?.Error);
        Assert.Equal(ErrorCode.InvalidConfig, state.RejectCreate(new CreateTopic("t", 1, RetentionBytes: -3))?.Error);
    }

    [Fact]
    public void Deleting_a_topic_removes_it_and_its_assignment()
    {
        var d = new Driver();
        d.Create("gone", 2);
        d.Create("kept", 1);
        d.Rebalance("a");

        d.Apply(new TopicDeleted("gone"));

        Assert.Equal(["kept"], d.State.Topics.Keys);
        Assert.Equal([new TopicPartition("kept", 0)], d.State.Assignment.Keys);
    }

    [Fact]
    public void A_topic_created_again_after_deletion_gets_a_new_id()
    {
        var d = new Driver();
        d.Create("t", 1);
        var firstId = d.State.Topics["t"].TopicId;
        d.Apply(new TopicDeleted("t"));

        d.Create("t", 1);

        Assert.NotEqual(firstId, d.State.Topics["t"].TopicId);
    }

    [Fact]
    public void A_state_restored_from_a_snapshot_has_the_same_topics_assignment_and_epochs()
    {
        var d = new Driver();
        d.Apply(new ControllerEpochStarted(3));
        d.Create("t", 4);
        d.Create("u", 2);
        d.Rebalance("a", "b");
        d.Rebalance("a", "b", "c");

        var restored = new ControllerState();
        restored.Restore(d.State.ToSnapshot());

        Assert.Equal(3, restored.ControllerEpoch);
        Assert.Equal(d.State.Topics.OrderBy(kv => kv.Key), restored.Topics.OrderBy(kv => kv.Key));
        Assert.Equal(d.State.Assignment.OrderBy(kv => kv.Key.ToString()), restored.Assignment.OrderBy(kv => kv.Key.ToString()));
        Assert.Equal(d.State.MaxAssignmentEpoch, restored.MaxAssignmentEpoch);
    }

    // ---- Kafka node ids ----

    [Fact]
    public void Brokers_without_an_explicit_id_get_the_lowest_free_ids_from_1_oldest_first()
    {
        var d = new Driver();

        var plan = d.NodeIds(("a", null), ("b", null), ("c", null));

        Assert.Equal([new NodeIdAssigned("a", 1), new NodeIdAssigned("b", 2), new NodeIdAssigned("c", 3)], plan.Assignments);
        Assert.Empty(plan.Conflicts);
    }

    [Fact]
    public void A_broker_that_has_an_id_keeps_it_and_nothing_is_persisted_again()
    {
        var d = new Driver();
        d.NodeIds(("a", null), ("b", null));

        var plan = d.NodeIds(("b", null), ("a", null), ("c", null));

        Assert.Equal([new NodeIdAssigned("c", 3)], plan.Assignments);
        Assert.Equal(1, d.State.NodeIdOf("a"));
        Assert.Equal(2, d.State.NodeIdOf("b"));
    }

    [Fact]
    public void The_id_of_a_broker_that_is_gone_is_not_given_to_another_so_it_finds_it_again_when_it_returns()
    {
        var d = new Driver();
        d.NodeIds(("a", null), ("b", null));

        d.NodeIds(("b", null), ("c", null));
        var back = d.NodeIds(("b", null), ("c", null), ("a", null));

        Assert.Equal(3, d.State.NodeIdOf("c"));
        Assert.Empty(back.Assignments);
        Assert.Equal(1, d.State.NodeIdOf("a"));
    }

    [Fact]
    public void An_explicit_id_wins_over_the_one_the_broker_had_and_frees_that_one()
    {
        var d = new Driver();
        d.NodeIds(("a", null), ("b", null));

        d.NodeIds(("a", 0), ("b", null));
        d.NodeIds(("a", 0), ("b", null), ("c", null));

        Assert.Equal(0, d.State.NodeIdOf("a"));
        Assert.Equal(1, d.State.NodeIdOf("c"));
    }

    [Fact]
    public void An_explicit_id_held_by_a_live_broker_stays_with_it_and_the_newcomer_gets_a_free_one_and_a_reported_conflict()
    {
        var d = new Driver();
        d.NodeIds(("a", null), ("b", null));

        var plan = d.NodeIds(("a", null), ("b", null), ("c", 1));

        Assert.Equal([new NodeIdAssigned("c", 3)], plan.Assignments);
        Assert.Equal("broker c asks for node id 1, which live broker a holds", Assert.Single(plan.Conflicts));
        Assert.Equal(1, d.State.NodeIdOf("a"));
    }

    [Fact]
    public void Of_two_live_brokers_asking_for_the_same_id_the_older_gets_it()
    {
        var d = new Driver();

        var plan = d.NodeIds(("a", 5), ("b", 5));

        Assert.Equal([new NodeIdAssigned("a", 5), new NodeIdAssigned("b", 1)], plan.Assignments);
        Assert.Single(plan.Conflicts);
    }

    [Fact]
    public void An_explicit_id_held_by_a_broker_that_is_gone_moves_to_the_broker_that_asks_for_it()
    {
        var d = new Driver();
        d.NodeIds(("a", 7));

        d.NodeIds(("b", 7));
        d.NodeIds(("b", 7), ("a", null));

        Assert.Equal(7, d.State.NodeIdOf("b"));
        Assert.Equal(1, d.State.NodeIdOf("a"));
        Assert.Equal(2, d.State.NodeIds.Count);
    }

    [Fact]
    public void Node_ids_survive_a_snapshot()
    {
        var d = new Driver();
        d.NodeIds(("a", null), ("b", 9));

        var restored = new ControllerState();
        restored.Restore(d.State.ToSnapshot());

        Assert.Equal(d.State.NodeIds.OrderBy(kv => kv.Key), restored.NodeIds.OrderBy(kv => kv.Key));
    }

    // ---- changing retention (topic alter --retention-ms / --retention-bytes) ----

    [Fact]
    public void Altering_the_message_timestamp_type_keeps_retention_and_other_alters_keep_the_timestamp_type()
    {
        var d = new Driver();
        d.Apply(new TopicCreated("t", 1, 60_000, -1, 0, AkkaKafka.Protocol.Records.TimestampType.LogAppendTime));

        var (_, retentionOnly) = d.State.DecideAlterConfigs(new AlterTopicConfigs("t", RetentionBytes: 1 << 20), 604_800_000, -1);
        Assert.Equal(new TopicConfigsAltered("t", 60_000, 1 << 20, AkkaKafka.Protocol.Records.TimestampType.LogAppendTime), retentionOnly);
        d.Apply(retentionOnly!);
        var (_, typeOnly) = d.State.DecideAlterConfigs(
            new AlterTopicConfigs("t", TimestampType: AkkaKafka.Protocol.Records.TimestampType.CreateTime), 604_800_000, -1);
        Assert.Equal(new TopicConfigsAltered("t", 60_000, 1 << 20, AkkaKafka.Protocol.Records.TimestampType.CreateTime), typeOnly);
        d.Apply(typeOnly!);

        var restored = new ControllerState();
        restored.Restore(d.State.ToSnapshot());
        Assert.Equal(AkkaKafka.Protocol.Records.TimestampType.CreateTime, restored.ToMetadata(1, "a", []).Topic("t")!.TimestampType);
    }

    [Fact]
    public void Altering_retention_changes_only_the_settings_given_and_survives_a_snapshot()
    {
        var d = new Driver();
        d.Create("t", 2);

        var (rejection, altered) = d.State.DecideAlterConfigs(new AlterTopicConfigs("t", RetentionMs: 60_000), 604_800_000, -1);
        Assert.Null(rejection);
        Assert.Equal(new TopicConfigsAltered("t", 60_000, -1), altered);
        d.Apply(altered!);
        var (_, bytesOnly) = d.State.DecideAlterConfigs(new AlterTopicConfigs("t", RetentionBytes: 1 << 20), 604_800_000, -1);
        d.Apply(bytesOnly!);

        var restored = new ControllerState();
        restored.Restore(d.State.ToSnapshot());
        var topic = restored.ToMetadata(1, "a", []).Topic("t")!;
        Assert.Equal((60_000L, 1L << 20), (topic.RetentionMs, topic.RetentionBytes));
        Assert.Equal(2, topic.PartitionCount);
    }

    [Fact]
    public void Altering_retention_to_the_default_takes_the_brokers_default_and_nonsense_or_unknown_topics_are_rejected()
    {
        var d = new Driver();
        d.Create("t", 1);

        Assert.Equal(new TopicConfigsAltered("t", 604_800_000, -1),
            d.State.DecideAlterConfigs(new AlterTopicConfigs("t", CreateTopic.UseDefault, CreateTopic.UseDefault), 604_800_000, -1).Altered);
        Assert.Equal(ErrorCode.InvalidConfig, d.State.DecideAlterConfigs(new AlterTopicConfigs("t", -7), 0, 0).Rejection?.Error);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, d.State.DecideAlterConfigs(new AlterTopicConfigs("nope", 1000), 0, 0).Rejection?.Error);
    }

    // ---- adding partitions (Kafka's CreatePartitions) ----

    [Fact]
    public void Adding_partitions_to_a_topic_assigns_only_the_new_ones_each_with_a_fresh_epoch()
    {
        var d = new Driver();
        d.Create("t", 2);
        d.Rebalance("a", "b");
        var before = d.State.Assignment.ToDictionary();
        var highestBefore = d.State.MaxAssignmentEpoch;
        Assert.Null(d.State.RejectAddPartitions(new AddPartitions("t", 5)));

        d.Apply(new PartitionsAdded("t", 5));
        var changes = d.Rebalance("a", "b");

        Assert.Equal(5, d.State.Topics["t"].Partitions);
        Assert.Equal([2, 3, 4], changes.Select(c => c.Partition).Order());
        Assert.All(changes, c => Assert.True(c.Epoch > highestBefore));
        Assert.All(before, kv => Assert.Equal(kv.Value, d.State.Assignment[kv.Key]));
        Assert.Equal(5, d.State.ToMetadata(1, "a", []).Topic("t")!.Partitions.Count);
    }

    [Fact]
    public void Adding_partitions_to_an_unknown_topic_is_rejected()
    {
        var rejected = new ControllerState().RejectAddPartitions(new AddPartitions("nope", 3));

        Assert.Equal(ErrorCode.UnknownTopicOrPartition, rejected?.Error);
    }

    [Theory]
    [InlineData(3, "Topic already has 3 partitions.")]
    [InlineData(2, "Topic currently has 3 partitions, which is higher than the requested 2.")]
    [InlineData(ControllerState.MaxPartitions + 1, "partitions must be between 1 and 10000, got 10001")]
    public void A_partition_count_that_does_not_grow_the_topic_or_exceeds_the_maximum_is_rejected(int total, string message)
    {
        var d = new Driver();
        d.Create("t", 3);

        var rejected = d.State.RejectAddPartitions(new AddPartitions("t", total));

        Assert.Equal(new TopicCommandResult("t", ErrorCode.InvalidPartitions, message), rejected);
    }

    [Fact]
    public void Partitions_added_to_a_topic_that_was_deleted_meanwhile_change_nothing()
    {
        var d = new Driver();
        d.Create("t", 3);
        d.Apply(new TopicDeleted("t"));

        d.Apply(new PartitionsAdded("t", 6));

        Assert.Empty(d.State.Topics);
    }

    // ---- replication factor (CreateTopics from Kafka clients) ----

    [Theory]
    [InlineData(-1, 1)]
    [InlineData(1, 1)]
    [InlineData(3, 3)]
    [InlineData(2, 3)]
    public void The_default_replication_factor_or_one_up_to_the_live_brokers_is_accepted(int factor, int brokers) =>
        Assert.Null(ControllerState.RejectReplicationFactor(factor, brokers));

    [Theory]
    [InlineData(4, 3, "Replication factor: 4 larger than available brokers: 3.")]
    [InlineData(1, 0, "Replication factor: 1 larger than available brokers: 0.")]
    [InlineData(0, 3, "Replication factor must be larger than 0, or -1 to use the default value.")]
    [InlineData(-2, 3, "Replication factor must be larger than 0, or -1 to use the default value.")]
    public void Any_other_replication_factor_is_rejected_with_kafkas_message(int factor, int brokers, string message) =>
        Assert.Equal(message, ControllerState.RejectReplicationFactor(factor, brokers));

    [Fact]
    public void Metadata_lists_topics_by_name_with_every_partitions_owner_and_epoch()
    {
        var d = new Driver();
        d.Create("zeta", 1);
        d.Create("alpha", 2);
        d.Rebalance("a");

        var metadata = d.State.ToMetadata(7, "a", [new BrokerInfo("a", "Up", 0)]);

        Assert.Equal(7, metadata.Version);
        Assert.Equal(["alpha", "zeta"], metadata.Topics.Select(t => t.Name));
        var alpha = metadata.Topic("alpha")!;
        Assert.Equal([0, 1], alpha.Partitions.Select(p => p.Partition));
        Assert.All(alpha.Partitions, p => Assert.Equal(d.State.Assignment[new TopicPartition("alpha", p.Partition)], new Ownership(p.Owner, p.Epoch)));
    }

    [Fact]
    public void Deleting_an_internal_topic_is_refused_as_an_invalid_topic_and_deleting_a_missing_one_as_unknown()
    {
        var d = new Driver();
        d.Create("__transactions", 1);
        d.Create("orders", 1);

        Assert.Equal(ErrorCode.InvalidTopic, d.State.RejectDelete(new DeleteTopic("__transactions"))?.Error);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, d.State.RejectDelete(new DeleteTopic("missing"))?.Error);
        Assert.Null(d.State.RejectDelete(new DeleteTopic("orders")));
    }

    [Fact]
    public void Creating_a_topic_whose_name_starts_with_two_underscores_is_refused_those_are_the_brokers_own()
    {
        var d = new Driver();

        var refused = d.State.RejectCreate(new CreateTopic("__consumer_offsets", 1));

        Assert.Equal(ErrorCode.InvalidTopic, refused?.Error);
        Assert.Null(d.State.RejectCreate(new CreateTopic("_one_underscore", 1)));
    }
}
