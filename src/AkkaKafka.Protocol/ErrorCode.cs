namespace AkkaKafka.Protocol;

/// <summary>
/// Outcome of a request. The numbers are Kafka's own error codes so that the Kafka-protocol listener
/// can pass them through unchanged and Kafka users recognise them.
/// </summary>
public enum ErrorCode : short
{
    UnknownServerError = -1,
    None = 0,
    OffsetOutOfRange = 1,
    CorruptMessage = 2,
    UnknownTopicOrPartition = 3,
    LeaderNotAvailable = 5,
    NotLeaderOrFollower = 6,
    RequestTimedOut = 7,
    MessageTooLarge = 10,
    CoordinatorLoadInProgress = 14,
    CoordinatorNotAvailable = 15,
    NotCoordinator = 16,
    InvalidTopic = 17,
    RecordListTooLarge = 18,
    InvalidRequiredAcks = 21,
    IllegalGeneration = 22,
    InconsistentGroupProtocol = 23,
    InvalidGroupId = 24,
    UnknownMemberId = 25,
    InvalidSessionTimeout = 26,
    RebalanceInProgress = 27,
    TopicAuthorizationFailed = 29,
    GroupAuthorizationFailed = 30,
    ClusterAuthorizationFailed = 31,
    UnsupportedSaslMechanism = 33,
    IllegalSaslState = 34,
    UnsupportedVersion = 35,
    TopicAlreadyExists = 36,
    InvalidPartitions = 37,
    InvalidReplicationFactor = 38,
    InvalidConfig = 40,
    /// <summary>Kafka's NOT_CONTROLLER: the controller is failing over (unreachable, or not running yet); retriable.</summary>
    NotController = 41,
    InvalidRequest = 42,
    UnsupportedForMessageFormat = 43,
    InvalidTimestamp = 32,
    OutOfOrderSequenceNumber = 45,
    DuplicateSequenceNumber = 46,
    InvalidProducerEpoch = 47,
    /// <summary>Kafka's INVALID_TXN_STATE: the request does not fit the transaction's state (EndTxn with no transaction, commit while aborting).</summary>
    InvalidTxnState = 48,
    /// <summary>Kafka's INVALID_PRODUCER_ID_MAPPING: the producer id is not the one the transactional id currently has.</summary>
    InvalidProducerIdMapping = 49,
    /// <summary>Kafka's INVALID_TRANSACTION_TIMEOUT: transaction.timeout.ms above the broker's transaction.max.timeout.ms.</summary>
    InvalidTransactionTimeout = 50,
    /// <summary>Kafka's CONCURRENT_TRANSACTIONS: the previous transaction is still being completed; retriable.</summary>
    ConcurrentTransactions = 51,
    /// <summary>Kafka's TRANSACTION_COORDINATOR_FENCED: a newer transaction coordinator has written this producer's markers.</summary>
    TransactionCoordinatorFenced = 52,
    TransactionalIdAuthorizationFailed = 53,
    /// <summary>Kafka's OPERATION_NOT_ATTEMPTED: the other partitions of the request failed, so this one was not tried.</summary>
    OperationNotAttempted = 55,
    KafkaStorageError = 56,
    SaslAuthenticationFailed = 58,
    UnknownProducerId = 59,
    NonEmptyGroup = 68,
    GroupIdNotFound = 69,
    MemberIdRequired = 79,
    InvalidRecord = 87,
    /// <summary>Kafka's PRODUCER_FENCED (KIP-588): a newer producer with the same transactional id has initialized.</summary>
    ProducerFenced = 90,
    /// <summary>Kafka's RESOURCE_NOT_FOUND: a user or ACL rule named by a command does not exist.</summary>
    ResourceNotFound = 91,
    /// <summary>Kafka's DUPLICATE_RESOURCE: one request names the same user (or credential) twice.</summary>
    DuplicateResource = 92,
    /// <summary>Kafka's UNACCEPTABLE_CREDENTIAL: a SCRAM credential the broker will not store (unknown mechanism, too few iterations).</summary>
    UnacceptableCredential = 93,
    /// <summary>Kafka's MISMATCHED_ENDPOINT_TYPE: a DescribeCluster for KRaft's controllers, asked of a broker (there are no others).</summary>
    MismatchedEndpointType = 114,
}

public static class ErrorCodes
{
    /// <summary>Errors after which the same request may succeed once metadata has been refreshed.</summary>
    public static bool IsRetriable(this ErrorCode code) => code is ErrorCode.LeaderNotAvailable or ErrorCode.CoordinatorNotAvailable
        or ErrorCode.NotLeaderOrFollower or ErrorCode.RequestTimedOut or ErrorCode.KafkaStorageError or ErrorCode.NotController;

