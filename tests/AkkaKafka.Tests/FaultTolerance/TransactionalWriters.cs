using System.Diagnostics;
using AkkaKafka.Client.Verification;
using Confluent.Kafka;
using KafkaException = Confluent.Kafka.KafkaException;

namespace AkkaKafka.Tests.FaultTolerance;

/// <summary>
/// Jepsen's Kafka workload's writers on Confluent.Kafka: each writer (its own transactional.id) runs transactions of
/// 1–10 records, value "t{id}-{seq}" each to a random partition, and commits three in four, aborting the rest; each
/// transaction is recorded with how it ended as the writer was told (<see cref="TransactionRecord"/>) for
/// <see cref="TransactionChecker"/>. A writer that cannot tell how a transaction ended (commit timed out, fenced)
/// records it as unknown and starts a new producer, whose InitTransactions settles it either way.
/// </summary>
public sealed class TransactionalWriters(string bootstrap, string topic, int partitions, int writers, int seed)
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);
    private readonly List<TransactionRecord> _transactions = [];
    private readonly List<Task> _loops = [];
    private readonly CancellationTokenSource _stop = new();

    public IReadOnlyList<TransactionRecord> Transactions
    {
        get
        {
            lock (_transactions) return _transactions.ToList();
        }
    }

    public int Count(TransactionOutcome outcome)
    {
        lock (_transactions) return _transactions.Count(t => t.Outcome == outcome);
    }

    public void Start()
    {
        for (var w = 1; w <= writers; w++)
        {
            var id = w;
            _loops.Add(Task.Factory.StartNew(() => Run(id, new Random(seed + id)), TaskCreationOptions.LongRunning));
        }
    }

    /// <summary>Stops after each writer's current transaction has ended and a fresh producer settled an unknown last one.</summary>
    public async Task StopAsync(TimeSpan within)
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops).WaitAsync(within);
    }

    private void Run(int id, Random random)
    {
        var sequence = 0;
        var producer = NewProducer(id);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var values = Enumerable.Range(0, random.Next(1, 11)).Select(_ => $"t{id}-{sequence++}").ToList();
                var commit = random.Next(4) != 0;
                var (outcome, endAsked) = RunOne(producer, values, commit, random);
                lock (_transactions) _transactions.Add(new TransactionRecord($"t{id}-txn{_transactions.Count}", values, outcome, endAsked));
                if (outcome == TransactionOutcome.Unknown)
                {
                    producer.Dispose();
                    producer = NewProducer(id);
                }
                Thread.Sleep(random.Next(5, 30));
            }
        }
        finally
        {
            producer.Dispose();
        }
    }

    private (TransactionOutcome, long EndAsked) RunOne(IProducer<Null, string> producer, List<string> values, bool commit, Random random)
    {
        var endAsked = long.MaxValue;
        try
        {
            producer.BeginTransaction();
            foreach (var value in values)
                producer.Produce(new TopicPartition(topic, random.Next(partitions)), new Message<Null, string> { Value = value });
            endAsked = Stopwatch.GetTimestamp();
            if (commit) Retrying(() => producer.CommitTransaction(CallTimeout));
            else Retrying(() => producer.AbortTransaction(CallTimeout));
            return (commit ? TransactionOutcome.Committed : TransactionOutcome.Aborted, endAsked);
        }
        catch (KafkaTxnRequiresAbortException)
        {
            // A record was not delivered (or the commit was refused): abort, as librdkafka asks.
            endAsked = Math.Min(endAsked, Stopwatch.GetTimestamp());
            try
            {
                Retrying(() => producer.AbortTransaction(CallTimeout));
                return (TransactionOutcome.Aborted, endAsked);
            }
            catch (KafkaException)
            {
                return (TransactionOutcome.Unknown, endAsked);
            }
        }
        catch (KafkaException)
        {
            // Fenced, or the commit's answer never came: the transaction may be committed or not.
            return (TransactionOutcome.Unknown, Math.Min(endAsked, Stopwatch.GetTimestamp()));
        }
    }

    /// <summary>A producer with its transactions initialized; InitTransactions is asked again while the cluster is failing over.</summary>
    private IProducer<Null, string> NewProducer(int id)
    {
        for (var attempt = 1; ; attempt++)
        {
            var producer = new ProducerBuilder<Null, string>(new ProducerConfig
                {
                    BootstrapServers = bootstrap,
                    TransactionalId = $"chaos-writer-{id}",
                    EnableIdempotence = true,
                    Acks = Acks.All,
                    LingerMs = 5,
                    // Short, so that a transaction its writer lost track of is aborted by the coordinator soon, and the
                    // readers' last stable offset moves on.
                    TransactionTimeoutMs = 10_000,
                    MessageTimeoutMs = 10_000,
                    RequestTimeoutMs = 5_000,
                    SocketTimeoutMs = 10_000,
                    ClientId = $"chaos-writer-{id}",
                })
                .SetLogHandler((_, _) => { })
                .SetErrorHandler((_, _) => { })
                .Build();
            try
            {
                producer.InitTransactions(CallTimeout);
                return producer;
            }
            catch (KafkaException) when (attempt < 10)
            {
                producer.Dispose();
            }
        }
    }

    private static void Retrying(Action call) => TransactionalCalls.Retrying(call, attempts: 10);
}

