using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Client.Consumer;

/// <summary>
/// Which positions a group member owes its coordinator: one current <see cref="PartitionLease"/> per partition it reads,
/// and what was last committed for each. Pure (no actor, no I/O), owned by the <see cref="ConsumerActor"/>. A revoked
/// partition is forgotten together with its lease and its committed position, so no later commit can name it.
/// </summary>
internal sealed class CommitPositions
{
    private readonly Dictionary<TopicPartition, PartitionLease> _leases = new();
    private readonly Dictionary<TopicPartition, long> _committed = new();

    public PartitionLease? Lease(TopicPartition tp) => _leases.GetValueOrDefault(tp);

    /// <summary>The group's position for the partition as last known (-1: none).</summary>
    public long CommittedOf(TopicPartition tp) => _committed.TryGetValue(tp, out var c) ? c : -1;

    public bool IsCurrent(PartitionLease lease) => _leases.TryGetValue(lease.Partition, out var held) && ReferenceEquals(held, lease);

    /// <summary>Starts a lease; <paramref name="committed"/> is the group's position for it (-1: none).</summary>
    public void Add(PartitionLease lease, long committed)
    {
        _leases[lease.Partition] = lease;
        if (committed >= 0) _committed[lease.Partition] = committed;
        else _committed.Remove(lease.Partition);
    }

    /// <summary>
    /// Ends the partition's lease: its buffered records are dropped and it is forgotten. Answers the position handed to
    /// the application and not committed yet (null: none), which the member commits once, before releasing the partition.
    /// </summary>
    public PartitionOffset? Revoke(TopicPartition tp)
    {
        var committed = _committed.Remove(tp, out var c) ? c : -1;
        if (!_leases.Remove(tp, out var lease)) return null;
        var handedOver = lease.Revoke(); // final: no record of the lease is handed over after this
        return handedOver != PartitionLease.NothingHandedOver && handedOver != committed ? new PartitionOffset(tp.Topic, tp.Partition, handedOver) : null;
    }

    /// <summary>Positions handed to the application and not committed yet, for the partitions held now.</summary>
    public IReadOnlyList<PartitionOffset> Due() =>
        _leases.Values
            .Select(l => (l.Partition, Next: l.HandedOver))
            .Where(p => p.Next != PartitionLease.NothingHandedOver && (!_committed.TryGetValue(p.Partition, out var c) || c != p.Next))
            .Select(p => new PartitionOffset(p.Partition.Topic, p.Partition.Partition, p.Next))
            .ToList();

    /// <summary>The coordinator accepted these; partitions revoked while the commit was on its way stay forgotten.</summary>
    public void Accepted(IReadOnlyList<PartitionOffset> offsets)
    {
        foreach (var o in offsets)
        {
            var tp = new TopicPartition(o.Topic, o.Partition);
            if (_leases.ContainsKey(tp)) _committed[tp] = o.Offset;
        }
    }
}
