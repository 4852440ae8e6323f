using AkkaKafka.Protocol;

namespace AkkaKafka.Client.Bench;

/// <summary>What kafka-producer-perf-test asks for, plus the cluster to run against.</summary>
public sealed record BenchOptions
{
    public required IReadOnlyList<HostPort> Bootstrap { get; init; }
    public string Topic { get; init; } = "bench";
    public long Messages { get; init; } = 1_000_000;
    public int Size { get; init; } = 100;
    public int Partitions { get; init; } = 3;
    public int Producers { get; init; } = 1;
    public Acks Acks { get; init; } = Acks.All;
    /// <summary>Target messages per second over all producers; 0 or less sends as fast as acknowledgements allow.</summary>
    public long Throughput { get; init; }
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>
    /// Records per transaction for a transactional produce bench (each producer with its own transactional id: begin,
    /// this many records, commit, again); 0 for a producer without transactions.
    /// </summary>
    public int TransactionSize { get; init; }
    public Action<string>? Progress { get; init; }
    /// <summary>Extra client HOCON for every connection the bench opens (the CLI's TLS flags).</summary>
    public Akka.Configuration.Config? ConnectionOverrides { get; init; }
    /// <summary>The user every connection logs in as (the CLI's --username), when the cluster's security is on.</summary>
    public ClientCredentials? Credentials { get; init; }
}

/// <param name="FirstFailure">Why the first failed record failed: a run that failed must say why, not only how often.</param>
/// <param name="Commits">A transactional bench's commits: how many, and how long each took (from the commit call to its end).</param>
public sealed record BenchResult(string Kind, long Messages, long Bytes, TimeSpan Elapsed, long Failed, LatencyRecorder? Latency, string? FirstFailure = null,
    LatencyRecorder? Commits = null)
{
    public double MessagesPerSecond => Messages / Math.Max(1e-9, Elapsed.TotalSeconds);
    public double MegabytesPerSecond => Bytes / 1024.0 / 1024.0 / Math.Max(1e-9, Elapsed.TotalSeconds);

    public override string ToString() =>
        $"{Kind}: {Messages:N0} records in {Elapsed.TotalSeconds:N1} s, {MessagesPerSecond:N0} msgs/s ({MegabytesPerSecond:N1} MB/s)" +
        (Latency is null ? "" : ", " + Latency.Summary()) +
        (Commits is null ? "" : $"; {Commits.Count:N0} transactions, {Commits.Count / Math.Max(1e-9, Elapsed.TotalSeconds):N0}/s, commit p50 {Commits.PercentileMs(0.50):N2} ms, p99 {Commits.PercentileMs(0.99):N2} ms") +
        (Failed > 0 ? $", {Failed:N0} FAILED" + (FirstFailure is null ? "" : $" (first: {FirstFailure})") : "");
}
