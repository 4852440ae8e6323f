using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using AkkaKafka.Broker;
using AkkaKafka.Broker.Partition;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;
using AkkaKafka.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.Partition;

[Trait("Speed", "Fast")]
public sealed class SqlitePartitionActorSpecs(SqliteJournal journal, ITestOutputHelper output)
    : PartitionActorSpecs(journal, output), IClassFixture<SqliteJournal>;

[Trait("Speed", "Slow")]
public sealed class PostgresPartitionActorSpecs(PostgresJournal journal, ITestOutputHelper output)
    : PartitionActorSpecs(journal, output), IClassFixture<PostgresJournal>;

/// <summary>
/// The single writer of a partition, end to end through a real journal: offsets, fetches and long polls, validation,
/// recovery, reads from the journal, snapshots, retention and fencing of a stale owner. Runs on every backend.
/// </summary>
public abstract class PartitionActorSpecs : PersistenceSpec
{
    private const string Config = TestConfigs.Local + """

        akkakafka.broker {
          retention-check-interval = 200ms
          snapshot-every = 5
          segment-batches = 3
          max-fetch-wait = 30s
        }
        """;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    protected PartitionActorSpecs(JournalBackend backend, ITestOutputHelper output) : base(backend, output, Config)
    {
    }

    /// <summary>A partition no other spec uses (specs of one class share a PostgreSQL database).</summary>
    private static PartitionIdentity NewPartition() => new("orders-" + Guid.NewGuid().ToString("N")[..12], 1, 0);

    private BrokerSettings Settings(string overrides = "") =>
        new(ConfigurationFactory.ParseString(overrides).WithFallback(Sys.Settings.Config));

    private IActorRef StartPartition(PartitionIdentity partition, long epoch = 1, long retentionMs = -1, long retentionBytes = -1, BrokerSettings? settings = null,
        TimestampType timestampType = TimestampType.CreateTime) =>
        Sys.ActorOf(PartitionActor.Props(partition, epoch, retentionMs, retentionBytes, settings ?? BrokerSettings.Create(Sys), timestampType));

    private static ProduceRequest ProduceOf(PartitionIdentity partition, byte[] batch) => new(partition.Topic, partition.Partition, batch, Acks.All, "spec");

    private ProduceResponse TryProduce(IActorRef actor, PartitionIdentity partition, byte[] batch)
    {
        var producer = CreateTestProbe();
        actor.Tell(ProduceOf(partition, batch), producer.Ref);
        return producer.ExpectMsg<ProduceResponse>(Timeout);
    }

    /// <summary>Produces one batch of <paramref name="values"/> and returns its acknowledged base offset.</summary>
    private long Produce(IActorRef actor, PartitionIdentity partition, params string[] values)
    {
        var response = TryProduce(actor, partition, Batches.Produced(values));
        Assert.True(response.Error == ErrorCode.None, $"produce failed: {response.Error} {response.ErrorMessage}");
        return response.BaseOffset;
    }

    private FetchResponse Fetch(IActorRef actor, PartitionIdentity partition, long offset, int maxBytes = 1 << 20, int maxWaitMs = 0, TestProbe? consumer = null)
    {
        consumer ??= CreateTestProbe();
        actor.Tell(new FetchRequest(partition.Topic, partition.Partition, offset, maxBytes, maxWaitMs, "spec"), consumer.Ref);
        return consumer.ExpectMsg<FetchResponse>(Timeout);
    }

    private long ListOffset(IActorRef actor, PartitionIdentity partition, long timestamp)
    {
        var probe = CreateTestProbe();
        actor.Tell(new ListOffsetsRequest(partition.Topic, partition.Partition, timestamp), probe.Ref);
        var response = probe.ExpectMsg<ListOffsetsResponse>(Timeout);
        Assert.Equal(ErrorCode.None, response.Error);
        return response.Offset;
    }

