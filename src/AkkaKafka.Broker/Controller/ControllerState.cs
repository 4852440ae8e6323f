using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Controller;

/// <summary>
/// What the ZookeeperActor knows and persists: topics, the partition assignment and the controller epoch.
/// Events change it through <see cref="Apply"/>; decisions (validation, rebalancing, metadata) are plain methods.
/// </summary>
public sealed class ControllerState
{
    public const int MaxPartitions = 10_000;
    private readonly Dictionary<string, TopicConfig> _topics = new(StringComparer.Ordinal);
    private readonly Dictionary<TopicPartition, Ownership> _assignment = new();

    public long ControllerEpoch { get; private set; }
    public long MaxAssignmentEpoch { get; private set; }
    public IReadOnlyDictionary<string, TopicConfig> Topics => _topics;
    public IReadOnlyDictionary<TopicPartition, Ownership> Assignment => _assignment;

    public void Apply(IControllerEvent e, long sequenceNr)
    {
        switch (e)
        {
            case ControllerEpochStarted s:
                ControllerEpoch = Math.Max(ControllerEpoch, s.Epoch);
                break;
            case TopicCreated c:
                _topics[c.Name] = new TopicConfig(c.Name, sequenceNr, c.Partitions, c.RetentionMs, c.RetentionBytes, c.CreatedAtMs);
                break;
            case TopicDeleted d:
                if (_topics.Remove(d.Name, out var removed))
                    for (var p = 0; p < removed.Partitions; p++) _assignment.Remove(new TopicPartition(d.Name, p));
                break;
            case PartitionsAssigned a:
                foreach (var c in a.Changes)
                {
                    if (!_topics.ContainsKey(c.Topic)) continue;
                    _assignment[new TopicPartition(c.Topic, c.Partition)] = new Ownership(c.Owner, c.Epoch);
                    MaxAssignmentEpoch = Math.Max(MaxAssignmentEpoch, c.Epoch);
                }
                break;
        }
    }

    public ControllerSnapshot ToSnapshot() => new(
        ControllerEpoch,
        _topics.Values.ToList(),
        _assignment.Select(kv => new AssignmentEntry(kv.Key.Topic, kv.Key.Partition, kv.Value.Owner, kv.Value.Epoch)).ToList());

    public void Restore(ControllerSnapshot snapshot)
    {
        ControllerEpoch = snapshot.ControllerEpoch;
        _topics.Clear();
        foreach (var t in snapshot.Topics) _topics[t.Name] = t;
        _assignment.Clear();
        Apply(new PartitionsAssigned(snapshot.Assignment), 0);
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
        if (_topics.ContainsKey(create.Topic)) return new TopicCommandResult(create.Topic, ErrorCode.TopicAlreadyExists, $"topic '{create.Topic}' already exists");
        if (create.Partitions is < 1 or > MaxPartitions)
            return new TopicCommandResult(create.Topic, ErrorCode.InvalidPartitions, $"partitions must be between 1 and {MaxPartitions}, got {create.Partitions}");
        if (create.RetentionMs < CreateTopic.UseDefault || create.RetentionBytes < CreateTopic.UseDefault)
            return new TopicCommandResult(create.Topic, ErrorCode.InvalidConfig, "retention must be -1 (forever) or positive");
        return null;
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
            }).ToList())).ToList());
}
