using Akka.Actor;
using Akka.Configuration;
using AkkaKafka.Protocol;

namespace AkkaKafka.Broker;

/// <summary>The akkakafka.broker block of hocon/broker.hocon, read and validated once; every default is in that file.</summary>
public sealed class BrokerSettings
{
    public BrokerSettings(Config config)
    {
        var c = new SettingsBlock(config, "akkakafka.broker");
        AutoCreateTopics = c.Boolean("auto-create-topics");
        DefaultPartitions = c.Int("default-partitions");
        DefaultRetentionMs = c.Long("default-retention-ms");
        DefaultRetentionBytes = c.Long("default-retention-bytes");
        RetentionCheckInterval = c.TimeSpan("retention-check-interval");
        ProducerIdExpiration = c.TimeSpan("producer-id-expiration");
        TailBytes = c.ByteSize("tail-bytes");
        SegmentBatches = c.Int("segment-batches");
        ReadAheadBytes = c.ByteSize("read-ahead-bytes");
        PrefetchAssumedBatchBytes = c.ByteSize("prefetch-assumed-batch-bytes");
        ReadCacheBytes = c.ByteSize("read-cache-bytes");
        MaxConcurrentJournalReads = c.Int("max-concurrent-journal-reads");
        SegmentBytes = c.ByteSize("segment-bytes");
        SnapshotEvery = c.Int("snapshot-every");
        ControllerSnapshotEvery = c.Int("controller-snapshot-every");
        MaxFetchBytes = (int)c.ByteSize("max-fetch-bytes");
        MaxFetchWait = c.TimeSpan("max-fetch-wait");
        MaxWaitingFetches = c.Int("max-waiting-fetches");
        FetchDeadlineCheckInterval = c.TimeSpan("fetch-deadline-check-interval", allowInfinite: false);
        MaxBatchBytes = (int)c.ByteSize("max-batch-bytes");
        MaxPendingBytes = c.ByteSize("max-pending-bytes");
        MetadataRefreshInterval = c.TimeSpan("metadata-refresh-interval");
        PartitionRestartMinBackoff = c.TimeSpan("partition-restart-min-backoff");
        PartitionRestartMaxBackoff = c.TimeSpan("partition-restart-max-backoff");
        RequestTimeout = c.TimeSpan("request-timeout");
        ControllerReadTimeout = c.TimeSpan("controller-read-timeout");
        TransactionPartitionVerification = c.Boolean("transactions.partition-verification");
        TransactionLog = c.Boolean("transaction-log.enabled");
        TransactionLogFlushInterval = c.TimeSpan("transaction-log.flush-interval");
        OffsetsTopicPartitions = c.Int("offsets.topic.num.partitions");

        if (DefaultPartitions < 1) throw new ConfigurationException("akkakafka.broker.default-partitions must be at least 1");
        if (OffsetsTopicPartitions is < 1 or > Controller.ControllerState.MaxPartitions)
            throw new ConfigurationException($"akkakafka.broker.offsets.topic.num.partitions must be between 1 and {Controller.ControllerState.MaxPartitions}");
        if (SegmentBatches < 1) throw new ConfigurationException("akkakafka.broker.segment-batches must be at least 1");
        if (SnapshotEvery < 1) throw new ConfigurationException("akkakafka.broker.snapshot-every must be at least 1");
        if (ControllerSnapshotEvery < 1) throw new ConfigurationException("akkakafka.broker.controller-snapshot-every must be at least 1");
        if (MaxConcurrentJournalReads < 1) throw new ConfigurationException("akkakafka.broker.max-concurrent-journal-reads must be at least 1");
        if (FetchDeadlineCheckInterval <= TimeSpan.Zero) throw new ConfigurationException("akkakafka.broker.fetch-deadline-check-interval must be positive");
        if (PrefetchAssumedBatchBytes < 1) throw new ConfigurationException("akkakafka.broker.prefetch-assumed-batch-bytes must be at least 1");
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
    public const int FrameOverhead = RemotingFrame.Overhead;

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
    /// <summary>The batch size a prefetch assumes where no segment tells the average (sizes its query's row limit).</summary>
    public long PrefetchAssumedBatchBytes { get; }
    /// <summary>Budget of the broker's cache of old batches read back from the journal, shared by all its partitions.</summary>
    public long ReadCacheBytes { get; }
    /// <summary>Journal reads (fetches of old records, prefetches, timestamp look-ups) one partition runs at once; more wait their turn.</summary>
    public int MaxConcurrentJournalReads { get; }
    public long SegmentBytes { get; }
    public int SnapshotEvery { get; }
    /// <summary>The controller saves a snapshot of the cluster's metadata after this many persisted events.</summary>
    public int ControllerSnapshotEvery { get; }
    public int MaxFetchBytes { get; }
    public TimeSpan MaxFetchWait { get; }
    public int MaxWaitingFetches { get; }
    /// <summary>How often a partition with parked fetches checks their deadlines: one with nothing new is answered at most this late.</summary>
    public TimeSpan FetchDeadlineCheckInterval { get; }
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
    /// <summary>Kafka's transaction.partition.verification.enable (KIP-890 part 1): see PartitionState.Produce.</summary>
    public bool TransactionPartitionVerification { get; }
    public bool TransactionLog { get; }
    public TimeSpan TransactionLogFlushInterval { get; }
    /// <summary>Kafka's offsets.topic.num.partitions: the partitions of __consumer_offsets, fixed when it is created.</summary>
    public int OffsetsTopicPartitions { get; }
}
