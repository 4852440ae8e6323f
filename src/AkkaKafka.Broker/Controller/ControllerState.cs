using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Controller;

/// <summary>
/// What the ZookeeperActor knows and persists: topics, the partition assignment, the controller epoch, the brokers'
/// Kafka node ids, and the users and ACL rules (<see cref="Security"/>).
/// Events change it through <see cref="Apply"/>; decisions (validation, rebalancing, metadata) are plain methods.
/// </summary>
public sealed class ControllerState
{
    public const int MaxPartitions = 10_000;
    private readonly Dictionary<string, TopicConfig> _topics = new(StringComparer.Ordinal);
    private readonly Dictionary<TopicPartition, Ownership> _assignment = new();
    private readonly Dictionary<string, int> _nodeIds = new(StringComparer.Ordinal);

    public long ControllerEpoch { get; private set; }
    public long MaxAssignmentEpoch { get; private set; }
    public IReadOnlyDictionary<string, TopicConfig> Topics => _topics;
    public IReadOnlyDictionary<TopicPartition, Ownership> Assignment => _assignment;
    /// <summary>Kafka node id of every broker ("host:port") that ever had one; no two brokers share an id.</summary>
    public IReadOnlyDictionary<string, int> NodeIds => _nodeIds;

    /// <summary>Users and ACL rules, published to the brokers only.</summary>
    public SecurityState Security { get; } = new();

    public int? NodeIdOf(string broker) => _nodeIds.TryGetValue(broker, out var id) ? id : null;

    public void Apply(IControllerEvent e, long sequenceNr)
    {
        switch (e)
        {
            case ControllerEpochStarted s:
                ControllerEpoch = Math.Max(ControllerEpoch, s.Epoch);
                break;
            case TopicCreated c:
                _topics[c.Name] = new TopicConfig(c.Name, sequenceNr, c.Partitions, c.RetentionMs, c.RetentionBytes, c.CreatedAtMs, c.TimestampType);
                break;
            case TopicDeleted d:
                if (_topics.Remove(d.Name, out var removed))
                    for (var p = 0; p < removed.Partitions; p++) _assignment.Remove(new TopicPartition(d.Name, p));
                break;
            case PartitionsAdded added:
                if (_topics.TryGetValue(added.Topic, out var grown) && added.TotalCount > grown.Partitions)
                    _topics[added.Topic] = grown with { Partitions = added.TotalCount };
                break;
            case TopicConfigsAltered altered:
                if (_topics.TryGetValue(altered.Topic, out var configured))
                    _topics[altered.Topic] = configured with
                    {
                        RetentionMs = altered.RetentionMs, RetentionBytes = altered.RetentionBytes, TimestampType = altered.TimestampType,
                    };
                break;
            case NodeIdAssigned n:
                // An id moves: whoever held it before (a broker that is gone) gets a new one when it comes back.
                foreach (var holder in _nodeIds.Where(kv => kv.Value == n.NodeId && kv.Key != n.Broker).Select(kv => kv.Key).ToList())
                    _nodeIds.Remove(holder);
                _nodeIds[n.Broker] = n.NodeId;
                break;
            case PartitionsAssigned a:
                foreach (var c in a.Changes)
                {
                    if (!_topics.ContainsKey(c.Topic)) continue;
                    _assignment[new TopicPartition(c.Topic, c.Partition)] = new Ownership(c.Owner, c.Epoch);
                    MaxAssignmentEpoch = Math.Max(MaxAssignmentEpoch, c.Epoch);
                }
                break;
            default:
                Security.Apply(e);
                break;
        }
    }

    public ControllerSnapshot ToSnapshot() => new(
        ControllerEpoch,
        _topics.Values.ToList(),
        _assignment.Select(kv => new AssignmentEntry(kv.Key.Topic, kv.Key.Partition, kv.Value.Owner, kv.Value.Epoch)).ToList(),
        _nodeIds.OrderBy(kv => kv.Value).Select(kv => new NodeIdAssigned(kv.Key, kv.Value)).ToList())
    {
        Users = Security.Users.ToList(),
        Acls = Security.Acls.ToList(),
    };

    public void Restore(ControllerSnapshot snapshot)
    {
        ControllerEpoch = snapshot.ControllerEpoch;
        _topics.Clear();
        foreach (var t in snapshot.Topics) _topics[t.Name] = t;
        _assignment.Clear();
        Apply(new PartitionsAssigned(snapshot.Assignment), 0);
        _nodeIds.Clear();
        foreach (var n in snapshot.NodeIds) Apply(n, 0);
        Security.Restore(snapshot.Users, snapshot.Acls);
    }

    /// <summary>Kafka's rules for a topic name, with a one-line reason when it breaks one.</summary>
    public static string? ValidateTopicName(string name)
    {
        if (string.IsNullOrEmpty(name)) return "topic name is empty";
        if (name.Length > 249) return "topic name is longer than 249 characters";
        if (name is "." or "..") return $"topic name '{name}' is not allowed";
        foreach (var ch in name)
            if (!(char.IsAsciiLetterOrDigit(ch) || ch is '.' or '_' or '-'))
                return $"topic name '{name}' has '{ch}'; only ASCII letters, digits, '.', '_' and '-' are allowed";
        return null;
    }

