namespace AkkaKafka.Protocol;

/// <summary>
/// Outcome of a request. The numbers are Kafka's own error codes so that the Kafka-protocol listener
/// can pass them through unchanged and Kafka users recognise them.
/// </summary>
public enum ErrorCode : short
{
    None = 0,
    OffsetOutOfRange = 1,
    CorruptMessage = 2,
    UnknownTopicOrPartition = 3,
    LeaderNotAvailable = 5,
    NotLeaderOrFollower = 6,
    RequestTimedOut = 7,
    MessageTooLarge = 10,
    CoordinatorNotAvailable = 15,
    InvalidTopic = 17,
    IllegalGeneration = 22,
    UnknownMemberId = 25,
    TopicAlreadyExists = 36,
    InvalidPartitions = 37,
    InvalidRequest = 42,
    InvalidConfig = 40,
    KafkaStorageError = 56,
}

public static class ErrorCodes
{
    /// <summary>Errors after which the same request may succeed once metadata has been refreshed.</summary>
    public static bool IsRetriable(this ErrorCode code) => code is ErrorCode.LeaderNotAvailable or ErrorCode.CoordinatorNotAvailable
        or ErrorCode.NotLeaderOrFollower or ErrorCode.RequestTimedOut or ErrorCode.KafkaStorageError;

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
        ErrorCode.KafkaStorageError => "journal write failed",
        _ => code.ToString(),
    };
}
