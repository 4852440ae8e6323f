using System.Diagnostics;
using System.Text;
using AkkaKafka.Client.Consumer;
using AkkaKafka.Client.Producer;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Client.Verification;

/// <summary>What a <c>verify --transactions</c> run did and found.</summary>
public sealed record TransactionVerifyReport(string Topic, int Partitions, int Producers, TimeSpan Duration, TimeSpan Elapsed,
    TransactionCheckResult Result, ChaosSummary? Chaos);

/// <summary>
/// <c>akkakafka verify --transactions</c>, Jepsen's Kafka workload: transactional writers (one transactional id each)
/// run transactions of random sizes over the topic's partitions and commit or abort them at random, while live
/// read_committed readers record what they are handed and when; with chaos, brokers are killed, frozen and stopped.
/// Then every writer's transactional id is settled, an end mark (a plain record) goes to every partition, everything is
/// read again with read_committed up to the marks, and <see cref="TransactionChecker"/> judges the history.
/// The connection must read committed (akkakafka.client.isolation-level = read_committed).
/// </summary>
public static class TransactionalVerifyRun
{
    private static readonly TimeSpan SetupWithin = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan FinalReadWithin = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan CatchUpWithin = TimeSpan.FromSeconds(30);
    private const int Readers = 2;
    /// <summary>The end mark of a partition: written once every transaction is settled, so reading up to it reads everything.</summary>
    private const string EndMark = "verify-end-of-run";

