using Xunit;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// What the bad-input specs require of a broker's log after it was sent garbage: no unhandled exception, no error, and
/// no warning from the Kafka listener (it warns only when a handler fails unexpectedly). Akka client commands leave
/// remoting disconnect lines, and a slow machine cluster warnings; neither is about bad input.
/// </summary>
public static class BrokerLogCheck
{
    /// <param name="log">The broker's log (file or console lines).</param>
    /// <param name="tail">Appended to a failure: the logs' last lines.</param>
    /// <param name="expected">Log entries (a line and the exception lines under it) a spec expects and allows,
    /// unless they speak of an unhandled exception; how many there were is returned.</param>
    public static int AssertNoUnexpectedErrors(string log, string tail, Func<string, bool>? expected = null)
    {
        var entries = new List<string>();
        foreach (var line in log.Split('\n'))
        {
            // An entry starts "[LEVEL]..." in the log file and "HH:mm:ss LEVEL ..." on the console; its exception lines follow.
            if (line.StartsWith('[') || line.Length > 9 && char.IsAsciiDigit(line[0]) && line[2] == ':' && line[5] == ':' || entries.Count == 0) entries.Add(line);
            else entries[^1] += "\n" + line;
        }
        var allowed = 0;
        var unexpected = new List<string>();
        foreach (var entry in entries)
        {
            var lines = entry.Split('\n');
            if (!lines.Any(l => SpeaksOfAnUnhandledException(l)
                                || l.StartsWith("[ERROR]", StringComparison.Ordinal)
                                || l.StartsWith("[WARNING]", StringComparison.Ordinal) && l.Contains("Kafka listener", StringComparison.Ordinal)
                                || l.Contains("Exception", StringComparison.Ordinal) && !IsRemotingDisconnect(l)))
                continue;
            if (expected is not null && expected(entry) && !SpeaksOfAnUnhandledException(entry)) allowed++;
            else unexpected.Add(lines[0]);
        }
        Assert.True(unexpected.Count == 0, "unexpected errors in the broker's log:\n" + string.Join("\n", unexpected.Take(30)) + tail);
        return allowed;
    }

    /// <summary>
    /// "Unhandled exception" (.NET's crash line, Kestrel's "An unhandled exception was thrown"), not the word alone:
    /// Akka's stack traces name a method <c>EndpointWriter.Unhandled(Object)</c> under every gated association.
    /// </summary>
    private static bool SpeaksOfAnUnhandledException(string text) => text.Contains("unhandled exception", StringComparison.OrdinalIgnoreCase);

    private static bool IsRemotingDisconnect(string line) =>
        line.Contains("Association", StringComparison.Ordinal) || line.Contains("disassociated", StringComparison.OrdinalIgnoreCase);
}