    /// <summary>Checks a create request; null when it may be persisted.</summary>
    public TopicCommandResult? RejectCreate(CreateTopic create)
    {
        if (ValidateTopicName(create.Topic) is { } reason) return new TopicCommandResult(create.Topic, ErrorCode.InvalidTopic, reason);
        // The brokers create their internal topics themselves (PersistTopics), never through this check.
        if (InternalTopics.IsInternal(create.Topic)) return new TopicCommandResult(create.Topic, ErrorCode.InvalidTopic, InternalTopics.CreateRefused(create.Topic));
        if (_topics.ContainsKey(create.Topic)) return new TopicCommandResult(create.Topic, ErrorCode.TopicAlreadyExists, $"topic '{create.Topic}' already exists");
        if (create.Partitions is < 1 or > MaxPartitions)
            return new TopicCommandResult(create.Topic, ErrorCode.InvalidPartitions, $"partitions must be between 1 and {MaxPartitions}, got {create.Partitions}");
        if (create.RetentionMs < CreateTopic.UseDefault || create.RetentionBytes < CreateTopic.UseDefault)
            return new TopicCommandResult(create.Topic, ErrorCode.InvalidConfig, "retention must be -1 (forever) or positive");
        return null;
    }

    /// <summary>Checks a delete request; null when it may be persisted. Internal topics ("__…") are the brokers' own.</summary>
    public TopicCommandResult? RejectDelete(DeleteTopic delete)
    {
        if (InternalTopics.IsInternal(delete.Topic))
            return new TopicCommandResult(delete.Topic, ErrorCode.InvalidTopic, InternalTopics.DeleteRefused(delete.Topic));
        if (!_topics.ContainsKey(delete.Topic))
            return new TopicCommandResult(delete.Topic, ErrorCode.UnknownTopicOrPartition, $"topic '{delete.Topic}' does not exist");
        return null;
    }

    /// <summary>Kafka's rules for CreatePartitions; null when the topic may grow to <see cref="AddPartitions.TotalCount"/>.</summary>
    public TopicCommandResult? RejectAddPartitions(AddPartitions add)
    {
        if (!_topics.TryGetValue(add.Topic, out var topic))
            return new TopicCommandResult(add.Topic, ErrorCode.UnknownTopicOrPartition, $"The topic '{add.Topic}' does not exist.");
        // An internal topic's partition count is the brokers' (a group's __consumer_offsets partition is its hash modulo it).
        if (InternalTopics.IsInternal(add.Topic))
            return new TopicCommandResult(add.Topic, ErrorCode.InvalidTopic, InternalTopics.ResizeRefused(add.Topic));
        if (add.TotalCount == topic.Partitions)
            return new TopicCommandResult(add.Topic, ErrorCode.InvalidPartitions, $"Topic already has {topic.Partitions} partitions.");
        if (add.TotalCount < topic.Partitions)
            return new TopicCommandResult(add.Topic, ErrorCode.InvalidPartitions,
                $"Topic currently has {topic.Partitions} partitions, which is higher than the requested {add.TotalCount}.");
        if (add.TotalCount > MaxPartitions)
            return new TopicCommandResult(add.Topic, ErrorCode.InvalidPartitions, $"partitions must be between 1 and {MaxPartitions}, got {add.TotalCount}");
        return null;
    }

    /// <summary>
    /// Checks a change of retention and decides the values to persist (<see cref="AlterTopicConfigs.Unchanged"/> keeps the
    /// current one, <see cref="CreateTopic.UseDefault"/> takes the brokers' default). Either a rejection or the event.
    /// </summary>
    public (TopicCommandResult? Rejection, TopicConfigsAltered? Altered) DecideAlterConfigs(AlterTopicConfigs alter, long defaultRetentionMs, long defaultRetentionBytes)
    {
        if (!_topics.TryGetValue(alter.Topic, out var topic))
            return (new TopicCommandResult(alter.Topic, ErrorCode.UnknownTopicOrPartition, $"The topic '{alter.Topic}' does not exist."), null);
        if (alter.RetentionMs < AlterTopicConfigs.Unchanged || alter.RetentionBytes < AlterTopicConfigs.Unchanged)
            return (new TopicCommandResult(alter.Topic, ErrorCode.InvalidConfig, "retention must be -1 (forever) or at least 0"), null);
        static long Resolve(long asked, long current, long fallback) =>
            asked == AlterTopicConfigs.Unchanged ? current : asked == CreateTopic.UseDefault ? fallback : asked;
        return (null, new TopicConfigsAltered(alter.Topic, Resolve(alter.RetentionMs, topic.RetentionMs, defaultRetentionMs),
            Resolve(alter.RetentionBytes, topic.RetentionBytes, defaultRetentionBytes), alter.TimestampType ?? topic.TimestampType));
    }