    public static async Task<TransactionVerifyReport> RunAsync(ClusterConnection connection, VerifyOptions options, CancellationToken ct = default)
    {
        if (connection.Settings.IsolationLevel != IsolationLevel.ReadCommitted)
            throw new ArgumentException("verify --transactions reads with akkakafka.client.isolation-level = read_committed", nameof(connection));
        var clock = Stopwatch.StartNew();
        var (topic, partitions) = await VerifyRun.EnsureTopicAsync(new AdminClient(connection), options, ct);
        options.Progress($"verify --transactions: topic {topic} ({partitions} partitions), {options.Producers} transactional writers at {options.Rate} records/s, " +
                         $"transactions of 1 to {options.MaxTransactionSize} records, for {options.Duration.TotalSeconds:0}s");

        var readers = Enumerable.Range(1, Readers).Select(i => new CommittedReader(connection, $"verify-reader-{i}")).ToList();
        foreach (var reader in readers) await reader.StartAsync(topic, SetupWithin);
        var interval = TimeSpan.FromSeconds((double)options.Producers / options.Rate);
        var history = new TransactionHistory();
        using var stopWriting = new CancellationTokenSource();
        var writers = Enumerable.Range(1, options.Producers)
            .Select(id => new TransactionalWriter(connection, topic, partitions, $"{topic}-writer-{id}", interval, options.MaxTransactionSize, history, options.Progress))
            .ToList();
        var running = writers.Select(w => w.RunAsync(stopWriting.Token)).ToList();

        var summary = await VerifyRun.RunForDurationAsync(options, () => $"[{clock.Elapsed:mm\\:ss}] {history.Summary}, read live {readers.Sum(r => r.Count)}",
            "the writers", ct);

        // A transaction ends within the client's delivery timeout (its commit or abort gives up then: outcome unknown).
        await stopWriting.CancelAsync();
        var drain = connection.Settings.DeliveryTimeout + TimeSpan.FromSeconds(30);
        options.Progress($"[{clock.Elapsed:mm\\:ss}] writing stopped; waiting (at most {drain.TotalSeconds:0}s) for every transaction's end");
        await Task.WhenAll(running).WaitAsync(drain, CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
        // A transaction of unknown outcome may still be open at its coordinator: a new producer of its id completes it
        // (InitProducerId aborts an open transaction, and waits for one being committed), so the log stops changing.
        foreach (var writer in writers) await writer.SettleAsync(SetupWithin);
        var marks = await WriteEndMarksAsync(connection, topic, partitions, SetupWithin);

        options.Progress($"[{clock.Elapsed:mm\\:ss}] reading every partition from its start (read_committed)");
        var final = await ReadCommittedAsync(connection, topic, partitions, marks, FinalReadWithin);
        var caughtUp = DateTime.UtcNow + CatchUpWithin;
        foreach (var reader in readers) await reader.CatchUpAsync(marks, caughtUp);
        foreach (var reader in readers) await reader.StopAsync();
        var result = TransactionChecker.Check(history.Transactions, readers.Select(r => r.Entries).ToList(), final);
        return new TransactionVerifyReport(topic, partitions, options.Producers, options.Duration, clock.Elapsed, result, summary);
    }

    private static bool IsEndMark(string value) => value.StartsWith(EndMark, StringComparison.Ordinal);

    /// <summary>A plain record at the end of every partition, written after every transaction ended: its offset, by partition.</summary>
    private static async Task<IReadOnlyDictionary<int, long>> WriteEndMarksAsync(ClusterConnection connection, string topic, int partitions, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        await using var producer = new Producer.Producer(connection, Acks.All, "verify-end-marks", transactionalId: null);
        var marks = new Dictionary<int, long>();
        for (var p = 0; p < partitions; p++)
        {
            var partition = p;
            var written = await Retry.UntilAsync(deadline, () => producer.SendAsync(new ProducerRecord(topic, Encoding.UTF8.GetBytes($"{EndMark}-{partition}"), Partition: partition)));
            marks[p] = written.Offset;
        }
        return marks;
    }

    /// <summary>Every partition read with read_committed from its start up to its end mark (a partition out of time comes back short).</summary>
    private static async Task<IReadOnlyList<PartitionRead>> ReadCommittedAsync(ClusterConnection connection, string topic, int partitions,
        IReadOnlyDictionary<int, long> marks, TimeSpan within)
    {
        var reader = new CommittedReader(connection, "verify-final-reader");
        await reader.StartAsync(topic, within);
        await reader.CatchUpAsync(marks, DateTime.UtcNow + within);
        await reader.StopAsync();
        return Enumerable.Range(0, partitions)
            .Select(p => new PartitionRead(p, 0, marks[p], reader.Entries.Where(e => e.Partition == p).Select(e => new LogEntry(e.Offset, e.Value)).ToList()))
            .ToList();
    }

    /// <summary>Every transaction the writers ran, as they were told it ended.</summary>
    private sealed class TransactionHistory
    {
        private readonly List<TransactionRecord> _transactions = [];
        private int _committed, _aborted, _unknown;

        public void Add(TransactionRecord transaction)
        {
            lock (_transactions) _transactions.Add(transaction);
            _ = transaction.Outcome switch
            {
                TransactionOutcome.Committed => Interlocked.Increment(ref _committed),
                TransactionOutcome.Aborted => Interlocked.Increment(ref _aborted),
                _ => Interlocked.Increment(ref _unknown),
            };
        }

        public IReadOnlyList<TransactionRecord> Transactions
        {
            get
            {
                lock (_transactions) return _transactions.ToList();
            }
        }

        public string Summary => $"transactions committed {_committed}, aborted {_aborted}, unknown {_unknown}";
    }

    /// <summary>
    /// One transactional id's writer: begin, a random number of records to random partitions (paced to the rate),
    /// then commit or (one in four) abort. A commit refused because a record failed is aborted instead. A producer
    /// that can no longer tell (fenced, no answer in time) leaves the transaction unknown and is replaced.
    /// </summary>
    private sealed class TransactionalWriter(ClusterConnection connection, string topic, int partitions, string transactionalId, TimeSpan interval,
        int maxSize, TransactionHistory history, Action<string> progress)
    {
        private readonly Random _random = new();
        private Producer.Producer? _producer;
        private bool _unsettled;
        private int _transactions;

        public async Task RunAsync(CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    _producer ??= await StartProducerAsync(TimeSpan.FromMinutes(2), stop);
                    await RunOneAsync(_producer);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
                catch (Exception e)
                {
                    progress($"writer {transactionalId}: {e.Message}; starting a new producer");
                    await ReplaceProducerAsync();
                }
            }
            if (_producer is not null) await _producer.DisposeAsync();
            _producer = null;
        }

        private async Task<Producer.Producer> StartProducerAsync(TimeSpan within, CancellationToken ct)
        {
            var deadline = DateTime.UtcNow + within;
            return await Retry.UntilAsync(deadline, async () =>
            {
                var producer = new Producer.Producer(connection, Acks.All, transactionalId, transactionalId);
                try
                {
                    await producer.InitTransactionsAsync();
                    _unsettled = false;
                    return producer;
                }
                catch (Exception)
                {
                    await producer.DisposeAsync();
                    throw;
                }
            }, ct);
        }

        private async Task ReplaceProducerAsync()
        {
            _unsettled = true;
            if (_producer is not null) await _producer.DisposeAsync();
            _producer = null;
        }

        private async Task RunOneAsync(Producer.Producer producer)
        {
            producer.BeginTransaction();
            var number = ++_transactions;
            var values = Enumerable.Range(0, _random.Next(1, maxSize + 1)).Select(i => $"{transactionalId}-{number}-{i}").ToList();
            foreach (var value in values)
            {
                // Records fail on their own only with the transaction (the commit is then refused and it is aborted).
                producer.Send(new ProducerRecord(topic, Encoding.UTF8.GetBytes(value), Partition: _random.Next(partitions)));
                await Task.Delay(interval);
            }
            var abort = _random.Next(4) == 0;
            var endRequestedAt = Stopwatch.GetTimestamp();
            var outcome = await EndAsync(producer, abort);
            history.Add(new TransactionRecord($"{transactionalId}-{number}", values, outcome, endRequestedAt));
            if (outcome == TransactionOutcome.Unknown) await ReplaceProducerAsync();
        }

        private static async Task<TransactionOutcome> EndAsync(Producer.Producer producer, bool abort)
        {
            if (!abort)
                try
                {
                    await producer.CommitTransactionAsync();
                    return TransactionOutcome.Committed;
                }
                catch (Exception)
                {
                    // Refused before EndTxn was sent (a record failed): it can be aborted. After EndTxn was sent, the
                    // producer is fatal and the abort below fails: unknown.
                }
            try
            {
                await producer.AbortTransactionAsync();
                return TransactionOutcome.Aborted;
            }
            catch (Exception)
            {
                return TransactionOutcome.Unknown;
            }
        }

        /// <summary>After an unknown outcome, a new producer of the id completes whatever its coordinator still holds open.</summary>
        public async Task SettleAsync(TimeSpan within)
        {
            if (!_unsettled) return;
            await using var producer = await StartProducerAsync(within, CancellationToken.None);
        }
    }

