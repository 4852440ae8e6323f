using Akka.Configuration;

namespace AkkaKafka.Client;

/// <summary>The akkakafka.client block of hocon/client.hocon.</summary>
public sealed class ClientSettings
{
    public ClientSettings(Config config)
    {
        var c = config.GetConfig("akkakafka.client") ?? throw new ConfigurationException("akkakafka.client section is missing");
        RequestTimeout = c.GetTimeSpan("request-timeout", TimeSpan.FromSeconds(15));
        AttemptTimeout = c.GetTimeSpan("attempt-timeout", TimeSpan.FromSeconds(2));
        Linger = c.GetTimeSpan("linger", TimeSpan.Zero);
        BatchSize = (int)(c.GetByteSize("batch-size") ?? 256 * 1024);
        MaxRequestSize = (int)(c.GetByteSize("max-request-size") ?? 1024 * 1024);
        MaxInFlight = c.GetInt("max-in-flight", 5);
        BufferMemory = c.GetByteSize("buffer-memory") ?? 32 * 1024 * 1024;
        MaxBlock = c.GetTimeSpan("max-block", TimeSpan.FromSeconds(60));
        DeliveryTimeout = c.GetTimeSpan("delivery-timeout", TimeSpan.FromSeconds(120));
        EnableIdempotence = c.GetBoolean("enable-idempotence", true);
        FetchMaxWait = c.GetTimeSpan("fetch-max-wait", TimeSpan.FromMilliseconds(500));
        FetchMaxBytes = (int)(c.GetByteSize("fetch-max-bytes") ?? 1024 * 1024);
        MaxBufferedRecords = c.GetInt("max-buffered-records", 20000);
        SessionTimeout = c.GetTimeSpan("session-timeout", TimeSpan.FromSeconds(10));
        HeartbeatInterval = c.GetTimeSpan("heartbeat-interval", TimeSpan.FromSeconds(1));
        AutoCommitInterval = c.GetTimeSpan("auto-commit-interval", TimeSpan.FromSeconds(1));
        if (MaxInFlight < 1) throw new ConfigurationException("akkakafka.client.max-in-flight must be at least 1");
        if (BufferMemory < BatchSize) throw new ConfigurationException("akkakafka.client.buffer-memory must be at least batch-size");
        if (Linger < TimeSpan.Zero) throw new ConfigurationException("akkakafka.client.linger must not be negative");
        if (MaxRequestSize < BatchSize) throw new ConfigurationException("akkakafka.client.max-request-size must be at least batch-size");
        // A request must fit in one remoting frame (with room for the envelope), or Akka drops it as oversized and the
        // producer hears only a timeout.
        if (config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size") is { } frame && frame < MaxRequestSize + 64 * 1024)
            throw new ConfigurationException($"akkakafka.client.max-request-size must stay 64KiB below akka.remote.dot-netty.tcp.maximum-frame-size ({frame} bytes)");
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
    /// <summary>Bytes of records a producer holds (open, waiting and in flight) before a send waits for room: Kafka's buffer.memory.</summary>
    public long BufferMemory { get; init; }
    /// <summary>Longest a send waits for buffer memory before it fails: Kafka's max.block.ms.</summary>
    public TimeSpan MaxBlock { get; init; }
    public TimeSpan FetchMaxWait { get; init; }
    public int FetchMaxBytes { get; init; }
    public int MaxBufferedRecords { get; init; }
    public TimeSpan SessionTimeout { get; init; }
    public TimeSpan HeartbeatInterval { get; init; }
    public TimeSpan AutoCommitInterval { get; init; }
}