    /// <summary>
    /// Kafka's rule for a CreateTopics replication factor, with Kafka's message when it breaks it (error
    /// INVALID_REPLICATION_FACTOR); null when it is fine. Durability here is the journal's, not copies on brokers, so
    /// any factor the cluster could place is accepted with that meaning: -1 (the default) or 1 up to the live brokers.
    /// </summary>
    public static string? RejectReplicationFactor(int replicationFactor, int liveBrokers)
    {
        if (replicationFactor == -1) return null;
        if (replicationFactor < 1) return "Replication factor must be larger than 0, or -1 to use the default value.";
        if (replicationFactor > liveBrokers) return $"Replication factor: {replicationFactor} larger than available brokers: {liveBrokers}.";
        return null;
    }

    /// <summary>
    /// The node ids to persist so that every live broker has one, and the conflicts to log. Pure: decides only.
    /// <para>An explicit id (--broker-id) wins over an earlier one of the same broker. An explicit id that a broker
    /// which is not live holds moves to the newcomer (the operator named it; the absent broker gets a fresh id if it
    /// ever returns), but one that a live broker holds stays with it: taking it would change a running broker's id
    /// under the clients that know it, and two live brokers sharing an id would send Kafka clients to the wrong one.
    /// The newcomer is then treated as if it had asked for no id (its earlier id, else a fresh one) and the conflict
    /// is reported. A fresh id is the lowest unused one from 1, and never one another broker, live or not, holds, so
    /// a broker that comes back finds its id still its own.</para>
    /// </summary>
    /// <param name="liveOldestFirst">Live brokers ("host:port") with the explicit id each asked for; the oldest first wins a tie.</param>
    public NodeIdPlan PlanNodeIds(IReadOnlyList<(string Broker, int? RequestedId)> liveOldestFirst)
    {
        var ids = new Dictionary<string, int>(_nodeIds, StringComparer.Ordinal);
        var live = liveOldestFirst.Select(b => b.Broker).ToHashSet(StringComparer.Ordinal);
        var assignments = new List<NodeIdAssigned>();
        var conflicts = new List<string>();

        void Assign(string broker, int id)
        {
            foreach (var holder in ids.Where(kv => kv.Value == id && kv.Key != broker).Select(kv => kv.Key).ToList()) ids.Remove(holder);
            ids[broker] = id;
            assignments.Add(new NodeIdAssigned(broker, id));
        }

        foreach (var (broker, requested) in liveOldestFirst)
        {
            if (requested is { } wanted)
            {
                if (ids.TryGetValue(broker, out var current) && current == wanted) continue;
                var holder = ids.FirstOrDefault(kv => kv.Value == wanted).Key;
                if (holder is null || !live.Contains(holder))
                {
                    Assign(broker, wanted);
                    continue;
                }
                conflicts.Add($"broker {broker} asks for node id {wanted}, which live broker {holder} holds");
            }
            if (ids.ContainsKey(broker)) continue;
            var used = ids.Values.ToHashSet();
            var fresh = 1;
            while (used.Contains(fresh)) fresh++;
            Assign(broker, fresh);
        }
        return new NodeIdPlan(assignments, conflicts);
    }

    /// <summary>The changes that bring the assignment in line with the live brokers, each with a fresh epoch.</summary>
    public IReadOnlyList<AssignmentEntry> Rebalance(IReadOnlyList<string> liveBrokersOldestFirst)
    {
        var epoch = MaxAssignmentEpoch;
        var next = PartitionAssigner.Assign(liveBrokersOldestFirst, _topics.Values, _assignment, () => ++epoch);
        var changes = new List<AssignmentEntry>();
        foreach (var (tp, ownership) in next)
            if (!_assignment.TryGetValue(tp, out var old) || old != ownership)
                changes.Add(new AssignmentEntry(tp.Topic, tp.Partition, ownership.Owner, ownership.Epoch));
        return changes;
    }

    public ClusterMetadata ToMetadata(long version, string controller, IReadOnlyList<BrokerInfo> brokers) => new(
        version,
        controller,
        brokers,
        _topics.Values.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => new TopicMetadata(
            t.Name, t.TopicId, t.Partitions, t.RetentionMs, t.RetentionBytes,
            Enumerable.Range(0, t.Partitions).Select(p =>
            {
                var o = _assignment.TryGetValue(new TopicPartition(t.Name, p), out var x) ? x : default;
                return new PartitionAssignment(p, o.Owner, o.Epoch);
            }).ToList(), t.TimestampType)).ToList());
}

/// <summary>What <see cref="ControllerState.PlanNodeIds"/> decided: ids to persist, and explicit ids refused (to log).</summary>
public sealed record NodeIdPlan(IReadOnlyList<NodeIdAssigned> Assignments, IReadOnlyList<string> Conflicts);
