using Akka.Configuration;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Client;

/// <summary>
/// The akkakafka.client block of hocon/client.hocon, read and validated once; every default is in that file. A record,
/// so that one producer can take a copy with its own transactional id (<c>with</c>).
/// </summary>
public sealed record ClientSettings
{
    public ClientSettings(Config config)
    {
        var c = new SettingsBlock(config, "akkakafka.client");
        RequestTimeout = c.TimeSpan("request-timeout");
        AttemptTimeout = c.TimeSpan("attempt-timeout");
        Linger = c.TimeSpan("linger");
        BatchSize = (int)c.ByteSize("batch-size");
        MaxRequestSize = (int)c.ByteSize("max-request-size");
        MaxInFlight = c.Int("max-in-flight");
        BufferMemory = c.ByteSize("buffer-memory");
        MaxBlock = c.TimeSpan("max-block");
        DeliveryTimeout = c.TimeSpan("delivery-timeout");
        EnableIdempotence = c.Boolean("enable-idempotence");
        TransactionalId = c.String("transactional-id") is { Length: > 0 } transactionalId ? transactionalId : null;
        TransactionTimeout = c.TimeSpan("transaction-timeout", allowInfinite: false);
        if (TransactionalId is not null && !EnableIdempotence)
            throw c.Invalid("enable-idempotence", "on with a transactional-id (Kafka refuses a transactional.id without idempotence)");
        if (TransactionTimeout < TimeSpan.FromMilliseconds(1) || TransactionTimeout.TotalMilliseconds > int.MaxValue)
            throw c.Invalid("transaction-timeout", "between 1ms and 24 days (Kafka's transaction.timeout.ms is an int of milliseconds)");
        FetchMaxWait = c.TimeSpan("fetch-max-wait");
        FetchMaxBytes = (int)c.ByteSize("fetch-max-bytes");
        IsolationLevel = c.String("isolation-level") switch
        {
            "read_uncommitted" => IsolationLevel.ReadUncommitted,
            "read_committed" => IsolationLevel.ReadCommitted,
            var other => throw c.Invalid("isolation-level", $"read_uncommitted or read_committed, not '{other}'"),
        };
        MaxBufferedRecords = c.Int("max-buffered-records");
        SessionTimeout = c.TimeSpan("session-timeout");
        HeartbeatInterval = c.TimeSpan("heartbeat-interval");
        RebalanceTimeout = c.TimeSpan("rebalance-timeout", allowInfinite: false);
        AutoCommitInterval = c.TimeSpan("auto-commit-interval");
        PartitionAssignmentStrategy = c.StringList("partition-assignment-strategy").ToList();
        if (PartitionAssignmentStrategy.Count == 0) throw c.Invalid("partition-assignment-strategy", "a non-empty list of assignors");
        foreach (var name in PartitionAssignmentStrategy)
            if (name is not (Consumer.PartitionAssignors.Range or Consumer.PartitionAssignors.CooperativeSticky))
                throw c.Invalid("partition-assignment-strategy", $"a list of {Consumer.PartitionAssignors.Range} and {Consumer.PartitionAssignors.CooperativeSticky}, not '{name}'");
        if (MaxInFlight < 1) throw new ConfigurationException("akkakafka.client.max-in-flight must be at least 1");
        if (BufferMemory < BatchSize) throw new ConfigurationException("akkakafka.client.buffer-memory must be at least batch-size");
        if (Linger < TimeSpan.Zero) throw new ConfigurationException("akkakafka.client.linger must not be negative");
        if (MaxRequestSize < BatchSize) throw new ConfigurationException("akkakafka.client.max-request-size must be at least batch-size");
        // A request must fit in one remoting frame (with room for the envelope), or Akka drops it as oversized and the
        // producer hears only a timeout.
        if (config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size") is { } frame && frame < MaxRequestSize + RemotingFrame.Overhead)
            throw new ConfigurationException($"akkakafka.client.max-request-size must stay {RemotingFrame.Overhead / 1024}KiB below akka.remote.dot-netty.tcp.maximum-frame-size ({frame} bytes)");
        if (BatchSize < 1024) throw new ConfigurationException("akkakafka.client.batch-size must be at least 1KiB");
    }

    public TimeSpan RequestTimeout { get; init; }
    /// <summary>How long a request that may safely be sent twice (<see cref="Protocol.Messages.IResendable"/>) waits before it is sent again.</summary>
    public TimeSpan AttemptTimeout { get; init; }
    public TimeSpan Linger { get; init; }
    public int BatchSize { get; init; }
    /// <summary>
    /// Largest record (with its overhead in a batch) a producer sends: Kafka's max.request.size. A bigger one fails
    /// at once with MESSAGE_TOO_LARGE (Kafka's RecordTooLargeException) instead of travelling to a broker that
    /// refuses it, or past the remoting frame size. Batches never grow past it.
    /// </summary>
    public int MaxRequestSize { get; init; }
    public int MaxInFlight { get; init; }
    public TimeSpan DeliveryTimeout { get; init; }
    /// <summary>
    /// Kafka's enable.idempotence (on by default, as in the Java client since 3.0): with acks=all the producer numbers
    /// its batches so a retry is never written twice. Needs acks=all; a producer with acks 0 or 1 runs without it.
    /// </summary>
    public bool EnableIdempotence { get; init; }
    /// <summary>
    /// Kafka's transactional.id; null (the default) for a producer without transactions. A producer with one must run
    /// <see cref="Producer.Producer.InitTransactionsAsync"/> before its first transaction and sends only inside one.
    /// </summary>
    public string? TransactionalId { get; init; }
    /// <summary>Kafka's transaction.timeout.ms: the coordinator aborts (and fences) a transaction left open longer.</summary>
    public TimeSpan TransactionTimeout { get; init; }
    /// <summary>Bytes of records a producer holds (open, waiting and in flight) before a send waits for room: Kafka's buffer.memory.</summary>
    public long BufferMemory { get; init; }
    /// <summary>Longest a send waits for buffer memory before it fails: Kafka's max.block.ms.</summary>
    public TimeSpan MaxBlock { get; init; }
    public TimeSpan FetchMaxWait { get; init; }
    /// <summary>Most bytes one fetch of one partition returns: Kafka's max.partition.fetch.bytes.</summary>
    public int FetchMaxBytes { get; init; }
    /// <summary>
    /// Kafka's isolation.level: read_committed hands over only records below each partition's last stable offset and
    /// never those of aborted transactions; read_uncommitted (the default, as Kafka's) every record. Transaction
    /// markers are never handed over.
    /// </summary>
    public IsolationLevel IsolationLevel { get; init; }
    public int MaxBufferedRecords { get; init; }
    public TimeSpan SessionTimeout { get; init; }
    public TimeSpan HeartbeatInterval { get; init; }
    public TimeSpan AutoCommitInterval { get; init; }
    /// <summary>How long the coordinator waits for every member to rejoin a rebalance (JoinGroup's rebalance timeout).</summary>
    public TimeSpan RebalanceTimeout { get; init; }
    /// <summary>Kafka's partition.assignment.strategy: the assignors offered in JoinGroup, most preferred first.</summary>
    public IReadOnlyList<string> PartitionAssignmentStrategy { get; init; } = [];
}
