using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AkkaKafka.Client.Verification;

/// <summary>A <see cref="VerifyReport"/> as text (for people) or JSON (for scripts), with the same names as the counts line.</summary>
public static class VerifyReportFormat
{
    public static string Text(VerifyReport report)
    {
        var r = report.Result;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"topic {report.Topic}: {report.Partitions} partitions, {report.Producers} producers, {report.Duration.TotalSeconds:0}s of traffic, {report.Elapsed.TotalSeconds:0}s in all");
        if (report.Chaos is { } chaos) text.AppendLine(ChaosLine(chaos));
        text.AppendLine(r.Counts);
        text.AppendLine("live consumer: " + (r.LiveCaughtUp ? "caught up" : $"{r.LiveBehind} records behind"));
        foreach (var example in r.Examples) text.AppendLine("  " + example);
        text.Append(r.Clean ? "clean: no anomaly" : "anomalies: " + string.Join(", ", r.Anomalies));
        return text.ToString();
    }

    /// <summary>A <c>verify --transactions</c> report: the run, then TransactionChecker's counts line and its examples.</summary>
    public static string Text(TransactionVerifyReport report)
    {
        var r = report.Result;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"topic {report.Topic}: {report.Partitions} partitions, {report.Producers} transactional writers, {report.Duration.TotalSeconds:0}s of traffic, {report.Elapsed.TotalSeconds:0}s in all");
        if (report.Chaos is { } chaos) text.AppendLine(ChaosLine(chaos));
        text.AppendLine(r.Counts);
        foreach (var example in r.Examples) text.AppendLine("  " + example);
        text.Append(r.Clean ? "clean: no anomaly" : "anomalies: " + string.Join(", ", r.Anomalies));
        return text.ToString();
    }

    private static string ChaosLine(ChaosSummary chaos) => string.Create(CultureInfo.InvariantCulture,
        $"chaos: seed {chaos.Seed}, {chaos.Kills} SIGKILL, {chaos.Freezes} SIGSTOP/SIGCONT, {chaos.Terminations} SIGTERM, {chaos.Restarts} restarts{(chaos.CanRestart ? "" : " (no --restart-command: freezes only)")}");

    private static JsonObject ChaosJson(ChaosSummary chaos) => new()
    {
        ["seed"] = chaos.Seed,
        ["sigkill"] = chaos.Kills,
        ["sigstop"] = chaos.Freezes,
        ["sigterm"] = chaos.Terminations,
        ["restarts"] = chaos.Restarts,
        ["faults"] = new JsonArray(chaos.Faults.Select(f => (JsonNode)f).ToArray()),
    };

    public static string Json(TransactionVerifyReport report)
    {
        var r = report.Result;
        var json = new JsonObject
        {
            ["topic"] = report.Topic,
            ["partitions"] = report.Partitions,
            ["writers"] = report.Producers,
            ["duration_seconds"] = report.Duration.TotalSeconds,
            ["elapsed_seconds"] = Math.Round(report.Elapsed.TotalSeconds, 1),
            ["transactions"] = r.Transactions,
            ["committed"] = r.Committed,
            ["aborted"] = r.Aborted,
            ["unknown"] = r.Unknown,
            ["read"] = r.Read,
            ["aborted_read"] = r.AbortedReads,
            ["intermediate_read"] = r.IntermediateReads,
            ["lost_committed_write"] = r.LostCommittedWrites,
            ["duplicate"] = r.Duplicates,
            ["non_monotonic_read"] = r.NonMonotonicReads,
            ["torn_transaction"] = r.TornTransactions,
            ["never_written"] = r.NeverWritten,
            ["clean"] = r.Clean,
            ["anomalies"] = new JsonArray(r.Anomalies.Select(a => (JsonNode)a).ToArray()),
            ["examples"] = new JsonArray(r.Examples.Select(e => (JsonNode)e).ToArray()),
        };
        if (report.Chaos is { } chaos) json["chaos"] = ChaosJson(chaos);
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    public static string Json(VerifyReport report)
    {
        var r = report.Result;
        var json = new JsonObject
        {
            ["topic"] = report.Topic,
            ["partitions"] = report.Partitions,
            ["producers"] = report.Producers,
            ["duration_seconds"] = report.Duration.TotalSeconds,
            ["elapsed_seconds"] = Math.Round(report.Elapsed.TotalSeconds, 1),
            ["acknowledged"] = r.Acknowledged,
            ["failed"] = r.Failed,
            ["unknown"] = r.Unknown,
            ["read"] = r.Read,
            ["lost"] = r.Lost,
            ["duplicated"] = r.Duplicated,
            ["duplicated_of_failed_or_unknown_sends"] = r.DuplicatedOfFailedSends,
            ["reordered"] = r.Reordered,
            ["reused"] = r.Reused,
            ["skipped"] = r.Skipped,
            ["never_sent"] = r.NeverSent,
            ["failed_but_stored"] = r.FailedButStored,
            ["live_consumer_behind"] = r.LiveBehind,
            ["live_consumer_caught_up"] = r.LiveCaughtUp,
            ["clean"] = r.Clean,
            ["anomalies"] = new JsonArray(r.Anomalies.Select(a => (JsonNode)a).ToArray()),
            ["examples"] = new JsonArray(r.Examples.Select(e => (JsonNode)e).ToArray()),
        };
        if (report.Chaos is { } chaos) json["chaos"] = ChaosJson(chaos);
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