    /// <summary>
    /// A read_committed consumer of every partition from the earliest offset, recording each record with the moment it
    /// was handed over (Stopwatch ticks, the writers' clock), end marks apart.
    /// </summary>
    private sealed class CommittedReader(ClusterConnection connection, string clientId)
    {
        private readonly Consumer.Consumer _consumer = new(connection, clientId);
        private readonly CancellationTokenSource _stop = new();
        private readonly List<ReadEntry> _entries = [];
        private readonly Dictionary<int, long> _marksSeen = new();
        private Task _loop = Task.CompletedTask;

        public int Count
        {
            get
            {
                lock (_entries) return _entries.Count;
            }
        }

        public IReadOnlyList<ReadEntry> Entries
        {
            get
            {
                lock (_entries) return _entries.ToList();
            }
        }

        public async Task StartAsync(string topic, TimeSpan within)
        {
            var deadline = DateTime.UtcNow + within;
            await Retry.UntilAsync(deadline, () => _consumer.AssignAsync(topic, new StartPosition.Earliest()));
            _loop = Task.Run(async () =>
            {
                try
                {
                    await foreach (var r in _consumer.ReadAllAsync(_stop.Token))
                    {
                        var at = Stopwatch.GetTimestamp();
                        var value = Encoding.UTF8.GetString(r.Value ?? []);
                        lock (_entries)
                        {
                            if (IsEndMark(value)) _marksSeen[r.Partition] = r.Offset;
                            else _entries.Add(new ReadEntry(r.Partition, r.Offset, value, at));
                        }
                    }
                }
                catch (OperationCanceledException) { }
            });
        }

        /// <summary>Waits (until <paramref name="deadline"/>) for every partition's end mark; false if one did not come.</summary>
        public async Task<bool> CatchUpAsync(IReadOnlyDictionary<int, long> marks, DateTime deadline)
        {
            while (true)
            {
                lock (_entries)
                    if (marks.All(m => _marksSeen.GetValueOrDefault(m.Key, -1) >= m.Value)) return true;
                if (DateTime.UtcNow >= deadline) return false;
                await Task.Delay(200);
            }
        }

        public Task StopAsync() => LiveConsumer.StopAsync(_stop, _loop, _consumer);
    }
}
