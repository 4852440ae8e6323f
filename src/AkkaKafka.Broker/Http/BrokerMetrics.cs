using System.Diagnostics;
using Akka.Actor;
using AkkaKafka.Broker.Partition;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;
using Prometheus;

namespace AkkaKafka.Broker.Http;

/// <summary>
/// The Prometheus metrics of one broker, in a registry of its own (several brokers run in one test process, so never
/// prometheus-net's static default registry). Actors and the Kafka listener report through one-line calls; gauges
/// that describe state held elsewhere (cluster members, groups' lag, connections of Akka clients) are read when
/// /metrics is scraped (<see cref="BrokerScrape"/>).
/// </summary>
/// <remarks>
/// An Akka extension rather than a constructor argument: every actor of this broker's ActorSystem (and only those)
/// finds the same instance, without threading a new parameter through the Props of actors that other work changes.
/// </remarks>
public sealed class BrokerMetrics : IExtension
{
    /// <summary>The <c>listener</c> label: requests from Akka clients (ClusterClient) or from Kafka clients.</summary>
    public const string AkkaListener = "akka";
    public const string KafkaListener = "kafka";

    /// <summary>Request latencies from a fraction of a millisecond to the longest fetch wait (30 s).</summary>
    private static readonly double[] LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly Counter _recordsIn, _bytesIn, _recordsOut, _bytesOut, _requests, _journalWriteFailures, _droppedBatches;
    private readonly Histogram _requestSeconds, _journalWriteSeconds;
    private readonly Gauge _logStart, _logEnd, _logSize, _connections;
    private long _lastJournalWriteOk, _lastJournalWriteFailed, _totalRecordsIn, _totalRecordsOut;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Topic, int Partition), LocalLog> _localLogs = new();
    /// <summary>
    /// The partitions whose PartitionActor on this broker has read its log back from the journal, with the assignment
    /// epoch it runs at: what readiness compares with the owned partitions of the newest metadata (no ask per partition).
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(long TopicId, int Partition), long> _recovered = new();

    public BrokerMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        _recordsIn = factory.CreateCounter("akkakafka_topic_records_in_total", "Records appended to the topic's partitions owned by this broker.", "topic");
        _bytesIn = factory.CreateCounter("akkakafka_topic_bytes_in_total", "Bytes of record batches appended to the topic's partitions owned by this broker.", "topic");
        _recordsOut = factory.CreateCounter("akkakafka_topic_records_out_total", "Records returned by fetches from the topic's partitions owned by this broker.", "topic");
        _bytesOut = factory.CreateCounter("akkakafka_topic_bytes_out_total", "Bytes of record batches returned by fetches from the topic's partitions owned by this broker.", "topic");
        _requests = factory.CreateCounter("akkakafka_requests_total", "Requests received by this broker's listeners, per Kafka API.", "api", "listener");
        _requestSeconds = factory.CreateHistogram("akkakafka_request_duration_seconds", "Time from a request's arrival to its answer (a fetch includes its long poll, a JoinGroup the rebalance).",
            new HistogramConfiguration { LabelNames = ["api", "listener"], Buckets = LatencyBuckets });
        _journalWriteSeconds = factory.CreateHistogram("akkakafka_journal_write_duration_seconds", "Time a partition waits for the journal to store a write (one batch of appends).",
            new HistogramConfiguration { Buckets = LatencyBuckets });
        _journalWriteFailures = factory.CreateCounter("akkakafka_journal_write_failures_total", "Journal writes of partitions that failed or were rejected.");
        _droppedBatches = factory.CreateCounter("akkakafka_produce_dropped_batches_total",
            "acks=0 batches dropped because their partition already had max-pending-bytes waiting for the journal (acks=0 gets no error to hear).");
        _logStart = factory.CreateGauge("akkakafka_partition_log_start_offset", "First offset still in the partition's log (owned by this broker).", "topic", "partition");
        _logEnd = factory.CreateGauge("akkakafka_partition_log_end_offset", "Offset the partition's next record gets (owned by this broker).", "topic", "partition");
        _logSize = factory.CreateGauge("akkakafka_partition_log_size_bytes", "Bytes of record batches in the partition's log (owned by this broker).", "topic", "partition");
        _connections = factory.CreateGauge("akkakafka_connections", "Open client connections per listener (Akka: ClusterClients known to the receptionist).", "listener");
        PartitionsOwned = factory.CreateGauge("akkakafka_partitions_owned", "Partitions whose owner is this broker, as the newest metadata says.");
        ClusterMembers = factory.CreateGauge("akkakafka_cluster_members", "Members of the broker cluster by status, as this broker sees them.", "status");
        Controller = factory.CreateGauge("akkakafka_controller", "1 when this broker runs the controller (the oldest broker), else 0.");
        GroupLag = factory.CreateGauge("akkakafka_consumer_group_lag", "Records between a group's committed offset and the partition's log end offset.", "group", "topic", "partition");
        // Kafka connections are counted as they open and close; the label exists from the start so a scrape shows 0.
        _connections.WithLabels(KafkaListener).Set(0);
    }

    public static BrokerMetrics For(ActorSystem system) => system.WithExtension<BrokerMetrics, BrokerMetricsProvider>();

    public CollectorRegistry Registry { get; }
    internal Gauge PartitionsOwned { get; }
    internal Gauge ClusterMembers { get; }
    internal Gauge Controller { get; }
    internal Gauge GroupLag { get; }

    /// <summary>A batch was persisted: counts its records (from the batch header) and bytes.</summary>
    public void BatchAppended(string topic, byte[] batch)
    {
        var records = new RecordBatch(batch).RecordCount;
        _recordsIn.WithLabels(topic).Inc(records);
        Interlocked.Add(ref _totalRecordsIn, records);
        _bytesIn.WithLabels(topic).Inc(batch.Length);
    }

    /// <summary>
    /// A fetch answered with these batches. The first batch may start before the requested offset (the client skips
    /// those records), so only records at or after <paramref name="fromOffset"/> count.
    /// </summary>
    public void Fetched(string topic, long fromOffset, byte[] records)
    {
        if (records.Length == 0) return;
        long count = 0;
        foreach (var batch in RecordBatches.Read(records))
            count += batch.BaseOffset >= fromOffset ? batch.RecordCount : Math.Max(0, batch.LastOffset - fromOffset + 1);
        _recordsOut.WithLabels(topic).Inc(count);
        Interlocked.Add(ref _totalRecordsOut, count);
        _bytesOut.WithLabels(topic).Inc(records.Length);
    }

    /// <summary>The partition's log changed (recovered, appended, retention): its offsets and size as gauges.</summary>
    public void LogChanged(PartitionIdentity partition, PartitionLog log)
    {
        var p = partition.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _logStart.WithLabels(partition.Topic, p).Set(log.LogStartOffset);
        _logEnd.WithLabels(partition.Topic, p).Set(log.NextOffset);
        _logSize.WithLabels(partition.Topic, p).Set(log.SizeInBytes);
        _localLogs[(partition.Topic, partition.Partition)] = new LocalLog(partition.TopicId, log.LogStartOffset, log.NextOffset, log.SizeInBytes);
    }

    /// <summary>The partition's actor stopped (moved away, topic deleted): its gauges go with it.</summary>
    public void LogClosed(PartitionIdentity partition)
    {
        var p = partition.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _logStart.RemoveLabelled(partition.Topic, p);
        _logEnd.RemoveLabelled(partition.Topic, p);
        _logSize.RemoveLabelled(partition.Topic, p);
        _localLogs.TryRemove((partition.Topic, partition.Partition), out _);
    }

    /// <summary>The partition's actor recovered its log and now takes requests as the owner at <paramref name="epoch"/>.</summary>
    public void PartitionRecovered(PartitionIdentity partition, long epoch) => _recovered[(partition.TopicId, partition.Partition)] = epoch;

    /// <summary>The partition's actor of <paramref name="epoch"/> stopped; a newer epoch's actor that already recovered stays.</summary>
    public void PartitionStopped(PartitionIdentity partition, long epoch) =>
        _recovered.TryRemove(KeyValuePair.Create((partition.TopicId, partition.Partition), epoch));

    /// <summary>
    /// Of the partitions <paramref name="metadata"/> assigns to <paramref name="self"/>, how many there are and how many
    /// have no recovered actor at their assigned epoch yet (still replaying their journal, waiting for a recovery slot,
    /// or restarting after a journal failure).
    /// </summary>
    public (int Owned, int Recovering) Recovery(ClusterMetadata metadata, string self)
    {
        int owned = 0, recovering = 0;
        foreach (var topic in metadata.Topics)
        foreach (var p in topic.Partitions)
        {
            if (p.Owner != self) continue;
            owned++;
            if (!_recovered.TryGetValue((topic.TopicId, p.Partition), out var epoch) || epoch != p.Epoch) recovering++;
        }
        return (owned, recovering);
    }

    /// <summary>Records appended to and fetched from this broker's partitions, all topics (the console's chart).</summary>
    public long TotalRecordsIn => Interlocked.Read(ref _totalRecordsIn);
    public long TotalRecordsOut => Interlocked.Read(ref _totalRecordsOut);

    /// <summary>The logs of the partitions this broker owns, as last reported.</summary>
    public IReadOnlyList<LocalLogView> LocalLogs() =>
        _localLogs.Select(kv => new LocalLogView(kv.Key.Topic, kv.Value.TopicId, kv.Key.Partition, kv.Value.LogStartOffset, kv.Value.LogEndOffset, kv.Value.SizeBytes))
            .OrderBy(l => l.Topic, StringComparer.Ordinal).ThenBy(l => l.Partition).ToList();

    /// <summary>A journal write that started at <paramref name="startedTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>) was stored.</summary>
    public void JournalWritten(long startedTimestamp)
    {
        _journalWriteSeconds.Observe(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds);
        Volatile.Write(ref _lastJournalWriteOk, Stopwatch.GetTimestamp());
    }

    /// <summary>An acks=0 batch was dropped: its partition's pending bytes were over the cap.</summary>
    public void DroppedBatch() => _droppedBatches.Inc();

    public void JournalWriteFailed()
    {
        _journalWriteFailures.Inc();
        Volatile.Write(ref _lastJournalWriteFailed, Stopwatch.GetTimestamp());
    }

    /// <summary>True when the newest journal write of any partition here failed (no write succeeded since).</summary>
    public bool LastJournalWriteFailed => Volatile.Read(ref _lastJournalWriteFailed) > Volatile.Read(ref _lastJournalWriteOk);

    /// <summary>
    /// The <c>api</c> label of a request: Kafka's API name in snake case ("produce", "fetch", "find_coordinator", …).
    /// Every API is counted and timed, as Kafka's broker keeps RequestMetrics per request type, so a client that asks
    /// more than it needs (a FindCoordinator per group request) shows.
    /// </summary>
    public static string ApiOf(Protocol.Kafka.IKafkaRequest request) => ApiLabels[request.ApiKey];

    private static readonly IReadOnlyDictionary<Protocol.Kafka.ApiKey, string> ApiLabels = Enum.GetValues<Protocol.Kafka.ApiKey>()
        .ToDictionary(key => key, key => string.Concat(key.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString())));

    /// <summary>Counts a request and, once it is answered, observes its latency.</summary>
    public async Task<T> TimeAsync<T>(string api, string listener, Task<T> answer)
    {
        var started = Stopwatch.GetTimestamp();
        _requests.WithLabels(api, listener).Inc();
        try
        {
            return await answer;
        }
        finally
        {
            _requestSeconds.WithLabels(api, listener).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    /// <summary>How many <paramref name="api"/> requests ("produce", "fetch") came in by <paramref name="listener"/> ("akka", "kafka").</summary>
    public double RequestsReceived(string api, string listener) => _requests.WithLabels(api, listener).Value;


    /// <summary>A Kafka connection opened; disposing the result counts it closed.</summary>
    public IDisposable KafkaConnectionOpened()
    {
        var gauge = _connections.WithLabels(KafkaListener);
        gauge.Inc();
        return new Closing(gauge);
    }

    internal void SetAkkaConnections(int count) => _connections.WithLabels(AkkaListener).Set(count);

    private sealed class Closing(Gauge.Child gauge) : IDisposable
    {
        private int _closed;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0) gauge.Dec();
        }
    }
}

/// <summary>A partition log's offsets and size, as its owner last reported them.</summary>
public sealed record LocalLog(long TopicId, long LogStartOffset, long LogEndOffset, long SizeBytes);

public sealed class BrokerMetricsProvider : ExtensionIdProvider<BrokerMetrics>
{
    public override BrokerMetrics CreateExtension(ExtendedActorSystem system) => new();
}
