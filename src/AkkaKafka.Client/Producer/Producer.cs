using Akka.Actor;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Client.Producer;

/// <summary>
/// The application's producer, after Kafka's: <see cref="Send"/> puts a record into its partition's open batch on the
/// caller's thread (no actor message, no Task per record); a <see cref="ProducerActor"/> sends the batches, retries
/// them and learns metadata. Per-record completion is there for callers who ask: a callback (<see cref="Send"/>) or a
/// Task (<see cref="SendAsync"/>). Safe to use from several threads; records from one thread to one partition keep
/// their order.
/// </summary>
public sealed class Producer : IAsyncDisposable
{
    private readonly IActorRef _actor;
    private readonly ProducerShared _shared;
    private readonly ClientSettings _settings;
    private readonly Task _systemTerminated;

    /// <param name="transactionalId">Kafka's transactional.id of this producer, when it is not the connection's
    /// akkakafka.client.transactional-id (each producer of a process needs its own: a second one fences the first).</param>
    public Producer(ClusterConnection connection, Acks acks = Acks.All, string? clientId = null, string? transactionalId = null)
    {
        ClientId = clientId ?? $"producer-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
        _settings = transactionalId is null ? connection.Settings : connection.Settings with { TransactionalId = transactionalId };
        if (_settings.TransactionalId is { } id && !_settings.EnableIdempotence)
            throw new ArgumentException($"transactional-id '{id}' needs akkakafka.client.enable-idempotence = on: Kafka refuses a transactional.id without idempotence", nameof(transactionalId));
        if (_settings.TransactionalId is { } withId && acks != Acks.All)
            throw new ArgumentException($"transactional-id '{withId}' needs acks=all (acks={acks}): Kafka refuses a transactional.id without idempotence", nameof(acks));
        _systemTerminated = connection.System.WhenTerminated;
        IActorRef? actor = null;
        // The accumulator's nudges go to the actor, which exists once ActorOf returns; nothing is appended before that.
        var accumulator = new RecordAccumulator(_settings.BatchSize,
            (tp, sequence) => actor!.Tell(new BatchOpened(tp, sequence)),
            tp => actor!.Tell(new BatchFull(tp)));
        _shared = new ProducerShared(accumulator, new BufferMemory(_settings.BufferMemory));
        // Sends are refused until a transaction is open, from the first: the actor starts after ActorOf returns.
        var transaction = _settings.TransactionalId is { } tid ? new TransactionManager(tid) : null;
        _shared.SendRefusal = transaction?.RefuseSend();
        actor = connection.System.ActorOf(ProducerActor.Props(connection, acks, ClientId, _shared, _settings, transaction), $"producer-{Guid.NewGuid():N}");
        _actor = actor;
    }

    public string ClientId { get; }

    /// <summary>
    /// Called (on the producer's thread; keep it short) the first time a partition answers with a given retriable
    /// error that is not routine ownership movement, e.g. KAFKA_STORAGE_ERROR: the producer goes on retrying until the
    /// delivery timeout, and the application can say why at once.
    /// </summary>
    public Action<RetriableError>? OnRetriableError
    {
        get => _shared.RetriableErrorHandler;
        set => _shared.RetriableErrorHandler = value;
    }

    /// <summary>
    /// Queues a record; <paramref name="onCompletion"/> (if any) is called once with where the record landed, or why it
    /// failed, on the producer's thread: keep it short. Waits (blocking the caller, as Kafka's send does) while the
    /// producer's buffer memory is full, for at most max-block; then the record fails with a <see cref="TimeoutException"/>.
    /// The first record for a topic also waits for its metadata. Do not call it from a callback: it may wait for the
    /// very thread that runs the callback.
    /// </summary>
    public void Send(ProducerRecord record, DeliveryCallback? onCompletion = null) => Send(record, Completion.Of(onCompletion));

    /// <summary>
    /// As <see cref="Send(ProducerRecord, DeliveryCallback?)"/>, with a number (<paramref name="state"/>) handed back to
    /// the callback: one callback for every record, nothing allocated per record (kafka-producer-perf-test's use).
    /// </summary>
    public void Send(ProducerRecord record, long state, DeliveryCallbackWithState onCompletion) =>
        Send(record, Completion.Of(onCompletion, state));

    private void Send(ProducerRecord record, Completion completion)
    {
        if (_shared.Closed)
        {
            completion.Invoke(null, new ObjectDisposedException(nameof(Producer), "the producer is closed"));
            return;
        }
        if (_shared.SendRefusal is { } refused)
        {
            completion.Invoke(null, refused);
            return;
        }
        TopicMetadata topic;
        try
        {
            topic = _shared.Metadata.Topic(record.Topic) ?? WaitForTopic(record.Topic);
        }
        catch (Exception e) when (e is KafkaException or ClusterUnavailableException or TimeoutException or ObjectDisposedException)
        {
            completion.Invoke(null, e);
            return;
        }
        var size = RecordAccumulator.SizeOf(record.Key, record.Value, record.Headers);
        if (size > _settings.MaxRequestSize)
        {
            completion.Invoke(null, new KafkaException(ErrorCode.MessageTooLarge,
                $"the record is {size:N0} bytes with its overhead, more than max-request-size ({_settings.MaxRequestSize:N0} bytes)"));
            return;
        }
        if (!_shared.Memory.TryReserve(size, _settings.MaxBlock))
        {
            completion.Invoke(null, new TimeoutException(
                $"no room for the record in the producer's buffer memory ({_shared.Memory.Total:N0} bytes) within {_settings.MaxBlock.TotalSeconds:0.#}s"));
            return;
        }
        _shared.Append(topic, record, completion, size);
    }

