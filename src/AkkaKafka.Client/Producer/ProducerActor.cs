using Akka.Actor;
using Akka.Event;
using Akka.Remote;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Client.Producer;

/// <summary>
/// Kafka's producer as an actor: learns metadata (auto-creating topics), picks each record's partition, gathers
/// records into one RecordBatch per partition (linger and batch size), keeps up to max-in-flight batches per
/// partition awaiting acknowledgement, retries batches the brokers could not take yet (a partition moving, a broker
/// failing over) until the delivery timeout, and completes every record's task with its offset or error.
/// <para>When the connection to a broker drops, the requests in flight may have died with it (they all pass through
/// the broker the client is connected to): they stop counting against max-in-flight, so newer batches go out at
/// once instead of queueing behind them until their request timeout. They still complete, or time out and are
/// retried, as before.</para>
/// </summary>
internal sealed class ProducerActor : UntypedActor, IWithTimers
{
    private readonly ClusterConnection _connection;
    private readonly Acks _acks;
    private readonly string _clientId;
    private readonly ClientSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, List<Send>> _awaitingMetadata = new(StringComparer.Ordinal);
    private readonly Dictionary<TopicPartition, PartitionQueue> _partitions = new();
    private readonly Dictionary<string, int> _stickyPartition = new(StringComparer.Ordinal);
    private readonly List<TaskCompletionSource> _flushes = [];
    private ClusterMetadata _metadata = ClusterMetadata.Empty;
    private bool _metadataRequested;
    private int _roundRobin;
    private long _sends;

    public ProducerActor(ClusterConnection connection, Acks acks, string clientId)
    {
        _connection = connection;
        _acks = acks;
        _clientId = clientId;
        _settings = connection.Settings;
    }

