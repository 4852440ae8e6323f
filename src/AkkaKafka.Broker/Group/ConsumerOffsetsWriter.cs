using Akka.Actor;
using Akka.Event;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Broker.Group;

/// <summary>One record for __consumer_offsets (<see cref="ConsumerOffsets"/>'s layouts); a null value is a tombstone.</summary>
public sealed record ConsumerOffsetsRecord(byte[] Key, byte[]? Value, long TimestampMs);

/// <summary>What a group has just persisted, for <see cref="ConsumerOffsetsWriter"/> to copy into __consumer_offsets.</summary>
public sealed record ConsumerOffsetsWrite(string Group, IReadOnlyList<ConsumerOffsetsRecord> Records);

/// <summary>
/// Copies what the groups persist into Kafka's internal topic __consumer_offsets, for tools that learn groups from it.
/// The groups' journal stays the source of truth, so this is off every request's path: a commit is answered once its
/// group has persisted it, and its records reach the topic afterwards. They go the way any produce goes (the node's
/// BrokerActor routes them to the partition's owner), in order per partition and so per group (a group has one
/// partition): one write in flight per partition, retried until it is acknowledged. The first write asks the
/// controller to create the topic, as Kafka creates it on first use. What waits is bounded: past
/// <see cref="MaxQueuedRecords"/> the oldest waiting records are dropped, with a warning (the newest value of a key is
/// what readers need, and the journal still has everything).
/// </summary>
public sealed class ConsumerOffsetsWriter : UntypedActor, IWithTimers
{
    public const int MaxQueuedRecords = 100_000;
    private const string DropWarningTimer = "dropped";
    private static readonly TimeSpan MinRetryBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxRetryBackoff = TimeSpan.FromSeconds(5);
    // With the back-off doubling from 200 ms, the sixth failure comes about 6 s after the first.
    private const int WarnAfterFailures = 6;

    private readonly ICanTell _broker;
    private readonly int _partitions;
    private readonly int _maxBatchBytes;
    private readonly TimeSpan _requestTimeout;
    private readonly string _clientId;
    private readonly Dictionary<int, PartitionQueue> _queues = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private int _queued;
    private long _dropped;
    private long _attempts;

    public ConsumerOffsetsWriter(ICanTell broker, int partitions, int maxBatchBytes, TimeSpan requestTimeout, string clientId)
    {
        _broker = broker;
        _partitions = partitions;
        _maxBatchBytes = maxBatchBytes;
        _requestTimeout = requestTimeout;
        _clientId = clientId;
    }

    /// <param name="broker">The BrokerActor of the node the writer runs on, which routes each write to its partition's owner.</param>
    public static Props Props(ICanTell broker, BrokerSettings settings, string clientId) =>
        Props(broker, settings.OffsetsTopicPartitions, settings.MaxBatchBytes, settings.RequestTimeout, clientId);

