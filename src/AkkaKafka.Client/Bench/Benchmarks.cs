using System.Buffers.Binary;
using System.Diagnostics;
using Akka.Configuration;
using AkkaKafka.Client.Consumer;
using AkkaKafka.Client.Producer;
using AkkaKafka.Protocol;

namespace AkkaKafka.Client.Bench;

/// <summary>
/// Throughput and latency measurements against a running cluster, in the spirit of kafka-producer-perf-test and
/// kafka-consumer-perf-test. Each producer has its own client ActorSystem, as separate producer processes would.
/// </summary>
public static class Benchmarks
{
    public static async Task EnsureTopicAsync(BenchOptions options, CancellationToken ct)
    {
        await using var connection = await ConnectAsync(options);
        var admin = new AdminClient(connection);
        // A topic that exists is used as it is: asked to create it, a user who may write it but not create it would be
        // refused, and one who may not write it would be told it "may not create" it instead of that.
        if ((await admin.MetadataAsync([options.Topic], ct: ct)).Topic(options.Topic) is not null) return;
        var result = await admin.CreateTopicAsync(options.Topic, options.Partitions, ct: ct);
        if (!result.IsSuccess && result.Error != ErrorCode.TopicAlreadyExists)
            throw new KafkaException(result.Error, result.Message);
    }