/// <summary>
/// A read_committed Confluent.Kafka consumer assigned every partition from the beginning, recording what it is handed
/// and when (<see cref="ReadEntry"/>); and the final read_committed read of every partition to its high watermark.
/// </summary>
public sealed class CommittedReader(string bootstrap, string topic, int partitions)
{
    private readonly List<ReadEntry> _read = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public IReadOnlyList<ReadEntry> Read
    {
        get
        {
            lock (_read) return _read.ToList();
        }
    }

    public void Start() => _loop = Task.Factory.StartNew(() =>
    {
        using var consumer = NewConsumer(bootstrap);
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        while (!_stop.IsCancellationRequested)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not { IsPartitionEOF: false } r) continue;
            lock (_read) _read.Add(new ReadEntry(r.Partition.Value, r.Offset.Value, r.Message.Value, Stopwatch.GetTimestamp()));
        }
    }, TaskCreationOptions.LongRunning);

    public async Task StopAsync(TimeSpan within)
    {
        await _stop.CancelAsync();
        if (_loop is not null) await _loop.WaitAsync(within);
    }

    /// <summary>
    /// Every partition read with read_committed from its start until the consumer's position reaches the partition's
    /// high watermark: the last stable offset has caught up with the log (no transaction left open), so nothing
    /// committed is still held back. Bounded by <paramref name="within"/>; what was read by then is returned.
    /// </summary>
    public static IReadOnlyList<PartitionRead> ReadToTheEnd(string bootstrap, string topic, int partitions, TimeSpan within)
    {
        using var consumer = NewConsumer(bootstrap);
        // For the log's end: a read_committed consumer's watermark is the last stable offset, not the high watermark.
        using var ends = NewConsumer(bootstrap, IsolationLevel.ReadUncommitted);
        var all = Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)).ToList();
        consumer.Assign(all.Select(tp => new TopicPartitionOffset(tp, Offset.Beginning)));
        var entries = all.ToDictionary(tp => tp.Partition.Value, _ => new List<LogEntry>());
        var deadline = DateTime.UtcNow + within;
        var done = new HashSet<int>();
        var highs = new Dictionary<int, long>();
        while (DateTime.UtcNow < deadline && done.Count < partitions)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (r is { IsPartitionEOF: false })
            {
                entries[r.Partition.Value].Add(new LogEntry(r.Offset.Value, r.Message.Value));
                continue;
            }
            foreach (var tp in all.Where(tp => !done.Contains(tp.Partition.Value)))
            {
                Offset high;
                try
                {
                    high = ends.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(5)).High;
                }
                catch (KafkaException)
                {
                    continue; // asked again on the next idle turn, until the deadline
                }
                var position = consumer.Position(tp);
                if (position != Offset.Unset && position.Value >= high.Value)
                {
                    done.Add(tp.Partition.Value);
                    highs[tp.Partition.Value] = high.Value;
                }
            }
        }
        return all.Select(tp => new PartitionRead(tp.Partition.Value, 0, highs.GetValueOrDefault(tp.Partition.Value, -1), entries[tp.Partition.Value])).ToList();
    }

    private static IConsumer<Null, string> NewConsumer(string bootstrap, IsolationLevel isolation = IsolationLevel.ReadCommitted) =>
        new ConsumerBuilder<Null, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "chaos-committed-" + Guid.NewGuid().ToString("N"),
            IsolationLevel = isolation,
            EnableAutoCommit = false,
            EnablePartitionEof = true,
            SocketTimeoutMs = 10_000,
        })
        .SetLogHandler((_, _) => { })
        .SetErrorHandler((_, _) => { })
        .Build();
}

/// <summary>librdkafka's transactional calls as its documentation says to make them: one that failed with a retriable error is called again.</summary>
internal static class TransactionalCalls
{
    public static void Retrying(Action call, int attempts)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                call();
                return;
            }
            catch (KafkaRetriableException) when (attempt < attempts)
            {
            }
        }
    }
}
