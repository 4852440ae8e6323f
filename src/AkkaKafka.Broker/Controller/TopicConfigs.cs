using System.Globalization;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Broker.Controller;

/// <summary>
/// Topic configs as Kafka clients send them with CreateTopics: retention.ms, retention.bytes and message.timestamp.type have a meaning here,
/// cleanup.policy may only be "delete" (there is no log compaction), and a few Kafka configs that only tune how Kafka
/// lays out files or copies are accepted and ignored.
/// </summary>
public static class TopicConfigs
{
    public const string RetentionMs = "retention.ms";
    public const string RetentionBytes = "retention.bytes";
    public const string CleanupPolicy = "cleanup.policy";
    public const string MessageTimestampType = "message.timestamp.type";

    /// <summary>Kafka's values of message.timestamp.type, spelled as Kafka spells them (case matters there too).</summary>
    public static bool TryParseTimestampType(string? value, out TimestampType type)
    {
        type = value?.Trim() switch
        {
            "CreateTime" => TimestampType.CreateTime,
            "LogAppendTime" => TimestampType.LogAppendTime,
            _ => (TimestampType)(-1),
        };
        return Enum.IsDefined(type);
    }

    public const string TimestampTypeRule = "must be CreateTime or LogAppendTime";

    /// <summary>
    /// Kafka topic configs that change nothing here. min.insync.replicas: every acknowledged write is already in the
    /// journal (durability is the journal's, not copies on brokers). segment.bytes / segment.ms: segments are the
    /// brokers' own (akkakafka.broker.segment-*). Tools and clients commonly set them, so refusing them would break those.
    /// </summary>
    public static readonly IReadOnlySet<string> Ignored = new HashSet<string>(StringComparer.Ordinal)
    {
        "min.insync.replicas", "segment.bytes", "segment.ms",
    };

    /// <summary>
    /// Checks CreateTopics configs (a null value means Kafka's default). Retention not given is
    /// <see cref="CreateTopic.UseDefault"/>, i.e. the brokers' default; -1 keeps records forever.
    /// </summary>
    public static TopicConfigsValidation Validate(IReadOnlyDictionary<string, string?> configs)
    {
        var retentionMs = CreateTopic.UseDefault;
        var retentionBytes = CreateTopic.UseDefault;
        var timestampType = TimestampType.CreateTime;
        foreach (var (name, value) in configs)
        {
            switch (name)
            {
                case RetentionMs:
                    if (value is null) break;
                    if (!TryParseRetention(value, out retentionMs)) return Invalid(name, value, "must be -1 (forever) or at least 0");
                    break;
                case RetentionBytes:
                    if (value is null) break;
                    if (!TryParseRetention(value, out retentionBytes)) return Invalid(name, value, "must be -1 (unlimited) or at least 0");
                    break;
                case MessageTimestampType:
                    if (value is null) break;
                    if (!TryParseTimestampType(value, out timestampType)) return Invalid(name, value, TimestampTypeRule);
                    break;
                case CleanupPolicy:
                    if (value is null || value.Trim().Equals("delete", StringComparison.OrdinalIgnoreCase)) break;
                    return TopicConfigsValidation.Rejected($"{CleanupPolicy}={value} is not supported");
                default:
                    if (Ignored.Contains(name)) break;
                    return TopicConfigsValidation.Rejected($"Unknown topic config name: {name}");
            }
        }
        return TopicConfigsValidation.Accepted(retentionMs, retentionBytes, timestampType);
    }

    private static bool TryParseRetention(string value, out long result) =>
        long.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out result) && result >= -1;

    private static TopicConfigsValidation Invalid(string name, string value, string rule) =>
        TopicConfigsValidation.Rejected($"Invalid value {value} for configuration {name}: {rule}");
}

/// <summary>The outcome of <see cref="TopicConfigs.Validate"/>: the retention to create the topic with, or why not (INVALID_CONFIG).</summary>
public sealed record TopicConfigsValidation(long RetentionMs, long RetentionBytes, ErrorCode Error, string? ErrorMessage,
    TimestampType TimestampType = TimestampType.CreateTime)
{
    public bool IsValid => Error == ErrorCode.None;

    public static TopicConfigsValidation Accepted(long retentionMs, long retentionBytes, TimestampType timestampType = TimestampType.CreateTime) =>
        new(retentionMs, retentionBytes, ErrorCode.None, null, timestampType);

    public static TopicConfigsValidation Rejected(string message) => new(CreateTopic.UseDefault, CreateTopic.UseDefault, ErrorCode.InvalidConfig, message);
}
