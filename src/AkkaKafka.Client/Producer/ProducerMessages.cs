using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Client.Producer;

/// <summary>A record to send. Partition null: by key (Kafka's murmur2), or spread when there is no key.</summary>
public sealed record ProducerRecord(string Topic, byte[]? Value, byte[]? Key = null, int? Partition = null, long? Timestamp = null, IReadOnlyList<RecordHeader>? Headers = null);

/// <summary>Where an acknowledged record landed. Offset is -1 for acks=0 (nobody knows).</summary>
public sealed record RecordMetadata(string Topic, int Partition, long Offset);

// Messages the ProducerActor handles. Records reach the accumulator without any message: these are a caller waiting
// for a topic's metadata and the accumulator's nudges, one or two per batch.

/// <summary>A caller's first record for a topic waits for its metadata (the topic is created if the brokers auto-create).</summary>
internal sealed record AwaitTopic(string Topic, TaskCompletionSource<TopicMetadata> Known);

/// <summary>A partition opened a batch: its linger starts now.</summary>
internal sealed record BatchOpened(TopicPartition Partition, long Sequence);

/// <summary>A partition's batch reached batch-size: it can go as soon as there is an in-flight slot.</summary>
internal sealed record BatchFull(TopicPartition Partition);

internal sealed record Flush(TaskCompletionSource Completion);

// The transactional producer's calls (see TransactionManager): each completes when the transaction coordinator has
// answered, or fails with why.

internal sealed record InitTransactions(TaskCompletionSource Completion);

internal sealed record BeginTransaction(TaskCompletionSource Completion);

/// <summary>Commit (true) or abort (false) the open transaction.</summary>
internal sealed record EndTransaction(bool Commit, TaskCompletionSource Completion);

/// <summary>
/// A record that was never sent because its transaction was aborted (Kafka's TransactionAbortedException): it is not
/// in the log, and nothing is wrong with it; send it again in another transaction.
/// </summary>
public sealed class TransactionAbortedException(string message) : Exception(message);
