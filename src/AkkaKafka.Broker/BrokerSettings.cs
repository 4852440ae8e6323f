using Akka.Actor;
using Akka.Configuration;

namespace AkkaKafka.Broker;

/// <summary>The akkakafka.broker block of hocon/broker.hocon, read and validated once.</summary>
public sealed class BrokerSettings
{
    public BrokerSettings(Config config)
    {
        var c = config.GetConfig("akkakafka.broker") ?? throw new ConfigurationException("akkakafka.broker section is missing");
        AutoCreateTopics = c.GetBoolean("auto-create-topics", true);
        DefaultPartitions = c.GetInt("default-partitions", 1);
        DefaultRetentionMs = c.GetLong("default-retention-ms", -1);
        DefaultRetentionBytes = c.GetLong("default-retention-bytes", -1);
        RetentionCheckInterval = c.GetTimeSpan("retention-check-interval", TimeSpan.FromSeconds(30));
        ProducerIdExpiration = c.GetTimeSpan("producer-id-expiration", TimeSpan.FromDays(1));
        TailBytes = c.GetByteSize("tail-bytes") ?? 8 * 1024 * 1024;
        SegmentBatches = c.GetInt("segment-batches", 1000);
        ReadAheadBytes = c.GetByteSize("read-ahead-bytes") ?? 4 * 1024 * 1024;
        ReadCacheBytes = c.GetByteSize("read-cache-bytes") ?? 32 * 1024 * 1024;
        SegmentBytes = c.GetByteSize("segment-bytes") ?? 64 * 1024 * 1024;
        SnapshotEvery = c.GetInt("snapshot-every", 1000);
        MaxFetchBytes = (int)(c.GetByteSize("max-fetch-bytes") ?? 4 * 1024 * 1024);
        MaxFetchWait = c.GetTimeSpan("max-fetch-wait", TimeSpan.FromSeconds(30));
        MaxWaitingFetches = c.GetInt("max-waiting-fetches", 1000);
        MaxBatchBytes = (int)(c.GetByteSize("max-batch-bytes") ?? 4 * 1024 * 1024);
        MaxPendingBytes = c.GetByteSize("max-pending-bytes") ?? 16 * 1024 * 1024;
        MetadataRefreshInterval = c.GetTimeSpan("metadata-refresh-interval", TimeSpan.FromSeconds(5));
        PartitionRestartMinBackoff = c.GetTimeSpan("partition-restart-min-backoff", TimeSpan.FromMilliseconds(200));
        PartitionRestartMaxBackoff = c.GetTimeSpan("partition-restart-max-backoff", TimeSpan.FromSeconds(2));
        RequestTimeout = c.GetTimeSpan("request-timeout", TimeSpan.FromSeconds(10));
        ControllerReadTimeout = c.GetTimeSpan("controller-read-timeout", TimeSpan.FromMilliseconds(750));
        TransactionLog = c.GetBoolean("transaction-log.enabled", true);
        TransactionLogFlushInterval = c.GetTimeSpan("transaction-log.flush-interval", TimeSpan.FromMilliseconds(500));

        if (DefaultPartitions < 1) throw new ConfigurationException("akkakafka.broker.default-partitions must be at least 1");
        if (SegmentBatches < 1) throw new ConfigurationException("akkakafka.broker.segment-batches must be at least 1");
        if (SnapshotEvery < 1) throw new ConfigurationException("akkakafka.broker.snapshot-every must be at least 1");
        if (ReadAheadBytes < 0) throw new ConfigurationException("akkakafka.broker.read-ahead-bytes must not be negative");
        if (ReadCacheBytes < 0) throw new ConfigurationException("akkakafka.broker.read-cache-bytes must not be negative");
        if (TailBytes < 0) throw new ConfigurationException("akkakafka.broker.tail-bytes must not be negative");
        if (MaxPendingBytes < MaxBatchBytes) throw new ConfigurationException("akkakafka.broker.max-pending-bytes must be at least max-batch-bytes");
        // Every allowed batch and fetch answer must fit in one remoting frame with room for the envelope: one that
        // does not fails with Akka's OversizedPayloadException, which the sender only sees as a request timing out.
        if (config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size") is { } frame
            && frame < Math.Max(MaxBatchBytes, MaxFetchBytes) + FrameOverhead)
            throw new ConfigurationException(
                $"akka.remote.dot-netty.tcp.maximum-frame-size ({frame} bytes) must exceed max-batch-bytes and max-fetch-bytes by {FrameOverhead} bytes");
    }

    /// <summary>Room in a remoting frame for a request's or answer's envelope around its record batches.</summary>
    public const int FrameOverhead = 64 * 1024;

    public static BrokerSettings Create(ActorSystem system) => new(system.Settings.Config);

    public bool AutoCreateTopics { get; }
    public int DefaultPartitions { get; }
    public long DefaultRetentionMs { get; }
    public long DefaultRetentionBytes { get; }
    public TimeSpan RetentionCheckInterval { get; }
    /// <summary>An idempotent producer idle this long is forgotten by each partition (Kafka's producer.id.expiration.ms).</summary>
    public TimeSpan ProducerIdExpiration { get; }
    public long TailBytes { get; }
    public int SegmentBatches { get; }
    public long ReadAheadBytes { get; }
    /// <summary>Budget of the broker's cache of old batches read back from the journal, shared by all its partitions.</summary>
    public long ReadCacheBytes { get; }
    public long SegmentBytes { get; }
    public int SnapshotEvery { get; }
    public int MaxFetchBytes { get; }
    public TimeSpan MaxFetchWait { get; }
    public int MaxWaitingFetches { get; }
    public int MaxBatchBytes { get; }
    /// <summary>
    /// Bytes of batches a partition holds waiting for (or in) its journal write before it refuses more: the bound
    /// acks=0 producers, which wait for nothing, would otherwise not have.
    /// </summary>
    public long MaxPendingBytes { get; }
    public TimeSpan MetadataRefreshInterval { get; }
    public TimeSpan PartitionRestartMinBackoff { get; }
    public TimeSpan PartitionRestartMaxBackoff { get; }
    public TimeSpan RequestTimeout { get; }
    /// <summary>How long a broker waits for the controller's answer to a read before it answers from its own metadata.</summary>
    public TimeSpan ControllerReadTimeout { get; }
    public bool TransactionLog { get; }
    public TimeSpan TransactionLogFlushInterval { get; }
}
