using AkkaKafka.Protocol.Records;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Partition;

/// <summary>Local messages between a TopicActor and its PartitionActors (never cross the network).</summary>
public interface IPartitionCommand;

/// <summary>Retention settings of the partition's topic changed.</summary>
public sealed record UpdateRetention(long RetentionMs, long RetentionBytes, TimestampType TimestampType = TimestampType.CreateTime) : IPartitionCommand;

/// <summary>The topic was deleted: remove the partition's journal events and snapshots, then stop.</summary>
public sealed class DeletePartitionLog : IPartitionCommand
{
    public static readonly DeletePartitionLog Instance = new();
    private DeletePartitionLog() { }
}

/// <summary>Identifies the partition a settings object or reader belongs to.</summary>
public sealed record PartitionIdentity(string Topic, long TopicId, int Partition)
{
    /// <summary>One journal stream per topic incarnation and partition.</summary>
    public string PersistenceId => $"partition-{Topic}-{TopicId}-{Partition}";

    public FetchResponse EmptyFetch(long highWatermark, long logStartOffset, ErrorCode error = ErrorCode.None, string? message = null) =>
        new(Topic, Partition, error, highWatermark, logStartOffset, [], message);
}