    public static Props Props(ICanTell broker, int partitions, int maxBatchBytes, TimeSpan requestTimeout, string clientId) =>
        Akka.Actor.Props.Create(() => new ConsumerOffsetsWriter(broker, partitions, maxBatchBytes, requestTimeout, clientId));

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer(DropWarningTimer, WarnDropped.Instance, TimeSpan.FromSeconds(10));
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ConsumerOffsetsWrite write:
                Enqueue(write);
                break;
            case Written { Response.Error: ErrorCode.None } written:
                Acknowledged(written.Partition, written.Attempt);
                break;
            case Written { Response.Error: ErrorCode.UnknownTopicOrPartition } written:
                // Kafka's brokers create __consumer_offsets when a group first needs it; so does the controller here,
                // when asked. The write is retried as any other until the topic's partitions run.
                _broker.Tell(new CreateInternalTopic(ConsumerOffsets.Topic, _partitions), Self);
                Failed(written.Partition, written.Attempt, written.Response.ErrorMessage ?? written.Response.Error.Describe());
                break;
            case Written written:
                Failed(written.Partition, written.Attempt, written.Response.ErrorMessage ?? written.Response.Error.Describe());
                break;
            case TopicCommandResult { Error: not ErrorCode.None } refused:
                _log.Warning("{0} could not be created: {1}", refused.Topic, refused.Message);
                break;
            case TopicCommandResult created:
                _log.Info(created.Message);
                break;
            case WriteFailed failed:
                Failed(failed.Partition, failed.Attempt, failed.Reason);
                break;
            case Retry retry:
                if (_queues.TryGetValue(retry.Partition, out var queue) && queue.InFlight is not null) Send(retry.Partition, queue);
                break;
            case WarnDropped:
                if (_dropped > 0)
                    _log.Warning("{0}: dropped the {1} oldest waiting records: more than {2} could not be written yet (the groups' journal keeps them)",
                        ConsumerOffsets.Topic, _dropped, MaxQueuedRecords);
                _dropped = 0;
                break;
        }
    }

    private void Enqueue(ConsumerOffsetsWrite write)
    {
        var partition = ConsumerOffsets.PartitionFor(write.Group, _partitions);
        if (!_queues.TryGetValue(partition, out var queue)) _queues[partition] = queue = new PartitionQueue();
        foreach (var record in write.Records)
        {
            if (_queued >= MaxQueuedRecords && !DropOldestWaiting(queue))
            {
                _dropped++;
                continue;
            }
            queue.Waiting.Enqueue(record);
            _queued++;
        }
        if (queue.InFlight is null) SendNext(partition, queue);
    }

    /// <summary>Makes room by dropping the oldest record waiting for this partition, else for the fullest one.</summary>
    private bool DropOldestWaiting(PartitionQueue preferred)
    {
        var victim = preferred.Waiting.Count > 0 ? preferred : _queues.Values.MaxBy(q => q.Waiting.Count);
        if (victim is null || victim.Waiting.Count == 0) return false;
        victim.Waiting.Dequeue();
        _queued--;
        _dropped++;
        return true;
    }

    private void SendNext(int partition, PartitionQueue queue)
    {
        if (queue.Waiting.Count == 0) return;
        var builder = new RecordBatchBuilder();
        var taken = new List<ConsumerOffsetsRecord>();
        // Whole records up to half a batch's limit (the first always), so a batch never exceeds what a partition takes.
        while (queue.Waiting.Count > 0 && (taken.Count == 0 || builder.EstimatedSizeInBytes < _maxBatchBytes / 2))
        {
            var record = queue.Waiting.Dequeue();
            builder.Add(record.TimestampMs, record.Key, record.Value);
            taken.Add(record);
        }
        queue.InFlight = taken;
        queue.Batch = builder.Build();
        Send(partition, queue);
    }

    private void Send(int partition, PartitionQueue queue)
    {
        var attempt = queue.Attempt = ++_attempts;
        var request = new ProduceRequest(ConsumerOffsets.Topic, partition, queue.Batch, Acks.All, _clientId);
        _broker.Ask<ProduceResponse>(request, _requestTimeout).PipeTo(Self,
            success: response => new Written(partition, attempt, response),
            failure: e => new WriteFailed(partition, attempt, e is AskTimeoutException ? $"no answer within {_requestTimeout}" : e.Message));
    }

    private void Acknowledged(int partition, long attempt)
    {
        if (!_queues.TryGetValue(partition, out var queue) || queue.Attempt != attempt || queue.InFlight is null) return;
        _queued -= queue.InFlight.Count;
        if (queue.Failures >= WarnAfterFailures)
            _log.Info("{0}-{1} written again after {2} failed attempts", ConsumerOffsets.Topic, partition, queue.Failures);
        queue.InFlight = null;
        queue.Batch = default;
        queue.Failures = 0;
        SendNext(partition, queue);
    }

    private void Failed(int partition, long attempt, string reason)
    {
        if (!_queues.TryGetValue(partition, out var queue) || queue.Attempt != attempt || queue.InFlight is null) return;
        queue.Failures++;
        // The first failures are expected while the topic is created and its partitions start (or move with a broker):
        // a partition still unwritable after a few seconds of retries is reported, then every tenth failure, not flooded.
        if (queue.Failures < WarnAfterFailures)
            _log.Debug("{0}-{1} not written yet ({2}); retrying", ConsumerOffsets.Topic, partition, reason);
        else if ((queue.Failures - WarnAfterFailures) % 10 == 0)
            _log.Warning("{0}-{1} cannot be written ({2}); retrying, {3} records waiting in all (at most {4} are kept)",
                ConsumerOffsets.Topic, partition, reason, _queued, MaxQueuedRecords);
        var backoff = TimeSpan.FromTicks(Math.Min(MaxRetryBackoff.Ticks, MinRetryBackoff.Ticks << Math.Min(queue.Failures - 1, 10)));
        Timers.StartSingleTimer(("retry", partition), new Retry(partition), backoff);
    }

    private sealed class PartitionQueue
    {
        public readonly Queue<ConsumerOffsetsRecord> Waiting = new();
        public List<ConsumerOffsetsRecord>? InFlight;
        public ReadOnlyMemory<byte> Batch;
        public long Attempt;
        public int Failures;
    }

    private sealed record Written(int Partition, long Attempt, ProduceResponse Response);
    private sealed record WriteFailed(int Partition, long Attempt, string Reason);
    private sealed record Retry(int Partition);

    private sealed class WarnDropped
    {
        public static readonly WarnDropped Instance = new();
    }
}
