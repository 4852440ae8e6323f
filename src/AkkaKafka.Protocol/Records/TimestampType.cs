namespace AkkaKafka.Protocol.Records;

/// <summary>
/// Which clock a topic's record timestamps come from (Kafka's message.timestamp.type): the producer's (CreateTime,
/// the default) or the broker's at append (LogAppendTime, flagged in the batch attributes).
/// </summary>
public enum TimestampType
{
    CreateTime = 0,
    LogAppendTime = 1,
}