    /// <summary>
    /// The first record for a topic waits (on the caller's thread, at most max-block) for the actor to learn the topic's
    /// partitions, asking the brokers to create it if they auto-create topics, as Kafka's send waits for metadata.
    /// </summary>
    private TopicMetadata WaitForTopic(string topic)
    {
        var known = new TaskCompletionSource<TopicMetadata>(TaskCreationOptions.RunContinuationsAsynchronously);
        _actor.Tell(new AwaitTopic(topic, known));
        if (!((IAsyncResult)known.Task).AsyncWaitHandle.WaitOne(_settings.MaxBlock))
            throw new TimeoutException($"no metadata for topic '{topic}' within {_settings.MaxBlock.TotalSeconds:0.#}s");
        return known.Task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Queues a record; the task completes when it is acknowledged (or at once for acks=0 once sent). Costs a Task
    /// per record: <see cref="Send"/> with a callback, or none, does not.
    /// </summary>
    public Task<RecordMetadata> SendAsync(ProducerRecord record)
    {
        var completion = new TaskCompletionSource<RecordMetadata>(TaskCreationOptions.RunContinuationsAsynchronously);
        Send(record, (metadata, error) =>
        {
            if (error is not null) completion.TrySetException(error);
            else completion.TrySetResult(metadata!);
        });
        return completion.Task;
    }

    /// <summary>
    /// Kafka's initTransactions, once, before the first transaction of a producer with a transactional-id: gets the
    /// id's producer id and epoch from its transaction coordinator, which fences every earlier producer of the id and
    /// completes (aborts) a transaction one of them left open. Waits at most max-block.
    /// </summary>
    /// <exception cref="KafkaException">Refused for good (PRODUCER_FENCED, TRANSACTIONAL_ID_AUTHORIZATION_FAILED…) or no answer in time.</exception>
    public Task InitTransactionsAsync() => TransactionCall(c => new InitTransactions(c));

    /// <summary>
    /// Kafka's beginTransaction: records sent from now until the commit or abort are one transaction. Only after
    /// InitTransactionsAsync, and not while another transaction is open or ending.
    /// </summary>
    /// <exception cref="InvalidOperationException">Not ready for a transaction (and why).</exception>
    /// <exception cref="KafkaException">The producer was fenced.</exception>
    public void BeginTransaction()
    {
        var begun = TransactionCall(c => new BeginTransaction(c));
        if (!((IAsyncResult)begun).AsyncWaitHandle.WaitOne(_settings.MaxBlock))
            throw new TimeoutException($"BeginTransaction: the producer did not answer within {_settings.MaxBlock.TotalSeconds:0.#}s");
        begun.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Kafka's commitTransaction: sends every record of the transaction, waits for their acknowledgements, then has the
    /// coordinator commit (EndTxn), after which read_committed consumers see them. If a record of it failed, the commit
    /// fails and the transaction can only be aborted.
    /// </summary>
    public Task CommitTransactionAsync() => TransactionCall(c => new EndTransaction(Commit: true, c));

    /// <summary>
    /// Kafka's abortTransaction: records not yet sent fail with <see cref="TransactionAbortedException"/>, those sent
    /// complete, then the coordinator aborts (EndTxn): read_committed consumers never see any of them.
    /// </summary>
    public Task AbortTransactionAsync() => TransactionCall(c => new EndTransaction(Commit: false, c));

    private Task TransactionCall(Func<TaskCompletionSource, object> message)
    {
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_shared.Closed) completion.TrySetException(new ObjectDisposedException(nameof(Producer), "the producer is closed"));
        else _actor.Tell(message(completion));
        return completion.Task;
    }

    /// <summary>Sends every open batch now and waits until nothing is waiting or in flight.</summary>
    public Task FlushAsync()
    {
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _actor.Tell(new Flush(completion));
        return completion.Task;
    }

    public async ValueTask DisposeAsync()
    {
        // Records can only complete while the client's ActorSystem runs: once Akka has terminated it (it does so
        // after a refused TLS handshake), waiting for them would never end.
        await Task.WhenAny(FlushAsync(), _systemTerminated);
        if (_systemTerminated.IsCompleted) return;
        _shared.Close();
        await _actor.GracefulStop(TimeSpan.FromSeconds(5));
    }
}

/// <summary>A broker's retriable answer the producer is retrying: the partition, Kafka's error and the broker's words.</summary>
public sealed record RetriableError(TopicPartition Partition, ErrorCode Error, string Reason)
{
    /// <summary>Kafka's name of the error (KAFKA_STORAGE_ERROR…), spelled as a consumer's <see cref="Consumer.FetchError"/> spells it.</summary>
    public string KafkaName => Consumer.FetchError.KafkaNameOf(Error);
}