    public static Props Props(ClusterConnection connection, Acks acks, string clientId) =>
        Akka.Actor.Props.Create(() => new ProducerActor(connection, acks, clientId));

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(DisassociatedEvent));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Send send: Accept(send); break;
            case LingerExpired linger: Drain(linger.Partition, force: true); break;
            case Acked acked: OnAcked(acked); break;
            case MetadataResponse response: OnMetadata(response.Metadata); break;
            case MetadataFailed failed: OnMetadataFailed(failed); break;
            case RetryNow: RetryWaiting(); break;
            case DisassociatedEvent lost when lost.RemoteAddress.System == Names.BrokerSystem: OnConnectionLost(lost.RemoteAddress); break;
            case Flush flush:
                _flushes.Add(flush.Completion);
                foreach (var tp in _partitions.Keys.ToList()) Drain(tp, force: true);
                CompleteFlushesIfIdle();
                break;
        }
    }

    private void Accept(Send send)
    {
        var topic = _metadata.Topic(send.Record.Topic);
        if (topic is null)
        {
            if (!_awaitingMetadata.TryGetValue(send.Record.Topic, out var list)) _awaitingMetadata[send.Record.Topic] = list = [];
            list.Add(send);
            RequestMetadata();
            return;
        }
        int partition;
        if (send.Record.Partition is { } explicitPartition)
        {
            if (explicitPartition < 0 || explicitPartition >= topic.PartitionCount)
            {
                send.Completion.TrySetException(new KafkaException(ErrorCode.UnknownTopicOrPartition, $"topic '{topic.Name}' has no partition {explicitPartition}"));
                return;
            }
            partition = explicitPartition;
        }
        else if (send.Record.Key is { } key)
            partition = Murmur2.Partition(key, topic.PartitionCount);
        else
            partition = StickyPartition(topic);

        var tp = new TopicPartition(topic.Name, partition);
        if (!_partitions.TryGetValue(tp, out var queue)) _partitions[tp] = queue = new PartitionQueue();
        queue.Open ??= new OpenBatch(DateTime.UtcNow);
        queue.Open.Builder.Add(send.Record.Timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), send.Record.Key, send.Record.Value, send.Record.Headers);
        queue.Open.Records.Add(send.Completion);
        if (queue.Open.Builder.EstimatedSizeInBytes >= _settings.BatchSize)
        {
            if (send.Record.Partition is null && send.Record.Key is null) _stickyPartition.Remove(topic.Name);
            Drain(tp, force: true);
        }
        else if (!Timers.IsTimerActive(tp))
            Timers.StartSingleTimer(tp, new LingerExpired(tp), _settings.Linger);
    }

    /// <summary>Kafka's sticky partitioner: keyless records fill one partition's batch, then move to the next.</summary>
    private int StickyPartition(TopicMetadata topic)
    {
        if (!_stickyPartition.TryGetValue(topic.Name, out var p) || p >= topic.PartitionCount)
            _stickyPartition[topic.Name] = p = (int)((uint)++_roundRobin % (uint)topic.PartitionCount);
        return p;
    }

    /// <summary>Closes the open batch of a partition and sends whatever the in-flight limit allows.</summary>
    private void Drain(TopicPartition tp, bool force)
    {
        if (!_partitions.TryGetValue(tp, out var queue)) return;
        if (queue.Open is { } open && force)
        {
            Timers.Cancel(tp);
            queue.Ready.Enqueue(new ReadyBatch(open.Builder.Build(), open.Records, open.Created, 0));
            queue.Open = null;
        }
        // Batches to retry go first once the back-off is over. Otherwise one that found the in-flight limit reached
        // when the retry timer fired would wait for the next failure to start the timer again: maybe forever.
        while (queue.Limited.Count < _settings.MaxInFlight && queue.Retry.Count > 0 && !Timers.IsTimerActive("retry"))
            SendBatch(tp, queue, queue.Retry.Dequeue());
        while (queue.Limited.Count < _settings.MaxInFlight && queue.Ready.Count > 0)
            SendBatch(tp, queue, queue.Ready.Dequeue());
    }

    private void SendBatch(TopicPartition tp, PartitionQueue queue, ReadyBatch batch)
    {
        var request = new ProduceRequest(tp.Topic, tp.Partition, batch.Bytes, _acks, _clientId, _connection.Address);
        if (_acks == Acks.None)
        {
            _connection.ClusterClient.Tell(ClusterConnection.ToBroker(request));
            foreach (var r in batch.Records) r.TrySetResult(new RecordMetadata(tp.Topic, tp.Partition, -1));
            return;
        }
        var id = ++_sends;
        queue.InFlight++;
        queue.Limited.Add(id);
        var self = Self;
        _connection.ClusterClient.Ask<ProduceResponse>(ClusterConnection.ToBroker(request), _settings.RequestTimeout)
            .ContinueWith(t => t.IsCompletedSuccessfully
                    ? new Acked(tp, batch, id, t.Result, null)
                    : new Acked(tp, batch, id, null, t.Exception?.GetBaseException() ?? new TimeoutException("produce timed out")),
                TaskContinuationOptions.ExecuteSynchronously)
            .PipeTo(self);
    }

    private void OnAcked(Acked acked)
    {
        var queue = _partitions[acked.Partition];
        queue.InFlight--;
        queue.Limited.Remove(acked.SendId);
        var response = acked.Response;
        if (response is { Error: ErrorCode.None })
        {
            for (var i = 0; i < acked.Batch.Records.Count; i++)
                acked.Batch.Records[i].TrySetResult(new RecordMetadata(acked.Partition.Topic, acked.Partition.Partition, response.BaseOffset + i));
        }
        else
        {
            var error = response?.Error ?? ErrorCode.RequestTimedOut;
            var reason = response?.ErrorMessage ?? acked.Failure?.Message ?? error.Describe();
            var expired = DateTime.UtcNow - acked.Batch.Created > _settings.DeliveryTimeout;
            if ((error.IsRetriable() || response is null) && !expired)
            {
                // The partition is moving or its owner is failing over: look again and resend (before newer batches).
                _log.Debug("Retrying batch for {0}: {1}", acked.Partition, reason);
                queue.Retry.Enqueue(acked.Batch with { Attempt = acked.Batch.Attempt + 1 });
                RequestMetadata();
                if (!Timers.IsTimerActive("retry"))
                    Timers.StartSingleTimer("retry", RetryNow.Instance, TimeSpan.FromMilliseconds(Math.Min(1000, 100 * (1 << Math.Min(acked.Batch.Attempt, 4)))));
            }
            else
            {
                var exception = new KafkaException(error, $"{acked.Partition}: {reason}");
                foreach (var r in acked.Batch.Records) r.TrySetException(exception);
            }
        }
        Drain(acked.Partition, force: false);
        CompleteFlushesIfIdle();
    }

    private void RetryWaiting()
    {
        foreach (var (tp, queue) in _partitions)
        {
            while (queue.Retry.Count > 0 && queue.Limited.Count < _settings.MaxInFlight)
                SendBatch(tp, queue, queue.Retry.Dequeue());
            Drain(tp, force: false);
        }
    }

    /// <summary>Requests in flight may be lost with the connection: send more without waiting for them.</summary>
    private void OnConnectionLost(Address broker)
    {
        var suspect = _partitions.Values.Sum(q => q.Limited.Count);
        if (suspect == 0) return;
        _log.Info("Connection to broker {0} lost: not waiting for the {1} requests in flight before sending more", broker, suspect);
        foreach (var queue in _partitions.Values) queue.Limited.Clear();
        RetryWaiting();
    }

    /// <summary>Asks for metadata unless a request is already out (its answer will be fresh enough).</summary>
    private void RequestMetadata()
    {
        if (_metadataRequested) return;
        _metadataRequested = true;
        var topics = _awaitingMetadata.Keys.Concat(_metadata.Topics.Select(t => t.Name)).Distinct().ToList();
        var self = Self;
        _connection.ClusterClient.Ask<MetadataResponse>(ClusterConnection.ToBroker(new GetMetadata(topics, AutoCreateTopics: true)), _settings.RequestTimeout)
            .ContinueWith(t => t.IsCompletedSuccessfully ? (object)t.Result : new MetadataFailed(t.Exception?.GetBaseException().Message ?? "timed out"),
                TaskContinuationOptions.ExecuteSynchronously)
            .PipeTo(self);
    }

    private void OnMetadata(ClusterMetadata metadata)
    {
        _metadataRequested = false;
        if (metadata.Version >= _metadata.Version) _metadata = metadata;
        foreach (var (topic, sends) in _awaitingMetadata.ToList())
        {
            if (_metadata.Topic(topic) is null)
            {
                if (_metadata.Version == 0) continue; // cluster still starting: ask again below
                _awaitingMetadata.Remove(topic);
                var error = new KafkaException(ErrorCode.UnknownTopicOrPartition,
                    $"topic '{topic}' does not exist (and the brokers do not auto-create topics)");
                foreach (var s in sends) s.Completion.TrySetException(error);
                continue;
            }
            _awaitingMetadata.Remove(topic);
            foreach (var s in sends) Accept(s);
        }
        if (_awaitingMetadata.Count > 0) Timers.StartSingleTimer("metadata", RetryNow.Instance, TimeSpan.FromMilliseconds(200));
        CompleteFlushesIfIdle();
    }

    private void OnMetadataFailed(MetadataFailed failed)
    {
        _metadataRequested = false;
        var error = new ClusterUnavailableException($"no metadata from the cluster at {string.Join(",", _connection.Bootstrap)}: {failed.Reason}");
        foreach (var sends in _awaitingMetadata.Values)
            foreach (var s in sends) s.Completion.TrySetException(error);
        _awaitingMetadata.Clear();
        CompleteFlushesIfIdle();
    }

    private void CompleteFlushesIfIdle()
    {
        if (_flushes.Count == 0) return;
        var idle = _awaitingMetadata.Count == 0 && _partitions.Values.All(q => q.Open is null && q.InFlight == 0 && q.Ready.Count == 0 && q.Retry.Count == 0);
        if (!idle) return;
        foreach (var f in _flushes) f.TrySetResult();
        _flushes.Clear();
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        var error = new ObjectDisposedException("producer was closed before the record was acknowledged");
        foreach (var sends in _awaitingMetadata.Values)
            foreach (var s in sends) s.Completion.TrySetException(error);
        foreach (var q in _partitions.Values)
        {
            foreach (var r in q.Open?.Records ?? []) r.TrySetException(error);
            foreach (var b in q.Ready.Concat(q.Retry))
                foreach (var r in b.Records) r.TrySetException(error);
        }
        foreach (var f in _flushes) f.TrySetResult();
    }

    private sealed class PartitionQueue
    {
        public OpenBatch? Open;
        public readonly Queue<ReadyBatch> Ready = new();
        public readonly Queue<ReadyBatch> Retry = new();
        /// <summary>Requests awaiting an answer.</summary>
        public int InFlight;
        /// <summary>Those of them that count against max-in-flight (not the ones sent before a connection was lost).</summary>
        public readonly HashSet<long> Limited = [];
    }

    private sealed class OpenBatch(DateTime created)
    {
        public readonly RecordBatchBuilder Builder = new();
        public readonly List<TaskCompletionSource<RecordMetadata>> Records = [];
        public readonly DateTime Created = created;
    }

    private sealed record ReadyBatch(byte[] Bytes, List<TaskCompletionSource<RecordMetadata>> Records, DateTime Created, int Attempt);

    private sealed record LingerExpired(TopicPartition Partition);

    private sealed record Acked(TopicPartition Partition, ReadyBatch Batch, long SendId, ProduceResponse? Response, Exception? Failure);

    private sealed record MetadataFailed(string Reason);

    private sealed class RetryNow
    {
        public static readonly RetryNow Instance = new();
    }
}
