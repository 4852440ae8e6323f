using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Client.Producer;

/// <summary>A record to send. Partition null: by key (Kafka's murmur2), or spread when there is no key.</summary>
public sealed record ProducerRecord(string Topic, byte[]? Value, byte[]? Key = null, int? Partition = null, long? Timestamp = null, IReadOnlyList<RecordHeader>? Headers = null);

/// <summary>Where an acknowledged record landed. Offset is -1 for acks=0 (nobody knows).</summary>
public sealed record RecordMetadata(string Topic, int Partition, long Offset);

/// <summary>Local messages from the <see cref="Producer"/> facade to its <see cref="ProducerActor"/>.</summary>
internal sealed record Send(ProducerRecord Record, TaskCompletionSource<RecordMetadata> Completion);

internal sealed record Flush(TaskCompletionSource Completion);
