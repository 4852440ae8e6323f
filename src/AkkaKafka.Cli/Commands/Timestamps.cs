using System.Globalization;

namespace AkkaKafka.Cli.Commands;

/// <summary>Points in time as the offset tools take them (--to-datetime, --from-timestamp).</summary>
internal static class Timestamps
{
    /// <summary>
    /// ISO 8601 (2026-11-30T10:00:00Z, 2026-11-30T10:00:00.500+01:00, 2026-11-30) to Unix milliseconds. A time without a zone
    /// is UTC (kafka-consumer-groups would take the machine's zone; UTC makes a command mean the same on every machine).
    /// </summary>
    public static long ParseIso8601(string option, string text)
    {
        if (!DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var at)
            || !text.Contains('-'))
            throw new UsageException($"{option}: '{text}' is not an ISO 8601 date and time (e.g. 2026-11-30T10:00:00Z)");
        var ms = at.ToUnixTimeMilliseconds();
        if (ms < 0) throw new UsageException($"{option}: '{text}' is before 1970-01-01T00:00:00Z");
        return ms;
    }
}
