namespace AkkaKafka.Protocol.Messages;

/// <summary>Requests a BrokerActor (on any node, reached through the ClusterClientReceptionist) accepts.</summary>
public interface IBrokerCommand : IAkkaKafkaMessage;

/// <summary>
/// Requests a client may send again when it has no answer (or a retriable refusal): doing one twice changes nothing a
/// client could tell (reads; a producer id, of which a second is just never used).
/// </summary>
public interface IResendable : IBrokerCommand;

/// <summary>Requests the BrokerActor hands to the ZookeeperActor (controller).</summary>
public interface IControllerCommand : IBrokerCommand;

/// <summary>
/// Commands only the brokers' own request handlers send (clients send the Kafka requests those handlers serve): a
/// BrokerActor refuses one that comes from outside the cluster, and no client authorization rule names one.
/// </summary>
public interface IBrokerInternal : IAkkaKafkaMessage;

/// <summary>
/// Requests served by the node that owns the partition; other nodes forward them there. Only the brokers send them
/// (the Produce, Fetch and ListOffsets handlers, for either transport, and the transaction log).
/// </summary>
public interface IPartitionRequest : IBrokerCommand, IBrokerInternal
{
    string Topic { get; }
    int Partition { get; }
}

// ---- topic administration (controller): what the CreateTopics, DeleteTopics, CreatePartitions and IncrementalAlterConfigs handlers ask ----

/// <summary>
/// Creates a topic. Retention: <see cref="UseDefault"/> takes the brokers' default, -1 keeps records forever,
/// a positive number limits by age (ms) or by size (bytes per partition).
/// </summary>
/// <param name="TimestampType">Kafka's message.timestamp.type: whose clock the stored record timestamps are.</param>
public sealed record CreateTopic(string Topic, int Partitions, long RetentionMs = CreateTopic.UseDefault, long RetentionBytes = CreateTopic.UseDefault,
    Records.TimestampType TimestampType = Records.TimestampType.CreateTime) : IControllerCommand, IBrokerInternal
{
    public const long UseDefault = -2;
}

public sealed record DeleteTopic(string Topic) : IControllerCommand, IBrokerInternal;

/// <summary>
/// A broker asks the controller for one of the brokers' internal topics ("__…", which <see cref="CreateTopic"/> refuses)
/// when it first needs it, as Kafka's brokers create __consumer_offsets on first use. Answered with
/// <see cref="TopicCommandResult"/>; an existing topic is success, left as it is.
/// </summary>
public sealed record CreateInternalTopic(string Topic, int Partitions) : IControllerCommand, IBrokerInternal;

/// <summary>
/// Kafka's CreatePartitions: grows <see cref="Topic"/> to <see cref="TotalCount"/> partitions (the new total, not the
/// number to add). Partitions are only ever added; answered with a <see cref="TopicCommandResult"/>.
/// </summary>
public sealed record AddPartitions(string Topic, int TotalCount) : IControllerCommand, IBrokerInternal;

/// <summary>
/// Changes a topic's retention (kafka-configs --alter / IncrementalAlterConfigs for retention.ms and retention.bytes).
/// <see cref="Unchanged"/> leaves a setting as it is, <see cref="CreateTopic.UseDefault"/> sets it back to the brokers'
/// default, -1 keeps records forever, 0 or more limits by age (ms) or size (bytes per partition). Answered with a
/// <see cref="TopicCommandResult"/>; the partitions apply the new retention at their next retention check.
/// <see cref="TimestampType"/> (message.timestamp.type) null leaves it as it is; it applies to batches appended after.
/// </summary>
public sealed record AlterTopicConfigs(string Topic, long RetentionMs = AlterTopicConfigs.Unchanged, long RetentionBytes = AlterTopicConfigs.Unchanged,
    Records.TimestampType? TimestampType = null) : IControllerCommand, IBrokerInternal
{
    public const long Unchanged = -3;
}

public sealed record TopicCommandResult(string Topic, ErrorCode Error, string Message) : IAkkaKafkaMessage
{
    public bool IsSuccess => Error == ErrorCode.None;
}

/// <summary>
/// Asks the controller for metadata (the Metadata and DescribeConfigs handlers, and a broker that has none yet). When
/// <paramref name="AutoCreateTopics"/> is set and a named topic is unknown, the controller creates it with the broker's
/// default partition count (if auto-creation is enabled on the brokers). Clients send Kafka's Metadata instead.
/// </summary>
public sealed record GetMetadata(IReadOnlyList<string>? Topics = null, bool AutoCreateTopics = false) : IControllerCommand, IBrokerInternal;

/// <summary>The controller's metadata, the answer to <see cref="GetMetadata"/>.</summary>
public sealed record MetadataResponse(ClusterMetadata Metadata) : IAkkaKafkaMessage;

public sealed class GetClusterStatus : IControllerCommand, IResendable
{
    public static readonly GetClusterStatus Instance = new();
    private GetClusterStatus() { }
}

/// <summary>A cluster member as seen by the controller. AgeRank 0 is the oldest.</summary>
public sealed record ClusterMember(string Address, string Status, IReadOnlyList<string> Roles, int AgeRank);

public sealed record ClusterStatus(IReadOnlyList<ClusterMember> Members, string? Leader, ClusterMetadata Metadata) : IAkkaKafkaMessage;

// ---- data path (partition owner) ----