    private ListOffsetsResponse ListOffsetsAt(IActorRef actor, PartitionIdentity partition, long timestamp)
    {
        var probe = CreateTestProbe();
        actor.Tell(new ListOffsetsRequest(partition.Topic, partition.Partition, timestamp), probe.Ref);
        return probe.ExpectMsg<ListOffsetsResponse>(Timeout);
    }

    /// <summary>Produces one batch whose records carry the given timestamps; returns its base offset.</summary>
    private long ProduceTimed(IActorRef actor, PartitionIdentity partition, CompressionType compression, params long[] timestamps)
    {
        var response = TryProduce(actor, partition, Batches.Timed(0, compression, timestamps.Select(t => (t, $"t{t - Batches.T0}")).ToArray()));
        Assert.True(response.Error == ErrorCode.None, $"produce failed: {response.Error} {response.ErrorMessage}");
        return response.BaseOffset;
    }

    private long LogEnd(IActorRef actor, PartitionIdentity partition) => ListOffset(actor, partition, ListOffsetsRequest.Latest);

    private long LogStart(IActorRef actor, PartitionIdentity partition) => ListOffset(actor, partition, ListOffsetsRequest.Earliest);

    private List<string> AllValues(IActorRef actor, PartitionIdentity partition, long from = 0)
    {
        var response = Fetch(actor, partition, from);
        Assert.Equal(ErrorCode.None, response.Error);
        return Batches.Records(response.Records).Where(r => r.Offset >= from).Select(r => System.Text.Encoding.UTF8.GetString(r.Value!)).ToList();
    }

    // ---------------- produce ----------------

    [SkippableFact]
    public void Produced_batches_are_acknowledged_with_contiguous_base_offsets_from_zero()
    {
        var partition = NewPartition();
        var actor = StartPartition(partition);

        long[] baseOffsets = [Produce(actor, partition, "a", "b", "c"), Produce(actor, partition, "d"), Produce(actor, partition, "e", "f", "g", "h")];

        Assert.Equal([0L, 3L, 4L], baseOffsets);
        Assert.Equal(8, LogEnd(actor, partition));
    }

