namespace AkkaKafka.Client.Verification;

/// <summary>A record the brokers acknowledged (acks=all): <see cref="Value"/> is at <see cref="Offset"/> of <see cref="Partition"/>.</summary>
public sealed record Ack(string Value, int Partition, long Offset);

/// <summary>One record as a consumer saw it.</summary>
public sealed record LogEntry(long Offset, string Value);

/// <summary>A partition read from its log start to its end: offsets [<see cref="Start"/>, <see cref="End"/>), entries in the order they arrived.</summary>
public sealed record PartitionRead(int Partition, long Start, long End, IReadOnlyList<LogEntry> Entries);

/// <summary>
/// The values a checked producer writes: "<c>STREAM-SEQ</c>", where STREAM names the producer (and the key, if the
/// producer writes several) and SEQ counts up by one per record of that producer. Every value is unique, and within a
/// partition one stream's values must appear with their sequences increasing.
/// </summary>
public static class RecordValue
{
    public static string Format(string stream, long sequence) => $"{stream}-{sequence}";

    /// <summary>Splits at the last '-'; false for a value not written by a checked producer.</summary>
    public static bool TryParse(string value, out string stream, out long sequence)
    {
        var dash = value.LastIndexOf('-');
        stream = dash > 0 ? value[..dash] : "";
        sequence = 0;
        return dash > 0 && long.TryParse(value.AsSpan(dash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out sequence);
    }
}
