namespace AkkaKafka.Broker;

/// <summary>
/// Topics whose names start with "__" belong to the brokers (<c>__transactions</c>, the transaction log, and
/// <c>__consumer_offsets</c>, the group coordinator's copy of groups and their offsets in Kafka's schemas):
/// only a broker writes them, and nobody deletes or creates them through the admin commands. Kafka draws the same
/// line around its own internal topics (<c>__consumer_offsets</c>, <c>__transaction_state</c>) and refuses a client's
/// append with INVALID_TOPIC_EXCEPTION ("Cannot append to internal topic"); deletion and creation are refused here
/// with the same error, so every client library already knows how to show it.
/// </summary>
public static class InternalTopics
{
    public const string Prefix = "__";

    public static bool IsInternal(string topic) => topic.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The one-line reason a client's write into <paramref name="topic"/> is refused.</summary>
    public static string WriteRefused(string topic) => $"Cannot append to internal topic {topic}";

    /// <summary>The one-line reason a client's delete of <paramref name="topic"/> is refused.</summary>
    public static string DeleteRefused(string topic) => $"topic '{topic}' is internal and cannot be deleted";

    /// <summary>The one-line reason a client's CreatePartitions for <paramref name="topic"/> is refused.</summary>
    public static string ResizeRefused(string topic) => $"topic '{topic}' is internal: its partitions are the brokers' to set";

    /// <summary>The one-line reason a client's create of <paramref name="topic"/> is refused.</summary>
    public static string CreateRefused(string topic) => $"topic names starting with '{Prefix}' are reserved for the brokers' internal topics ('{topic}')";
}