    [SkippableFact]
    public void Batches_sent_without_waiting_for_acks_get_contiguous_offsets_in_arrival_order()
    {
        var partition = NewPartition();
        var actor = StartPartition(partition);
        var producer = CreateTestProbe();

        for (var i = 0; i < 20; i++) actor.Tell(ProduceOf(partition, Batches.Produced($"x{i}", $"y{i}")), producer.Ref);
        var acks = Enumerable.Range(0, 20).Select(_ => producer.ExpectMsg<ProduceResponse>(Timeout)).ToList();

        Assert.All(acks, a => Assert.Equal(ErrorCode.None, a.Error));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => 2L * i), acks.Select(a => a.BaseOffset));
        Assert.Equal(Enumerable.Range(0, 20).SelectMany(i => new[] { $"x{i}", $"y{i}" }), AllValues(actor, partition));
    }

    [SkippableFact]
    public void A_corrupt_batch_is_refused_and_nothing_is_appended()
    {
        var partition = NewPartition();
        var actor = StartPartition(partition);
        Produce(actor, partition, "good");
        var corrupt = Batches.Produced("bad");
        corrupt[^1] ^= 0x01; // inside the records, covered by the CRC

        var response = TryProduce(actor, partition, corrupt);

        Assert.Equal(ErrorCode.CorruptMessage, response.Error);
        Assert.Equal(1, LogEnd(actor, partition));
        Assert.Single(JournalEvents(partition.PersistenceId), e => e.Payload is BatchAppended);
        Assert.Equal(1, Produce(actor, partition, "next"));
    }

    // ---------------- fetch ----------------

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(1)]
    public void A_batch_with_an_old_magic_is_refused_as_a_corrupt_message(byte magic)
    {
        var partition = NewPartition();
        var actor = StartPartition(partition);
        var old = Batches.Produced("old");
        old[16] = magic; // magic lies outside the CRC'd range, so the CRC still matches

        var response = TryProduce(actor, partition, old);

        Assert.Equal(ErrorCode.CorruptMessage, response.Error);
        Assert.Contains($"magic is {magic}", response.ErrorMessage);
        Assert.Equal(0, LogEnd(actor, partition));
    }

    [SkippableTheory]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public void A_compressed_batch_is_validated_stored_as_sent_and_fetched_back(CompressionType compression)
    {
        var partition = NewPartition();
        var actor = StartPartition(partition);
        Produce(actor, partition, "plain");

        var sent = Batches.Timed(0, compression, (Batches.T0, "a"), (Batches.T0 + 1, "b"));
        var response = TryProduce(actor, partition, sent);

        Assert.Equal(ErrorCode.None, response.Error);
        Assert.Equal(["plain", "a", "b"], AllValues(actor, partition));
        var stored = RecordBatches.Read(Fetch(actor, partition, 1).Records).Single();
        Assert.Equal((int)compression, stored.CompressionCodec);
        Assert.Equal(sent[RecordBatch.HeaderSize..], stored.Bytes.ToArray()[RecordBatch.HeaderSize..]);
    }

    [SkippableFact]
    public void A_compressed_batch_whose_records_are_corrupt_is_refused_as_a_corrupt_message()
    {
        var partition = NewPartition();
        var actor = StartPartition(partition);
        var bad = Batches.Timed(0, CompressionType.Lz4, (Batches.T0, "a"));
        bad.AsSpan(RecordBatch.HeaderSize + 7).Fill(0xFF); // the LZ4 frame's blocks, CRC fixed so only the codec can tell
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bad.AsSpan(17), AkkaKafka.Protocol.Records.Crc32C.Compute(bad.AsSpan(21)));

        var response = TryProduce(actor, partition, bad);

        Assert.Equal(ErrorCode.CorruptMessage, response.Error);
        Assert.Equal(0, LogEnd(actor, partition));
    }

    [SkippableFact]
    public void A_fetch_returns_the_produced_records_with_their_offsets()
    {
        var partition = NewPartition();
        var actor = StartPartition(partition);
        Produce(actor, partition, "a", "b", "c");
        Produce(actor, partition, "d", "e");

        var response = Fetch(actor, partition, 0);

        Assert.Equal(ErrorCode.None, response.Error);
        Assert.Equal(5, response.HighWatermark);
        Assert.Equal(0, response.LogStartOffset);
        Assert.Equal(["a", "b", "c", "d", "e"], Batches.ValuesOf(response.Records));
        Assert.Equal([0L, 1L, 2L, 3L, 4L], Batches.Records(response.Records).Select(r => r.Offset));
    }

    [SkippableFact]
    public void A_fetch_inside_a_batch_returns_that_whole_batch_onwards()
    {
        var partition = NewPartition();
        var actor = StartPartition(partition);
        Produce(actor, partition, "a", "b", "c");
        Produce(actor, partition, "d", "e");

        var response = Fetch(actor, partition, 4);

        Assert.Equal([3L], Batches.BaseOffsetsOf(response.Records));
        Assert.Equal(["d", "e"], Batches.ValuesOf(response.Records));
    }

    [SkippableFact]
    public void A_fetch_at_the_log_end_waits_for_the_next_produce_and_returns_it()
    {
        var partition = NewPartition();
        var actor = StartPartition(partition);
        Produce(actor, partition, "before");
        var consumer = CreateTestProbe();

        // Sent before the produce: if it were answered at once it could not hold the record produced after it.
        actor.Tell(new FetchRequest(partition.Topic, partition.Partition, 1, 1 << 20, 30_000, "spec"), consumer.Ref);
        Produce(actor, partition, "after");

        var response = consumer.ExpectMsg<FetchResponse>(Timeout);
        Assert.Equal(ErrorCode.None, response.Error);
        Assert.Equal(["after"], Batches.ValuesOf(response.Records));
        Assert.Equal(2, response.HighWatermark);
    }

    [SkippableFact]
    public void A_fetch_at_the_log_end_is_answered_empty_once_its_max_wait_has_passed()
    {
        var partition = NewPartition();
        var actor = StartPartition(partition);
        Produce(actor, partition, "only");

        var response = Fetch(actor, partition, 1, maxWaitMs: 300);

        Assert.Equal(ErrorCode.None, response.Error);
        Assert.Empty(response.Records);
        Assert.Equal(1, response.HighWatermark);
    }

    [SkippableFact]
    public void A_fetch_beyond_the_log_end_or_below_zero_is_out_of_range()
    {
        var partition = NewPartition();
        var actor = StartPartition(partition);
        Produce(actor, partition, "a", "b");

        var beyond = Fetch(actor, partition, 3);
        var negative = Fetch(actor, partition, -1);

        Assert.Equal(ErrorCode.OffsetOutOfRange, beyond.Error);
        Assert.Equal(2, beyond.HighWatermark);
        Assert.Empty(beyond.Records);
        Assert.Equal(ErrorCode.OffsetOutOfRange, negative.Error);
    }

    // ---------------- recovery and the journal ----------------

    [SkippableFact]
    public void A_restarted_partition_keeps_every_acknowledged_record_and_never_reuses_an_offset()
    {
        var partition = NewPartition();
        var first = StartPartition(partition);
        Produce(first, partition, "a", "b");
        Produce(first, partition, "c");
        StopAndWait(first);

        var second = StartPartition(partition);

        Assert.Equal(["a", "b", "c"], AllValues(second, partition));
        Assert.Equal(3, Produce(second, partition, "d"));
        Assert.Equal(["a", "b", "c", "d"], AllValues(second, partition));
    }

    [SkippableFact]
    public void Records_older_than_the_in_memory_tail_are_read_back_from_the_journal()
    {
        var partition = NewPartition();
        // The tail keeps only the newest batch: every other fetch below goes through a JournalReader.
        var actor = StartPartition(partition, settings: Settings("akkakafka.broker.tail-bytes = 1"));
        for (var i = 0; i < 10; i++) Produce(actor, partition, $"r{2 * i}", $"r{2 * i + 1}");

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"r{i}"), AllValues(actor, partition));
        for (long offset = 0; offset < 20; offset++)
        {
            var oneBatch = Fetch(actor, partition, offset, maxBytes: 1);
            Assert.Equal(ErrorCode.None, oneBatch.Error);
            Assert.Equal([offset - offset % 2], Batches.BaseOffsetsOf(oneBatch.Records));
            Assert.Contains($"r{offset}", Batches.ValuesOf(oneBatch.Records));
        }
    }

    [SkippableFact]
    public void A_sequential_reader_of_old_records_gets_every_record_once_in_order_through_journal_reads_and_read_ahead()
    {
        var partition = NewPartition();
        // One batch of tail, a read-ahead of about three batches: the reads below alternate between the journal
        // and the read-ahead the previous journal read left behind.
        var actor = StartPartition(partition, settings: Settings("akkakafka.broker { tail-bytes = 1, read-ahead-bytes = 300 }"));
        for (var i = 0; i < 40; i++) Produce(actor, partition, $"r{3 * i}", $"r{3 * i + 1}", $"r{3 * i + 2}");

        var seen = new List<string>();
        long position = 0;
        while (position < 120)
        {
            var response = Fetch(actor, partition, position, maxBytes: 200);
            Assert.Equal(ErrorCode.None, response.Error);
            var records = Batches.Records(response.Records).Where(r => r.Offset >= position).ToList();
            Assert.NotEmpty(records);
            Assert.Equal(position, records[0].Offset);
            Assert.Equal(Enumerable.Range(0, records.Count).Select(i => position + i), records.Select(r => r.Offset));
            seen.AddRange(records.Select(r => System.Text.Encoding.UTF8.GetString(r.Value!)));
            position = records[^1].Offset + 1;
        }
        Assert.Equal(Enumerable.Range(0, 120).Select(i => $"r{i}"), seen);
    }

    [SkippableFact]
    public void A_journal_read_finds_the_offset_even_when_batch_sizes_vary_widely_within_a_segment()
    {
        var partition = NewPartition();
        var actor = StartPartition(partition, settings: Settings("akkakafka.broker { tail-bytes = 1, segment-batches = 1000 }"));
        for (var i = 0; i < 20; i++) Produce(actor, partition, $"r{i}");
        Produce(actor, partition, Batches.Values("big", 200));
        Produce(actor, partition, "last");

        foreach (var offset in new long[] { 0, 15, 19, 20, 150, 219, 220 })
        {
            var response = Fetch(actor, partition, offset, maxBytes: 1);
            Assert.Equal(ErrorCode.None, response.Error);
            Assert.Contains(offset, Batches.Records(response.Records).Select(r => r.Offset));
        }
    }

    [SkippableFact]
    public void A_partition_snapshots_its_index_and_recovers_to_the_same_log_end_from_it()
    {
        var partition = NewPartition();
        var first = StartPartition(partition);
        for (var i = 0; i < 7; i++) Produce(first, partition, $"r{i}");

        // snapshot-every = 5: the fifth batch event triggers one.
        AwaitAssert(() => Assert.Equal(5, Assert.IsType<PartitionSnapshot>(LatestSnapshot(partition.PersistenceId)?.Snapshot).NextOffset), Timeout);
        StopAndWait(first);
        var second = StartPartition(partition);

        Assert.Equal(7, LogEnd(second, partition));
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"r{i}"), AllValues(second, partition));
        Assert.Equal(7, Produce(second, partition, "r7"));
    }

    // ---------------- retention ----------------

    [SkippableFact]
    public void Retention_by_size_moves_the_log_start_and_older_offsets_become_out_of_range()
    {
        var partition = NewPartition();
        var batchBytes = Batches.Produced("r0").Length;
        var actor = StartPartition(partition, retentionBytes: 2 * batchBytes, settings: Settings("akkakafka.broker.segment-batches = 1"));
        for (var i = 0; i < 6; i++) Produce(actor, partition, $"r{i}");

        // Six one-batch segments, two batches' worth retained: segments 0 to 3 go.
        AwaitAssert(() => Assert.Equal(4, LogStart(actor, partition)), Timeout);
        var below = Fetch(actor, partition, 3);
        Assert.Equal(ErrorCode.OffsetOutOfRange, below.Error);
        Assert.Equal(4, below.LogStartOffset);
        Assert.Equal(["r4", "r5"], AllValues(actor, partition, 4));
        AwaitAssert(() => Assert.All(
            JournalEvents(partition.PersistenceId).Select(e => e.Payload).OfType<BatchAppended>(),
            e => Assert.True(new AkkaKafka.Protocol.Records.RecordBatch(e.Batch).BaseOffset >= 4)), Timeout);

        StopAndWait(actor);
        var restarted = StartPartition(partition, retentionBytes: 2 * batchBytes, settings: Settings("akkakafka.broker.segment-batches = 1"));
        Assert.Equal(4, LogStart(restarted, partition));
        Assert.Equal(["r4", "r5"], AllValues(restarted, partition, 4));
    }

    // ---------------- ownership ----------------

    [SkippableFact]
    public void An_owner_with_an_older_epoch_than_the_journal_stops_without_writing()
    {
        var partition = NewPartition();
        var current = StartPartition(partition, epoch: 2);
        Produce(current, partition, "a");
        StopAndWait(current);
        var eventsBefore = JournalEvents(partition.PersistenceId).Count;
        var watcher = CreateTestProbe();

        var stale = StartPartition(partition, epoch: 1);
        watcher.Watch(stale);

        watcher.ExpectTerminated(stale, Timeout);
        var events = JournalEvents(partition.PersistenceId);
        Assert.Equal(eventsBefore, events.Count);
        Assert.DoesNotContain(events, e => e.Payload is LeaderEpochClaimed { Epoch: 1 });
    }

    [SkippableFact]
    public void An_owner_with_an_older_epoch_is_fenced_even_after_retention_deleted_the_first_events_and_no_snapshot_survived()
    {
        var partition = NewPartition();
        var batchBytes = Batches.Produced("r0").Length;
        var current = StartPartition(partition, epoch: 2, retentionBytes: 2 * batchBytes, settings: Settings("akkakafka.broker.segment-batches = 1"));
        for (var i = 0; i < 6; i++) Produce(current, partition, $"r{i}");
        AwaitAssert(() => Assert.DoesNotContain(JournalEvents(partition.PersistenceId), e => e.SequenceNr == 1), Timeout);
        AwaitAssert(() => Assert.NotNull(LatestSnapshot(partition.PersistenceId)), Timeout);
        StopAndWait(current);
        // A snapshot save may fail (it is only logged); the journal alone must still fence.
        var store = CreateTestProbe();
        Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null)
            .Tell(new Akka.Persistence.DeleteSnapshots(partition.PersistenceId, Akka.Persistence.SnapshotSelectionCriteria.Latest), store.Ref);
        store.ExpectMsg<Akka.Persistence.DeleteSnapshotsSuccess>(Timeout);
        var watcher = CreateTestProbe();

        var stale = StartPartition(partition, epoch: 1);
        watcher.Watch(stale);

        watcher.ExpectTerminated(stale, Timeout);
        Assert.DoesNotContain(JournalEvents(partition.PersistenceId), e => e.Payload is LeaderEpochClaimed { Epoch: 1 });
    }

    [SkippableFact]
    public void A_superseded_owner_still_running_fails_its_next_write_and_stops()
    {
        var partition = NewPartition();
        var old = StartPartition(partition, epoch: 1);
        Produce(old, partition, "a");
        var current = StartPartition(partition, epoch: 2);
        Produce(current, partition, "b"); // the new owner has claimed epoch 2 and written after it
        var watcher = CreateTestProbe();
        watcher.Watch(old);

        var response = TryProduce(old, partition, Batches.Produced("lost"));

        Assert.Equal(ErrorCode.KafkaStorageError, response.Error);
        watcher.ExpectTerminated(old, Timeout);
        Assert.Equal(["a", "b"], AllValues(current, partition));
        StopAndWait(current);
        Assert.Equal(["a", "b"], AllValues(StartPartition(partition, epoch: 2), partition));
    }

    // ---------------- list offsets by timestamp ----------------

    [SkippableFact]
    public void Listing_by_timestamp_answers_the_earliest_record_at_or_after_it_from_the_tail()
    {
        var partition = NewPartition();
        var actor = StartPartition(partition);
        const long t = Batches.T0;
        ProduceTimed(actor, partition, CompressionType.None, t, t + 10, t + 20); // offsets 0-2
        ProduceTimed(actor, partition, CompressionType.Snappy, t + 30, t + 5, t + 40); // offsets 3-5

        Assert.Equal(new ListOffsetsResponse(partition.Topic, partition.Partition, ErrorCode.None, 0, t), ListOffsetsAt(actor, partition, 0));
        Assert.Equal(new ListOffsetsResponse(partition.Topic, partition.Partition, ErrorCode.None, 2, t + 20), ListOffsetsAt(actor, partition, t + 11));
        Assert.Equal(new ListOffsetsResponse(partition.Topic, partition.Partition, ErrorCode.None, 5, t + 40), ListOffsetsAt(actor, partition, t + 31));
        // Nothing that new: Kafka answers offset -1 and timestamp -1.
        Assert.Equal(new ListOffsetsResponse(partition.Topic, partition.Partition, ErrorCode.None, -1, -1), ListOffsetsAt(actor, partition, t + 41));
        // Latest and earliest carry no timestamp.
        Assert.Equal(new ListOffsetsResponse(partition.Topic, partition.Partition, ErrorCode.None, 6, -1), ListOffsetsAt(actor, partition, ListOffsetsRequest.Latest));
        Assert.Equal(new ListOffsetsResponse(partition.Topic, partition.Partition, ErrorCode.None, 0, -1), ListOffsetsAt(actor, partition, ListOffsetsRequest.Earliest));
    }

    [SkippableFact]
    public void Listing_by_timestamp_reads_batches_older_than_the_tail_from_the_journal_across_several_reads()
    {
        var partition = NewPartition();
        // One batch of tail, segments of three batches, and journal reads of one batch each: a lookup whose record
        // is in the third batch of a segment takes three journal reads.
        var actor = StartPartition(partition, settings: Settings("akkakafka.broker { tail-bytes = 1, max-fetch-bytes = 1 }"));
        const long t = Batches.T0;
        CompressionType[] codecs = [CompressionType.None, CompressionType.Gzip, CompressionType.Lz4, CompressionType.Zstd];
        for (var i = 0; i < 10; i++) ProduceTimed(actor, partition, codecs[i % 4], t + 100 * i, t + 100 * i + 50); // offsets 2i, 2i+1

        foreach (var i in new[] { 0, 1, 2, 4, 5, 8 })
        {
            Assert.Equal(new ListOffsetsResponse(partition.Topic, partition.Partition, ErrorCode.None, 2 * i, t + 100 * i),
                ListOffsetsAt(actor, partition, t + 100 * i - 49));
            Assert.Equal(new ListOffsetsResponse(partition.Topic, partition.Partition, ErrorCode.None, 2 * i + 1, t + 100 * i + 50),
                ListOffsetsAt(actor, partition, t + 100 * i + 1));
        }
        Assert.Equal(-1, ListOffsetsAt(actor, partition, t + 951).Offset);
    }

    [SkippableFact]
    public void Listing_by_timestamp_works_after_a_restart_from_a_snapshot_when_every_batch_is_in_the_journal()
    {
        var partition = NewPartition();
        var actor = StartPartition(partition);
        const long t = Batches.T0;
        for (var i = 0; i < 8; i++) ProduceTimed(actor, partition, CompressionType.Zstd, t + 10 * i);
        StopAndWait(actor);

        var restarted = StartPartition(partition);

        Assert.Equal(new ListOffsetsResponse(partition.Topic, partition.Partition, ErrorCode.None, 3, t + 30), ListOffsetsAt(restarted, partition, t + 25));
        Assert.Equal(new ListOffsetsResponse(partition.Topic, partition.Partition, ErrorCode.None, 7, t + 70), ListOffsetsAt(restarted, partition, t + 70));
    }

    [SkippableFact]
    public void Listing_by_a_negative_timestamp_other_than_latest_or_earliest_is_an_invalid_request()
    {
        var partition = NewPartition();
        var actor = StartPartition(partition);
        Produce(actor, partition, "a");

        Assert.Equal(ErrorCode.InvalidRequest, ListOffsetsAt(actor, partition, -3).Error);
    }

    // ---------------- the header checked against the records ----------------

    [SkippableTheory]
    [InlineData(-1L, CompressionType.None)] // Sarama's
    [InlineData(-1L, CompressionType.Zstd)]
    [InlineData(Batches.T0 - 86_400_000L, CompressionType.None)] // too small: retention would take it a day early
    [InlineData(Batches.T0 + 31_536_000_000L, CompressionType.Gzip)] // too large: retention would keep it a year
    public void A_header_max_timestamp_that_disagrees_with_the_records_is_stored_as_the_records_say_under_a_valid_crc(
        long headerMaxTimestamp, CompressionType compression)
    {
        var partition = NewPartition();
        var actor = StartPartition(partition);
        const long t = Batches.T0;
        var sent = Batches.WithHeaderMaxTimestamp(Batches.Timed(0, compression, (t, "a"), (t + 30, "b"), (t + 10, "c")), headerMaxTimestamp);

        Assert.Equal(ErrorCode.None, TryProduce(actor, partition, sent).Error);

        var stored = RecordBatches.Read(Fetch(actor, partition, 0).Records).Single();
        Assert.Equal(t + 30, stored.MaxTimestamp);
        Assert.True(stored.IsCrcValid(), "the CRC covers maxTimestamp, so the broker computes it again");
        Assert.Equal(["a", "b", "c"], AllValues(actor, partition));
        Assert.Equal(new ListOffsetsResponse(partition.Topic, partition.Partition, ErrorCode.None, 1, t + 30), ListOffsetsAt(actor, partition, t + 11));
    }

    [SkippableFact]
    public void Batches_whose_header_says_max_timestamp_minus_one_survive_time_retention_and_are_found_by_timestamp()
    {
        var partition = NewPartition();
        var written = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000;
        var sent = Enumerable.Range(0, 1100).Select(i => Batches.WithHeaderMaxTimestamp(Batches.Of(0, written, $"s{i:D4}"), -1)).ToList();
        // Retention by size keeps all but the oldest segment (three batches): that makes a retention check visible
        // without waiting for one. Retention by time (Kafka's default 7 days) must take nothing more.
        var retentionBytes = (sent.Count - 3) * (long)sent[0].Length;
        var actor = StartPartition(partition, retentionMs: 7 * 86_400_000L, retentionBytes: retentionBytes);

        var producer = CreateTestProbe();
        foreach (var batch in sent) actor.Tell(ProduceOf(partition, batch), producer.Ref);
        for (var i = 0; i < sent.Count; i++) Assert.Equal(ErrorCode.None, producer.ExpectMsg<ProduceResponse>(Timeout).Error);

        AwaitAssert(() => Assert.NotEqual(0, LogStart(actor, partition)), Timeout);
        Assert.Equal(3, LogStart(actor, partition));
        Assert.Equal(1100, LogEnd(actor, partition));
        Assert.Equal(new ListOffsetsResponse(partition.Topic, partition.Partition, ErrorCode.None, 3, written), ListOffsetsAt(actor, partition, written - 1000));
    }

    [SkippableFact]
    public void A_log_append_time_topic_stamps_each_batch_with_the_brokers_clock_and_says_so_in_the_acknowledgement()
    {
        var partition = NewPartition();
        var actor = StartPartition(partition, timestampType: TimestampType.LogAppendTime);
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var response = TryProduce(actor, partition, Batches.Timed(0, CompressionType.Lz4, (Batches.T0, "a"), (Batches.T0 + 5, "b")));

        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.Equal(ErrorCode.None, response.Error);
        Assert.InRange(response.LogAppendTime, before, after);
        var stored = RecordBatches.Read(Fetch(actor, partition, 0).Records).Single();
        Assert.Equal((TimestampType.LogAppendTime, response.LogAppendTime, true), (stored.TimestampType, stored.MaxTimestamp, stored.IsCrcValid()));
        Assert.All(stored.Records(), r => Assert.Equal(response.LogAppendTime, r.Timestamp));
        Assert.Equal(new ListOffsetsResponse(partition.Topic, partition.Partition, ErrorCode.None, 0, response.LogAppendTime),
            ListOffsetsAt(actor, partition, Batches.T0 + 1));

        actor.Tell(new UpdateRetention(-1, -1, TimestampType.CreateTime));
        var createTime = TryProduce(actor, partition, Batches.Timed(0, (Batches.T0, "c")));
        Assert.Equal((ErrorCode.None, -1L), (createTime.Error, createTime.LogAppendTime));
        Assert.Equal(Batches.T0, RecordBatches.Read(Fetch(actor, partition, 2).Records).Single().MaxTimestamp);
    }
}
