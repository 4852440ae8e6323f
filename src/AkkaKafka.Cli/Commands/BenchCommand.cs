using System.CommandLine;
using System.Diagnostics;
using AkkaKafka.Client;
using AkkaKafka.Client.Consumer;
using AkkaKafka.Client.Producer;
using AkkaKafka.Protocol;

namespace AkkaKafka.Cli.Commands;

/// <summary>`akkakafka bench produce|consume`, in the spirit of kafka-producer-perf-test and kafka-consumer-perf-test.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Measure throughput and latency against a running cluster");
        bench.Subcommands.Add(ProduceBench());
        bench.Subcommands.Add(ConsumeBench());
        return bench;
    }

    private static Command ProduceBench()
    {
        var messages = new Option<long>("--messages") { DefaultValueFactory = _ => 1_000_000, Description = "Records to send" };
        var size = new Option<int>("--size") { DefaultValueFactory = _ => 100, Description = "Value size in bytes" };
        var topic = new Option<string>("--topic") { DefaultValueFactory = _ => "bench", Description = "Topic (auto-created)" };
        var acks = new Option<string>("--acks") { DefaultValueFactory = _ => "all" };
        var bootstrap = CommonOptions.Bootstrap();
        var timeout = CommonOptions.Timeout();
        var command = new Command("produce", "Send records as fast as acknowledgements allow; prints msgs/s, MB/s and latency percentiles")
        {
            messages, size, topic, acks, bootstrap, timeout,
        };
        command.SetAction((r, ct) => CommonOptions.RunAsync(() => CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, r.GetValue(timeout), async connection =>
        {
            if (!AcksParser.TryParse(r.GetValue(acks)!, out var ackMode)) throw new UsageException("--acks must be 0, 1 or all");
            var n = r.GetValue(messages);
            var value = new byte[r.GetValue(size)];
            Random.Shared.NextBytes(value);
            await using var producer = new Producer(connection, ackMode, "bench-producer");
            var latencies = new long[n];
            var window = new SemaphoreSlim(200_000);
            var failures = 0L;
            var done = 0L;
            var clock = Stopwatch.StartNew();
            using var progress = new Timer(_ => Console.Error.WriteLine(
                $"{Interlocked.Read(ref done):N0} records acknowledged, {Interlocked.Read(ref done) / Math.Max(0.001, clock.Elapsed.TotalSeconds):N0} msgs/s"),
                null, 1000, 1000);
            var tasks = new List<Task>();
            for (long i = 0; i < n; i++)
            {
                await window.WaitAsync(ct);
                var index = i;
                var sent = clock.ElapsedTicks;
                tasks.Add(producer.SendAsync(new ProducerRecord(r.GetValue(topic)!, value)).ContinueWith(t =>
                {
                    latencies[index] = clock.ElapsedTicks - sent;
                    if (t.IsFaulted) Interlocked.Increment(ref failures);
                    Interlocked.Increment(ref done);
                    window.Release();
                }, TaskContinuationOptions.ExecuteSynchronously));
                if (tasks.Count >= 100_000) { tasks.RemoveAll(t => t.IsCompleted); }
            }
            await Task.WhenAll(tasks);
            await producer.FlushAsync();
            var seconds = clock.Elapsed.TotalSeconds;
            Array.Sort(latencies);
            double Ms(double q) => latencies[(int)Math.Min(n - 1, q * n)] * 1000.0 / Stopwatch.Frequency;
            Console.WriteLine($"{n:N0} records sent, {n / seconds:N0} msgs/s ({n * (double)value.Length / seconds / 1024 / 1024:N1} MB/s), " +
                              $"latency p50 {Ms(0.50):N1} ms, p95 {Ms(0.95):N1} ms, p99 {Ms(0.99):N1} ms, max {Ms(1.0 - 1e-12):N1} ms, failed {failures}");
            return failures == 0 ? 0 : 1;
        })));
        return command;
    }

    private static Command ConsumeBench()
    {
        var messages = new Option<long>("--messages") { DefaultValueFactory = _ => 1_000_000, Description = "Records to read" };
        var topic = new Option<string>("--topic") { DefaultValueFactory = _ => "bench" };
        var bootstrap = CommonOptions.Bootstrap();
        var timeout = CommonOptions.Timeout();
        var command = new Command("consume", "Read records from the beginning as fast as possible; prints msgs/s and MB/s") { messages, topic, bootstrap, timeout };
        command.SetAction((r, ct) => CommonOptions.RunAsync(() => CommonOptions.WithConnectionAsync(r.GetValue(bootstrap)!, r.GetValue(timeout), async connection =>
        {
            var n = r.GetValue(messages);
            await using var consumer = new Consumer(connection, "bench-consumer");
            await consumer.AssignAsync(r.GetValue(topic)!, new StartPosition.Earliest(), ct: ct);
            var clock = Stopwatch.StartNew();
            long count = 0, bytes = 0;
            await foreach (var record in consumer.ReadAllAsync(ct))
            {
                bytes += record.Value?.Length ?? 0;
                if (++count >= n) break;
            }
            var seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"{count:N0} records read, {count / seconds:N0} msgs/s ({bytes / seconds / 1024 / 1024:N1} MB/s)");
            return 0;
        })));
        return command;
    }
}