/// <summary>
/// Appends one RecordBatch v2 to a partition. The broker sets the base offset; acknowledged after the journal write
/// unless <see cref="Acks"/> is <see cref="Acks.None"/>, in which case no reply is sent.
/// </summary>
/// <remarks><see cref="ClientAddress"/> is the client ActorSystem's address, for the transaction log (ClusterClient hides the sender).
/// <see cref="Batch"/> may be a slice of a larger buffer (a Kafka request frame, a remoting payload): the batch is
/// copied once, by the partition owner into the array it stores, and nowhere else on the way.
/// <see cref="TransactionalId"/> is Produce's transactional_id (v3+): a transactional batch of a producer with no open
/// transaction on the partition is verified with that id's coordinator before it is written (KIP-890 part 1).</remarks>
public sealed record ProduceRequest(string Topic, int Partition, ReadOnlyMemory<byte> Batch, Acks Acks, string ClientId, string? ClientAddress = null,
    string? TransactionalId = null) : IPartitionRequest;

public sealed record ProduceResponse(string Topic, int Partition, ErrorCode Error, long BaseOffset, long LogAppendTime, string? ErrorMessage = null)
    : IAkkaKafkaMessage;

/// <summary>
/// Reads record batches from <see cref="Offset"/> on, up to about <see cref="MaxBytes"/> (at least one whole batch).
/// When nothing is there yet it waits up to <see cref="MaxWaitMs"/> for new records (long poll).
/// </summary>
/// <see cref="Isolation"/> read_committed returns only what lies below the last stable offset, with the aborted
/// transactions of the range (Kafka's isolation_level).
public sealed record FetchRequest(string Topic, int Partition, long Offset, int MaxBytes, int MaxWaitMs, string ClientId, string? ClientAddress = null,
    IsolationLevel Isolation = IsolationLevel.ReadUncommitted) : IPartitionRequest;

/// <summary>Kafka's isolation_level of Fetch and ListOffsets (its numbers).</summary>
public enum IsolationLevel : sbyte
{
    ReadUncommitted = 0,
    ReadCommitted = 1,
}

/// <summary>
/// A transaction aborted on a partition: a read_committed reader drops <see cref="ProducerId"/>'s records from
/// <see cref="FirstOffset"/> up to its abort marker at <see cref="LastOffset"/> (Kafka's aborted-transactions index).
/// </summary>
public readonly record struct AbortedTransaction(long ProducerId, long FirstOffset, long LastOffset);

/// <summary>
/// Records holds whole RecordBatch v2 batches back to back; the first may start before the requested offset,
/// as in Kafka, and readers skip records below it. Transaction markers (control batches) are among them, as Kafka
/// returns them; <see cref="AbortedTransactions"/> is filled for a read_committed fetch only.
/// </summary>
public sealed record FetchResponse(
    string Topic,
    int Partition,
    ErrorCode Error,
    long HighWatermark,
    long LogStartOffset,
    byte[] Records,
    string? ErrorMessage = null,
    long LastStableOffset = -1,
    IReadOnlyList<AbortedTransaction>? AbortedTransactions = null) : IAkkaKafkaMessage;

/// <summary>
/// Kafka's ListOffsets: <see cref="Timestamp"/> -1 asks for the log end offset, -2 for the log start offset, and a
/// timestamp of 0 or more for the earliest offset whose record timestamp is at or after it.
/// </summary>
/// With <see cref="Isolation"/> read_committed, latest is the last stable offset.
public sealed record ListOffsetsRequest(string Topic, int Partition, long Timestamp, IsolationLevel Isolation = IsolationLevel.ReadUncommitted)
    : IPartitionRequest, IResendable
{
    public const long Latest = -1;
    public const long Earliest = -2;
}

/// <summary>
/// <see cref="Offset"/> answers the request; for a lookup by timestamp <see cref="Timestamp"/> is the found record's
/// timestamp, and both are -1 when no record is that new (as Kafka answers). -1 for latest and earliest.
/// </summary>
public sealed record ListOffsetsResponse(string Topic, int Partition, ErrorCode Error, long Offset, long Timestamp = -1) : IAkkaKafkaMessage;

/// <summary>
/// Kafka's WriteTxnMarkers for one partition: the transaction coordinator ends <see cref="ProducerId"/>'s transaction
/// here with a commit or abort marker (a control batch in the log). Refused with INVALID_PRODUCER_EPOCH when the
/// producer has a newer epoch here, TRANSACTION_COORDINATOR_FENCED when a newer coordinator wrote its last marker.
/// </summary>
public sealed record WriteTxnMarker(string Topic, int Partition, long ProducerId, short ProducerEpoch, Records.TransactionResult Result, int CoordinatorEpoch)
    : IPartitionRequest;

public sealed record WriteTxnMarkerResponse(string Topic, int Partition, ErrorCode Error, long Offset = -1, string? ErrorMessage = null) : IAkkaKafkaMessage;

/// <summary>Kafka's DescribeProducers for one partition: the producers with state here.</summary>
public sealed record DescribeProducers(string Topic, int Partition) : IPartitionRequest, IResendable;

/// <param name="CurrentTxnStartOffset">The first offset of its open transaction, -1 when none is open.</param>
public sealed record ActiveProducer(long ProducerId, int ProducerEpoch, int LastSequence, long LastTimestamp, int CoordinatorEpoch, long CurrentTxnStartOffset);

public sealed record ProducersDescription(string Topic, int Partition, ErrorCode Error, IReadOnlyList<ActiveProducer> Producers, string? ErrorMessage = null)
    : IAkkaKafkaMessage;

/// <summary>
/// A partition request one broker passes to the broker that owns the partition. The receiver serves it only if it
/// owns the partition itself and never forwards it again, so brokers with different views of the metadata cannot
/// bounce a request between them.
/// </summary>
public sealed record ForwardedRequest(IPartitionRequest Request) : IBrokerInternal;
