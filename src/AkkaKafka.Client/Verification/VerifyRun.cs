using System.Diagnostics;
using AkkaKafka.Protocol;

namespace AkkaKafka.Client.Verification;

/// <summary>What a verify run did and found.</summary>
public sealed record VerifyReport(string Topic, int Partitions, int Producers, TimeSpan Duration, TimeSpan Elapsed, LogCheckResult Result, ChaosSummary? Chaos);

/// <summary>
/// <c>akkakafka verify</c>, Jepsen-style: producers write keyed, sequenced records (acks=all) for the duration while a
/// live consumer reads them and, with chaos, brokers are killed, frozen and stopped; then the producers drain, every
/// partition is read again from its start, and <see cref="LogChecker"/> compares the three histories.
/// </summary>
public static class VerifyRun
{
    private static readonly TimeSpan SetupWithin = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan FinalReadWithin = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan CatchUpWithin = TimeSpan.FromSeconds(30);

    /// <summary>Runs the check. Cancelling <paramref name="ct"/> (Ctrl-C) ends the producing early; the check still runs.</summary>
    public static async Task<VerifyReport> RunAsync(ClusterConnection connection, VerifyOptions options, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        var (topic, partitions) = await EnsureTopicAsync(new AdminClient(connection), options, ct);
        options.Progress($"verify: topic {topic} ({partitions} partitions), {options.Producers} producers at {options.Rate} records/s for {options.Duration.TotalSeconds:0}s");

        var recorder = new DeliveryRecorder();
        var consumer = new LiveConsumer(connection, recorder);
        await consumer.StartAsync(topic, SetupWithin);
        var interval = TimeSpan.FromSeconds((double)options.Producers / options.Rate);
        var producers = Enumerable.Range(1, options.Producers)
            .Select(id => new SequencedProducer(id, connection, topic, options.KeysPerProducer, interval, options.Window, recorder))
            .ToList();
        producers.ForEach(p => p.Start());

        var summary = await RunForDurationAsync(options, () => $"[{clock.Elapsed:mm\\:ss}] sent {recorder.SentCount}, acknowledged {recorder.AckCount}, " +
                                                            $"failed {recorder.FailedCount}, unknown {recorder.UnknownCount}, read live {recorder.LiveReadCount}",
            "the producers", ct);

        // A record may wait for a broker up to the client's delivery timeout: only after that is its fate unknown.
        var drain = connection.Settings.DeliveryTimeout + TimeSpan.FromSeconds(10);
        options.Progress($"[{clock.Elapsed:mm\\:ss}] producing stopped; waiting (at most {drain.TotalSeconds:0}s) for every record's fate");
        await Task.WhenAll(producers.Select(p => p.StopAsync(drain)));
        options.Progress($"[{clock.Elapsed:mm\\:ss}] reading every partition from its start");
        var final = await LogReader.ReadAsync(connection, topic, Enumerable.Range(0, partitions).ToList(), FinalReadWithin);
        await consumer.CatchUpAsync(final, CatchUpWithin);
        await consumer.StopAsync();
        var result = recorder.Check(final);
        return new VerifyReport(topic, partitions, options.Producers, options.Duration, clock.Elapsed, result, summary);
    }

    /// <summary>
    /// The traffic's duration, with the chaos alongside when asked: a progress line every interval; cancelling
    /// <paramref name="ct"/> (Ctrl-C) ends it early and the check still runs.
    /// </summary>
    internal static async Task<ChaosSummary?> RunForDurationAsync(VerifyOptions options, Func<string> progress, string writers, CancellationToken ct)
    {
        using var stopChaos = new CancellationTokenSource();
        Task<ChaosSummary>? chaos = options.Chaos is { } c ? new Chaos(c, options.Progress).RunAsync(stopChaos.Token) : null;
        var end = DateTime.UtcNow + options.Duration;
        try
        {
            while (DateTime.UtcNow < end)
            {
                var left = end - DateTime.UtcNow;
                await Task.Delay(left < options.ProgressInterval ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : options.ProgressInterval, ct);
                options.Progress(progress());
            }
        }
        catch (OperationCanceledException)
        {
            options.Progress($"interrupted: stopping {writers} and checking what was written so far");
        }
        await stopChaos.CancelAsync();
        return chaos is null ? null : await chaos;
    }

    /// <summary>The given topic (created if missing) or a fresh verify-RANDOM one, and its partition count.</summary>
    internal static async Task<(string Topic, int Partitions)> EnsureTopicAsync(AdminClient admin, VerifyOptions options, CancellationToken ct)
    {
        var topic = options.Topic ?? $"verify-{Guid.NewGuid().ToString("N")[..8]}";
        var deadline = DateTime.UtcNow + SetupWithin;
        if (options.Topic is not null && (await admin.MetadataAsync([topic], ct: ct)).Topic(topic) is { } existing)
            return (topic, existing.Partitions.Count);
        var created = await Retry.UntilAsync(deadline, async () =>
        {
            var answer = await admin.CreateTopicAsync(topic, options.Partitions, ct: ct);
            // No controller yet, or one failing over: ask again. Anything else is the answer.
            if (answer.Error.IsRetriable()) throw new KafkaException(answer.Error, answer.Message);
            return answer;
        }, ct);
        if (created.Error == ErrorCode.TopicAlreadyExists && (await admin.MetadataAsync([topic], ct: ct)).Topic(topic) is { } raced)
            return (topic, raced.Partitions.Count);
        if (!created.IsSuccess) throw new KafkaException(created.Error, $"cannot create topic '{topic}': {created.Message}");
        return (topic, options.Partitions);
    }
}