    private static async Task<ClusterConnection> ConnectAsync(BenchOptions options)
    {
        var connection = ClusterConnection.Create(options.Bootstrap, ConfigurationFactory.ParseString(
                $"akkakafka.client.request-timeout = {(int)options.RequestTimeout.TotalMilliseconds}ms")
            .WithFallback(options.ConnectionOverrides ?? Akka.Configuration.Config.Empty), credentials: options.Credentials);
        try
        {
            await connection.AuthenticateAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Sends <see cref="BenchOptions.Messages"/> records of <see cref="BenchOptions.Size"/> bytes; latency is send to
    /// acknowledgement. With <see cref="BenchOptions.TransactionSize"/>, each producer is transactional (its own
    /// transactional id) and commits every that many records, waiting for the commit before the next transaction, as a
    /// consume-transform-produce loop does: the commits' count and durations are the cost of a transaction at that size.
    /// </summary>
    public static async Task<BenchResult> ProduceAsync(BenchOptions options, CancellationToken ct)
    {
        await EnsureTopicAsync(options, ct);
        var transactional = options.TransactionSize > 0;
        var commits = transactional ? new LatencyRecorder() : null;
        var run = Guid.NewGuid().ToString("N")[..8];
        var latency = new LatencyRecorder();
        long failed = 0;
        string? firstFailure = null;
        var clock = Stopwatch.StartNew();
        using var progress = StartProgress(options, "produced", () => latency.Count, clock);
        var perProducer = options.Messages / options.Producers;
        await Task.WhenAll(Enumerable.Range(0, options.Producers).Select(i => Task.Run(async () =>
        {
            var count = perProducer + (i == 0 ? options.Messages % options.Producers : 0);
            await using var connection = await ConnectAsync(options);
            await using var producer = new Producer.Producer(connection, options.Acks, $"bench-producer-{i}",
                transactional ? $"bench-{options.Topic}-{run}-{i}" : null);
            if (transactional) await producer.InitTransactionsAsync().WaitAsync(ct);
            var value = new byte[options.Size];
            Random.Shared.NextBytes(value);
            var rate = options.Throughput > 0 ? options.Throughput / (double)options.Producers : 0;
            DeliveryCallbackWithState onAcknowledged = (sent, _, error) =>
            {
                latency.RecordSince(sent);
                if (error is null) return;
                Interlocked.Increment(ref failed);
                Interlocked.CompareExchange(ref firstFailure, error.Message, null);
            };
            var started = Stopwatch.GetTimestamp();
            for (long n = 0; n < count; n++)
            {
                ct.ThrowIfCancellationRequested();
                if (rate > 0)
                {
                    // Pace to the target rate: never ahead of where the schedule says we should be.
                    var due = n / rate;
                    var ahead = due - Stopwatch.GetElapsedTime(started).TotalSeconds;
                    if (ahead > 0.001) await Task.Delay(TimeSpan.FromSeconds(ahead), ct);
                }
                if (transactional && n % options.TransactionSize == 0) producer.BeginTransaction();
                // As kafka-producer-perf-test: a callback per record for its latency (one shared callback, the send
                // time handed back to it), no Task; the producer's buffer memory bounds how many are outstanding.
                producer.Send(new ProducerRecord(options.Topic, value), Stopwatch.GetTimestamp(), onAcknowledged);
                if (transactional && (n + 1 == count || (n + 1) % options.TransactionSize == 0))
                {
                    var committing = Stopwatch.GetTimestamp();
                    await producer.CommitTransactionAsync().WaitAsync(ct);
                    commits!.RecordSince(committing);
                }
            }
            await producer.FlushAsync();
        }, ct)));
        clock.Stop();
        var kind = transactional ? $"produce (transactional, {options.TransactionSize:N0} records per transaction)" : "produce";
        return new BenchResult(kind, options.Messages, options.Messages * options.Size, clock.Elapsed, failed, latency, firstFailure, commits);
    }

    /// <summary>Reads <see cref="BenchOptions.Messages"/> records from the beginning of the topic as fast as possible.</summary>
    public static async Task<BenchResult> ConsumeAsync(BenchOptions options, CancellationToken ct)
    {
        await using var connection = await ConnectAsync(options);
        await using var consumer = new Consumer.Consumer(connection, "bench-consumer");
        await consumer.AssignAsync(options.Topic, new StartPosition.Earliest(), ct: ct);
        long count = 0, bytes = 0;
        var clock = Stopwatch.StartNew();
        using var progress = StartProgress(options, "consumed", () => Interlocked.Read(ref count), clock);
        await foreach (var record in consumer.ReadAllAsync(ct))
        {
            bytes += record.Value?.Length ?? 0;
            if (Interlocked.Increment(ref count) >= options.Messages) break;
        }
        clock.Stop();
        return new BenchResult("consume", count, bytes, clock.Elapsed, 0, null);
    }

    /// <summary>
    /// A producer and a consumer at once; latency is from handing a record to the producer to the consumer reading it.
    /// Each value carries its send timestamp in its first 8 bytes (same machine, same clock).
    /// </summary>
    public static async Task<BenchResult> EndToEndAsync(BenchOptions options, CancellationToken ct)
    {
        await EnsureTopicAsync(options, ct);
        await using var consumerConnection = await ConnectAsync(options);
        await using var consumer = new Consumer.Consumer(consumerConnection, "bench-e2e-consumer");
        await consumer.AssignAsync(options.Topic, new StartPosition.Latest(), ct: ct);
        var latency = new LatencyRecorder();
        var clock = Stopwatch.StartNew();
        using var progress = StartProgress(options, "delivered", () => latency.Count, clock);
        var reading = Task.Run(async () =>
        {
            await foreach (var record in consumer.ReadAllAsync(ct))
            {
                if (record.Value is { Length: >= 8 } v)
                    latency.Record((long)Stopwatch.GetElapsedTime(BinaryPrimitives.ReadInt64LittleEndian(v)).TotalMicroseconds);
                if (latency.Count >= options.Messages) return;
            }
        }, ct);
        long failed = 0;
        await using (var connection = await ConnectAsync(options))
        await using (var producer = new Producer.Producer(connection, options.Acks, "bench-e2e-producer"))
        {
            var rate = options.Throughput > 0 ? options.Throughput : 0;
            DeliveryCallback onAcknowledged = (_, error) =>
            {
                if (error is not null) Interlocked.Increment(ref failed);
            };
            for (long n = 0; n < options.Messages; n++)
            {
                if (rate > 0)
                {
                    var ahead = n / (double)rate - clock.Elapsed.TotalSeconds;
                    if (ahead > 0.001) await Task.Delay(TimeSpan.FromSeconds(ahead), ct);
                }
                var value = new byte[Math.Max(8, options.Size)];
                BinaryPrimitives.WriteInt64LittleEndian(value, Stopwatch.GetTimestamp());
                producer.Send(new ProducerRecord(options.Topic, value), onAcknowledged);
            }
            await producer.FlushAsync();
        }
        var finished = await Task.WhenAny(reading, Task.Delay(options.RequestTimeout, ct));
        clock.Stop();
        return new BenchResult("end-to-end", latency.Count, latency.Count * options.Size, clock.Elapsed, failed + (options.Messages - latency.Count), latency);
    }

    private static Timer StartProgress(BenchOptions options, string verb, Func<long> done, Stopwatch clock) =>
        new(_ =>
        {
            var n = done();
            options.Progress?.Invoke($"{n:N0} {verb} ({100.0 * n / Math.Max(1, options.Messages):N0}%), {n / Math.Max(0.001, clock.Elapsed.TotalSeconds):N0} msgs/s");
        }, null, 1000, 1000);
}
