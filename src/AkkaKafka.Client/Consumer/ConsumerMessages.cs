using AkkaKafka.Protocol;

namespace AkkaKafka.Client.Consumer;

// Messages the ConsumerActor handles: from the Consumer facade (each carries the completion the caller awaits, so the
// facade never reads the actor's state) and from its PartitionFetchers.

/// <summary>Read these partitions from these offsets (the facade has resolved them); no group.</summary>
internal sealed record AssignPartitions(IReadOnlyList<PartitionStart> Partitions, TaskCompletionSource Done);

internal sealed record PartitionStart(TopicPartition Partition, long Offset);

/// <summary>
/// Join <paramref name="Group"/> and read what its coordinator assigns; <paramref name="Joined"/> completes once every
/// assigned partition knows where it starts (so a record produced after that is read).
/// </summary>
internal sealed record JoinConsumerGroup(string Group, IReadOnlyList<TopicPartition> Partitions, StartPosition ResetTo, TaskCompletionSource Joined);

/// <summary>Commit the positions handed to the application now (the application's CommitAsync).</summary>
internal sealed record CommitNow(TaskCompletionSource Done);

/// <summary>Commit, leave the group, stop every fetcher; <paramref name="Done"/> completes when that is over (bounded).</summary>
internal sealed record CloseConsumer(TaskCompletionSource Done);

/// <summary>A fetcher knows its start offset (committed, or resolved from the start position) and is fetching.</summary>
internal sealed record FetcherPositioned(PartitionLease Lease);

/// <summary>A fetcher could not find its start offset within the request timeout; it keeps trying.</summary>
internal sealed record FetcherCannotStart(PartitionLease Lease, Exception Error);