    public static string Describe(this ErrorCode code) => code switch
    {
        ErrorCode.None => "no error",
        ErrorCode.OffsetOutOfRange => "offset out of range",
        ErrorCode.CorruptMessage => "corrupt record batch",
        ErrorCode.UnknownTopicOrPartition => "unknown topic or partition",
        ErrorCode.LeaderNotAvailable => "partition has no live owner yet",
        ErrorCode.NotLeaderOrFollower => "broker does not own the partition",
        ErrorCode.RequestTimedOut => "request timed out",
        ErrorCode.MessageTooLarge => "record batch larger than the broker accepts",
        ErrorCode.CoordinatorNotAvailable => "group coordinator not available",
        ErrorCode.IllegalGeneration => "the group has rebalanced since (stale generation)",
        ErrorCode.UnknownMemberId => "not a member of the group (expired or coordinator moved)",
        ErrorCode.InvalidTopic => "invalid topic name",
        ErrorCode.TopicAlreadyExists => "topic already exists",
        ErrorCode.InvalidPartitions => "invalid partition count",
        ErrorCode.InvalidRequest => "invalid request",
        ErrorCode.InvalidConfig => "invalid topic configuration",
        ErrorCode.NotController => "the controller moved (it is failing over)",
        ErrorCode.KafkaStorageError => "journal write failed",
        ErrorCode.UnknownServerError => "unexpected error on the broker",
        ErrorCode.CoordinatorLoadInProgress => "group coordinator is still loading",
        ErrorCode.NotCoordinator => "broker is not the group coordinator",
        ErrorCode.RecordListTooLarge => "produce request larger than the broker accepts",
        ErrorCode.InvalidRequiredAcks => "acks must be -1, 0 or 1",
        ErrorCode.InconsistentGroupProtocol => "member's protocol type or protocols do not match the group's",
        ErrorCode.InvalidGroupId => "invalid group id",
        ErrorCode.InvalidSessionTimeout => "session timeout outside the broker's range",
        ErrorCode.RebalanceInProgress => "the group is rebalancing; re-join",
        ErrorCode.UnsupportedVersion => "API version not supported",
        ErrorCode.InvalidReplicationFactor => "invalid replication factor",
        ErrorCode.UnsupportedForMessageFormat => "record format not supported (magic 0/1)",
        ErrorCode.InvalidTimestamp => "invalid timestamp",
        ErrorCode.NonEmptyGroup => "the group still has members",
        ErrorCode.GroupIdNotFound => "no such group",
        ErrorCode.MemberIdRequired => "re-join with the member id given",
        ErrorCode.InvalidRecord => "invalid record or record batch",
        ErrorCode.ResourceNotFound => "no such user or ACL",
        ErrorCode.DuplicateResource => "the request names the same user twice",
        ErrorCode.UnacceptableCredential => "credential not acceptable",
        ErrorCode.MismatchedEndpointType => "the brokers have no separate controller endpoints",
        ErrorCode.OutOfOrderSequenceNumber => "the batch's sequence number does not follow the producer's last one",
        ErrorCode.DuplicateSequenceNumber => "duplicate sequence number",
        ErrorCode.TransactionCoordinatorFenced => "a newer transaction coordinator has taken over this producer",
        ErrorCode.InvalidProducerEpoch => "the producer's epoch is older than the partition has seen (fenced)",
        ErrorCode.InvalidTxnState => "the request does not fit the transaction's state",
        ErrorCode.InvalidProducerIdMapping => "the producer id is not the transactional id's current one",
        ErrorCode.InvalidTransactionTimeout => "transaction.timeout.ms above the broker's transaction.max.timeout.ms",
        ErrorCode.ConcurrentTransactions => "the previous transaction is still being completed; retry",
        ErrorCode.ProducerFenced => "a newer producer with the same transactional.id has started (fenced)",
        ErrorCode.TransactionalIdAuthorizationFailed => "not authorized to use the transactional.id",
        ErrorCode.OperationNotAttempted => "not attempted: another partition of the request failed",
        ErrorCode.UnknownProducerId => "the partition holds no state for this producer id (expired or never written)",
        ErrorCode.TopicAuthorizationFailed => "not authorized to access the topic",
        ErrorCode.GroupAuthorizationFailed => "not authorized to access the group",
        ErrorCode.ClusterAuthorizationFailed => "not authorized for this cluster operation",
        ErrorCode.UnsupportedSaslMechanism => "SASL mechanism not enabled on this listener",
        ErrorCode.IllegalSaslState => "SASL request out of order",
        ErrorCode.SaslAuthenticationFailed => "SASL authentication failed",
        _ => code.ToString(),
    };
}
