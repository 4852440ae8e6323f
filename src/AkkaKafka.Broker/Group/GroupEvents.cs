using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Group;

/// <summary>Marker for what group actors persist (bound to <see cref="Storage.StorageSerializer"/>).</summary>
public interface IGroupEvent;

/// <summary>A group's committed positions changed. Membership is not persisted: after a coordinator failover members re-join.</summary>
public sealed record OffsetsCommitted(IReadOnlyList<PartitionOffset> Offsets) : IGroupEvent;

/// <summary>The coordinator learned of a group (persisted so `group list` knows groups whose members are gone).</summary>
public sealed record GroupRegistered(string Group) : IGroupEvent;

public sealed record GroupSnapshot(IReadOnlyList<PartitionOffset> Committed);

/// <summary>The group was deleted (Kafka DeleteGroups): its committed offsets are gone.</summary>
public sealed class GroupOffsetsDeleted : IGroupEvent
{
    public static readonly GroupOffsetsDeleted Instance = new();
    private GroupOffsetsDeleted() { }
}

/// <summary>The coordinator forgot a deleted group, so `group list` no longer shows it.</summary>
public sealed record GroupUnregistered(string Group) : IGroupEvent;
