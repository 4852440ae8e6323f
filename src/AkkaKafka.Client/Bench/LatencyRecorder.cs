using System.Diagnostics;

namespace AkkaKafka.Client.Bench;

/// <summary>
/// Latencies in microseconds in a fixed histogram (1 µs resolution below 10 ms, then 0.1 ms up to 60 s), so
/// recording millions of samples costs no allocation and percentiles are exact to that resolution.
/// </summary>
public sealed class LatencyRecorder
{
    private const int FineBuckets = 10_000;          // 0..10 ms by 1 µs
    private const int CoarseBuckets = 600_000;       // 10 ms..60 s by 100 µs
    private readonly long[] _fine = new long[FineBuckets];
    private readonly long[] _coarse = new long[CoarseBuckets];
    private long _count;
    private long _maxMicros;

    public long Count => Interlocked.Read(ref _count);

    public static long Now => Stopwatch.GetTimestamp();

    public void RecordSince(long startTimestamp) => Record((long)(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds * 1000));

    public void Record(long micros)
    {
        if (micros < 0) micros = 0;
        if (micros < FineBuckets) Interlocked.Increment(ref _fine[micros]);
        else Interlocked.Increment(ref _coarse[Math.Min(CoarseBuckets - 1, (micros - FineBuckets) / 100)]);
        Interlocked.Increment(ref _count);
        long max;
        while (micros > (max = Interlocked.Read(ref _maxMicros)) && Interlocked.CompareExchange(ref _maxMicros, micros, max) != max) { }
    }

    public double MaxMs => Interlocked.Read(ref _maxMicros) / 1000.0;

    /// <summary>The latency (ms) below which <paramref name="quantile"/> of the samples fall.</summary>
    public double PercentileMs(double quantile)
    {
        var total = Count;
        if (total == 0) return 0;
        var rank = (long)Math.Ceiling(quantile * total);
        long seen = 0;
        for (var i = 0; i < FineBuckets; i++)
            if ((seen += _fine[i]) >= rank) return i / 1000.0;
        for (var i = 0; i < CoarseBuckets; i++)
            if ((seen += _coarse[i]) >= rank) return (FineBuckets + i * 100L) / 1000.0;
        return MaxMs;
    }

    public string Summary() =>
        $"latency p50 {PercentileMs(0.50):N2} ms, p95 {PercentileMs(0.95):N2} ms, p99 {PercentileMs(0.99):N2} ms, max {MaxMs:N2} ms";
}
