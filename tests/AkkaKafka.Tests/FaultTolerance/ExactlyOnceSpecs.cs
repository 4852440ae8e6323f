using System.Diagnostics;
using AkkaKafka.Client;
using AkkaKafka.Tests.EndToEnd;
using AkkaKafka.Tests.KafkaClients;
using AkkaKafka.Tests.MultiNode.Support;
using Confluent.Kafka;
using KafkaException = Confluent.Kafka.KafkaException;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace AkkaKafka.Tests.FaultTolerance;

/// <summary>
/// Issue 20's exactly-once test: Confluent.Kafka consume-transform-produce (read an input topic in a group, write each
/// record transformed to an output topic and the group's offsets for it in one transaction, SendOffsetsToTransaction)
/// while the broker that runs the transaction and group coordinators (the oldest, beside the controller) is SIGKILLed
/// and restarted, and later the owner of output partitions too. Read with read_committed, the output holds every input
/// record exactly once: aborted attempts are invisible, and committed offsets never run ahead of or behind the output.
/// AKKAKAFKA_EOS_RECORDS sets the input size (100,000 by default, as the issue asks).
/// </summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class ExactlyOnceSpecs(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Input = "eos-input";
    private const string Output = "eos-output";
    private const string Group = "eos-transformer";
    private const int Partitions = 4;
    private static readonly int Records = int.TryParse(Environment.GetEnvironmentVariable("AKKAKAFKA_EOS_RECORDS"), out var n) && n > 0 ? n : 100_000;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    // As CoordinatorFailoverGroupSpecs: a killed broker is downed ~2.5 s after it goes silent.
    private const string FastDowning = """
        akka.cluster.failure-detector.heartbeat-interval = 500ms
        akka.cluster.failure-detector.acceptable-heartbeat-pause = 1s
        akka.cluster.split-brain-resolver.stable-after = 1s
        """;

    private readonly FaultyCluster _cluster = new(3, output, FastDowning, kafka: true);
    private readonly CancellationTokenSource _stop = new();

    public Task InitializeAsync() => _cluster.StartAsync();

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task Consume_transform_produce_writes_every_input_record_exactly_once_while_the_coordinators_broker_and_an_owner_are_killed()
    {
        _cluster.KeepLogs = true;
        var spec = Stopwatch.StartNew();
        var bootstrap = _cluster.Processes.KafkaBootstrap;
        var admin = new AdminClient(_cluster.Admin);
        foreach (var topic in new[] { Input, Output })
        {
            await Eventually.Async(TimeSpan.FromSeconds(30), async () => Assert.True((await admin.CreateTopicAsync(topic, Partitions)).IsSuccess));
            await _cluster.AwaitOwnersAsync(topic, TimeSpan.FromSeconds(30));
        }
        ProduceInput(bootstrap);
        output.WriteLine($"{Records} input records produced in {spec.Elapsed.TotalSeconds:F1} s");

        var transformer = new Transformer(bootstrap, output);
        var running = Task.Factory.StartNew(() => transformer.Run(_stop.Token), TaskCreationOptions.LongRunning);

        var coordinator = (await _cluster.TryStatusAsync())?.Leader ?? throw new InvalidOperationException("no controller");
        await KillAndRestartAsync(transformer, Records / 3, _cluster.Ports.Single(p => FaultyCluster.Id(p) == coordinator),
            "the oldest broker: controller, group and transaction coordinators");
        var owners = await _cluster.AwaitOwnersAsync(Output, TimeSpan.FromSeconds(30));
        var controller = (await _cluster.TryStatusAsync())?.Leader;
        var owner = owners.Partitions.Select(p => p.Owner).First(o => o != controller);
        await KillAndRestartAsync(transformer, 2 * Records / 3, _cluster.Ports.Single(p => FaultyCluster.Id(p) == owner),
            "an owner of output partitions, not the controller");

        var finished = await Task.WhenAny(running, Task.Delay(TimeSpan.FromMinutes(5)));
        await _stop.CancelAsync();
        if (finished != running) throw new XunitException($"the transformer did not finish within 5 minutes: {transformer}");
        await running;
        output.WriteLine($"transformer: {transformer}; {spec.Elapsed.TotalSeconds:F0} s so far");

        var read = ReadCommitted(bootstrap);
        var duplicates = read.Where(kv => kv.Value > 1).Select(kv => kv.Key).ToList();
        var missing = Enumerable.Range(0, Records).Where(i => !read.ContainsKey(i)).ToList();
        output.WriteLine($"read_committed: {read.Values.Sum()} records, {read.Count} distinct, {duplicates.Count} duplicated, {missing.Count} missing; spec took {spec.Elapsed.TotalSeconds:F0} s");
        Assert.True(duplicates.Count == 0 && missing.Count == 0,
            $"not exactly once: duplicated e.g. [{string.Join(", ", duplicates.Take(10))}], missing e.g. [{string.Join(", ", missing.Take(10))}]; logs in {_cluster.LogDirectory}");
        _cluster.KeepLogs = false;
    }

    /// <summary>
    /// librdkafka's own lines (connection refused while a broker is down, and so on) would go to the test run's stderr:
    /// the brokers' deaths are the point here, and what the clients made of them shows in the transformer's counts.
    /// </summary>
    private static void Quiet<TClient, TLog>(TClient client, TLog message)
    {
    }

    private async Task KillAndRestartAsync(Transformer transformer, int afterCommitted, int victim, string what)
    {
        await Eventually.Async(TimeSpan.FromMinutes(2), () =>
        {
            if (transformer.Failure is { } failure) throw new InvalidOperationException("the transformer failed", failure);
            Assert.True(transformer.Committed >= afterCommitted, $"{transformer.Committed} of {afterCommitted} records committed so far");
            return Task.CompletedTask;
        });
        output.WriteLine($"SIGKILL {FaultyCluster.Id(victim)} ({what}) after {transformer.Committed} records committed");
        _cluster.Crash(victim);
        await _cluster.AwaitDownedAsync(victim, TimeSpan.FromSeconds(30));
        await _cluster.RestartAsync(victim, output.WriteLine);
        await _cluster.AwaitAllUpAsync(TimeSpan.FromSeconds(60));
    }

    private static void ProduceInput(string bootstrap)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 5,
            MessageTimeoutMs = 60_000,
        }).SetLogHandler(Quiet).Build();
        var failed = 0;
        for (var i = 0; i < Records; i++)
        {
            while (true)
            {
                try
                {
                    producer.Produce(Input, new Message<string, string> { Key = "k" + i, Value = i.ToString() }, r => { if (r.Error.IsError) Interlocked.Increment(ref failed); });
                    break;
                }
                catch (ProduceException<string, string> e) when (e.Error.Code == Confluent.Kafka.ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(50));
                }
            }
        }
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
        Assert.Equal(0, failed);
    }

    /// <summary>
    /// Every output value's input number with how often a read_committed consumer saw it, from the beginning of each
    /// partition to its end (librdkafka's end of partition is the last stable offset). The last transaction's markers
    /// are written after its EndTxn was answered, so the read goes on until every input number arrived or 60 s passed,
    /// then to each partition's end to catch a duplicate after the last new one.
    /// </summary>
    private Dictionary<int, int> ReadCommitted(string bootstrap)
    {
        var config = GroupMember.Config(bootstrap, "eos-reader-" + Guid.NewGuid().ToString("N"));
        config.IsolationLevel = IsolationLevel.ReadCommitted;
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<string, string>(config).SetLogHandler(Quiet).SetErrorHandler(Quiet).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(Output, p, Offset.Beginning)));
        var read = new Dictionary<int, int>();
        var atEnd = new HashSet<int>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline && !(read.Count >= Records && atEnd.Count == Partitions))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is not { } result) continue;
            if (result.IsPartitionEOF)
            {
                atEnd.Add(result.Partition.Value);
                continue;
            }
            atEnd.Remove(result.Partition.Value);
            var number = int.Parse(result.Message.Value.AsSpan("out-".Length));
            read[number] = read.GetValueOrDefault(number) + 1;
        }
        return read;
    }

    /// <summary>
    /// The consume-transform-produce loop as Confluent's exactly-once examples write it: a batch of input, its output and
    /// the group's next offsets in one transaction; an abortable error aborts and rewinds to the committed offsets; a
    /// fatal one (fenced) starts producer and consumer anew. Done when the group's committed offsets cover the input.
    /// </summary>
    private sealed class Transformer(string bootstrap, ITestOutputHelper output)
    {
        private int _committed;
        private int _transactions;
        private int _aborts;
        private int _restarts;

        /// <summary>Records of input committed by this transformer's transactions (a commit whose answer was lost is not counted).</summary>
        public int Committed => Volatile.Read(ref _committed);

        public Exception? Failure { get; private set; }

        public override string ToString() =>
            $"{Committed} records in {_transactions} committed transactions, {_aborts} aborted, {_restarts} restarts after fatal errors";

        public void Run(CancellationToken stop)
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    using var producer = NewProducer();
                    using var consumer = NewConsumer();
                    if (RunUntilFatal(producer, consumer, stop)) return;
                    Interlocked.Increment(ref _restarts);
                }
            }
            catch (Exception e)
            {
                Failure = e;
                throw;
            }
        }

        /// <summary>True when the input is done; false after a fatal error, for a fresh producer and consumer.</summary>
        private bool RunUntilFatal(IProducer<string, string> producer, IConsumer<string, string> consumer, CancellationToken stop)
        {
            try
            {
                Retrying(() => producer.InitTransactions(CallTimeout));
                consumer.Subscribe(Input);
                while (!stop.IsCancellationRequested)
                {
                    var batch = NextBatch(consumer);
                    if (batch.Count == 0)
                    {
                        if (consumer.Assignment.Count == Partitions && CommittedInput(consumer) >= Records) return true;
                        continue;
                    }
                    try
                    {
                        producer.BeginTransaction();
                        foreach (var r in batch)
                            producer.Produce(new TopicPartition(Output, r.Partition), new Message<string, string> { Key = r.Message.Key, Value = "out-" + r.Message.Value });
                        var next = batch.GroupBy(r => r.TopicPartition).Select(g => new TopicPartitionOffset(g.Key, g.Max(r => r.Offset.Value) + 1)).ToList();
                        Retrying(() => producer.SendOffsetsToTransaction(next, consumer.ConsumerGroupMetadata, CallTimeout));
                        Retrying(() => producer.CommitTransaction(CallTimeout));
                        Interlocked.Add(ref _committed, batch.Count);
                        Interlocked.Increment(ref _transactions);
                    }
                    catch (KafkaTxnRequiresAbortException e)
                    {
                        output.WriteLine($"aborting a transaction of {batch.Count} records: {e.Error.Reason}");
                        Retrying(() => producer.AbortTransaction(CallTimeout));
                        Interlocked.Increment(ref _aborts);
                        Rewind(consumer);
                    }
                }
                return true;
            }
            catch (KafkaException e)
            {
                // Fatal (fenced, epoch exhausted) or retried in vain: a new producer's InitTransactions aborts whatever
                // this one left open, and a new consumer starts from the group's committed offsets.
                output.WriteLine($"{(e.Error.IsFatal ? "fatal" : "failed")}: {e.Error.Code} {e.Error.Reason}; starting anew");
                return false;
            }
        }

        /// <summary>Up to 1,000 records, or what arrived within 200 ms.</summary>
        private static List<ConsumeResult<string, string>> NextBatch(IConsumer<string, string> consumer)
        {
            var batch = new List<ConsumeResult<string, string>>();
            var until = DateTime.UtcNow + TimeSpan.FromMilliseconds(200);
            while (batch.Count < 1000 && DateTime.UtcNow < until)
                if (consumer.Consume(TimeSpan.FromMilliseconds(50)) is { IsPartitionEOF: false } r) batch.Add(r);
            return batch;
        }

        private static long CommittedInput(IConsumer<string, string> consumer) =>
            consumer.Committed(consumer.Assignment, CallTimeout).Sum(o => o.Offset.Value < 0 ? 0 : o.Offset.Value);

        /// <summary>After an abort the consumer's positions are past what was committed: go back to the committed offsets.</summary>
        private static void Rewind(IConsumer<string, string> consumer)
        {
            foreach (var committed in consumer.Committed(consumer.Assignment, CallTimeout))
                consumer.Seek(committed.Offset.Value < 0 ? new TopicPartitionOffset(committed.TopicPartition, Offset.Beginning) : committed);
        }

        private static void Retrying(Action call) => TransactionalCalls.Retrying(call, attempts: 20);

        private IProducer<string, string> NewProducer() => new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            TransactionalId = Group + "-1",
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            TransactionTimeoutMs = 60_000,
            MessageTimeoutMs = 30_000,
            SocketTimeoutMs = 10_000,
            RequestTimeoutMs = 10_000,
        }).SetLogHandler(Quiet).SetErrorHandler(Quiet).Build();

        private IConsumer<string, string> NewConsumer()
        {
            var config = GroupMember.Config(bootstrap, Group);
            config.IsolationLevel = IsolationLevel.ReadCommitted;
            return new ConsumerBuilder<string, string>(config).SetLogHandler(Quiet).SetErrorHandler(Quiet).Build();
        }
    }
}
