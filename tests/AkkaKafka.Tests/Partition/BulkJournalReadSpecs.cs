using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using AkkaKafka.Broker;
using AkkaKafka.Broker.Partition;
using AkkaKafka.Broker.Storage;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.Partition;

[Trait("Speed", "Fast")]
public sealed class SqliteBulkJournalReadSpecs(SqliteJournal journal, ITestOutputHelper output)
    : BulkJournalReadSpecs(journal, output), IClassFixture<SqliteJournal>;

[Trait("Speed", "Slow")]
public sealed class PostgresBulkJournalReadSpecs(PostgresJournal journal, ITestOutputHelper output)
    : BulkJournalReadSpecs(journal, output), IClassFixture<PostgresJournal>;

/// <summary>
/// Old records are read straight from the journal table in bulk, kept in the broker's read cache within its budget and
/// prefetched for sequential readers. Runs on every backend: the query is the journal plugin's own table.
/// </summary>
public abstract class BulkJournalReadSpecs : PersistenceSpec
{
    /// <summary>Every batch below is one record of 3 characters, so all batches have the same size.</summary>
    private static readonly int BatchBytes = Batches.Produced("r00").Length;

    private static readonly long CacheBudget = 12L * BatchBytes;

    private static readonly string Config = TestConfigs.Local + $$"""

        akkakafka.broker {
          retention-check-interval = 200ms
          snapshot-every = 5
          segment-batches = 3
          tail-bytes = 1
          read-cache-bytes = {{CacheBudget}}
        }
        """;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    protected BulkJournalReadSpecs(JournalBackend backend, ITestOutputHelper output) : base(backend, output, Config)
    {
    }

    private JournalReads Reads => JournalReads.Get(Sys);

    private static PartitionIdentity NewPartition() => new("old-" + Guid.NewGuid().ToString("N")[..12], 1, 0);

    private BrokerSettings Settings(string overrides = "") =>
        new(ConfigurationFactory.ParseString(overrides).WithFallback(Sys.Settings.Config));

    private IActorRef StartPartition(PartitionIdentity partition, long epoch = 1, long retentionBytes = -1, BrokerSettings? settings = null) =>
        Sys.ActorOf(PartitionActor.Props(partition, epoch, -1, retentionBytes, settings ?? BrokerSettings.Create(Sys)));

    private long Produce(IActorRef actor, PartitionIdentity partition, string value)
    {
        var producer = CreateTestProbe();
        actor.Tell(new ProduceRequest(partition.Topic, partition.Partition, Batches.Produced(value), Acks.All, "spec"), producer.Ref);
        var response = producer.ExpectMsg<ProduceResponse>(Timeout);
        Assert.True(response.Error == ErrorCode.None, $"produce failed: {response.Error} {response.ErrorMessage}");
        return response.BaseOffset;
    }

    /// <summary>
    /// One batch per value, sent without waiting so the partition writes them together (group commit): fewer journal
    /// writes keep the spec off a slow disk's critical path. Returns when all are acknowledged, in order.
    /// </summary>
    private void ProduceAll(IActorRef actor, PartitionIdentity partition, IEnumerable<string> values)
    {
        var producer = CreateTestProbe();
        var count = 0;
        foreach (var value in values)
        {
            actor.Tell(new ProduceRequest(partition.Topic, partition.Partition, Batches.Produced(value), Acks.All, "spec"), producer.Ref);
            count++;
        }
        for (var i = 0; i < count; i++)
        {
            var response = producer.ExpectMsg<ProduceResponse>(Timeout);
            Assert.True(response.Error == ErrorCode.None, $"produce failed: {response.Error} {response.ErrorMessage}");
        }
    }

    private static string Value(int i) => $"r{i:00}";

    private FetchResponse Fetch(IActorRef actor, PartitionIdentity partition, long offset, int maxBytes)
    {
        var consumer = CreateTestProbe();
        actor.Tell(new FetchRequest(partition.Topic, partition.Partition, offset, maxBytes, 0, "spec"), consumer.Ref);
        return consumer.ExpectMsg<FetchResponse>(Timeout);
    }

    /// <summary>Reads the partition from <paramref name="from"/> to <paramref name="end"/> one fetch after another, as a consumer does.</summary>
    private List<string> ReadSequentially(IActorRef actor, PartitionIdentity partition, long from, long end, int maxBytes, Action? afterEachFetch = null)
    {
        var seen = new List<string>();
        var position = from;
        while (position < end)
        {
            var response = Fetch(actor, partition, position, maxBytes);
            Assert.Equal(ErrorCode.None, response.Error);
            var records = Batches.Records(response.Records).Where(r => r.Offset >= position).ToList();
            Assert.NotEmpty(records);
            Assert.Equal(position, records[0].Offset);
            seen.AddRange(records.Where(r => r.Offset < end).Select(r => System.Text.Encoding.UTF8.GetString(r.Value!)));
            position = records[^1].Offset + 1;
            afterEachFetch?.Invoke();
        }
        return seen;
    }

    private JournalRange Read(PartitionIdentity partition, long offset, long maxBytes, long fromSequenceNr, long fallbackSequenceNr)
    {
        var read = Reads.Reader.ReadAsync(new JournalRangeRequest(partition.PersistenceId, offset, maxBytes, fromSequenceNr, fallbackSequenceNr, BatchBytes));
        Assert.True(read.Wait(Timeout), "the journal read did not finish");
        return read.Result;
    }

    private static IReadOnlyList<long> BaseOffsets(JournalRange range) =>
        range.Batches.Select(b => new AkkaKafka.Protocol.Records.RecordBatch(b).BaseOffset).ToList();

    [SkippableFact]
    public void A_bulk_read_returns_whole_batches_from_the_one_holding_the_offset_and_the_sequence_number_to_go_on_from()
    {
        var partition = NewPartition();
        var actor = StartPartition(partition);
        // Sequence number 1 is the owner's LeaderEpochClaimed; the batch at offset i is sequence number i + 2.
        for (var i = 0; i < 10; i++) Produce(actor, partition, Value(i));

        var run = Read(partition, offset: 4, maxBytes: 2 * BatchBytes, fromSequenceNr: 1, fallbackSequenceNr: 1);
        Assert.Equal([4L, 5L], BaseOffsets(run));
        Assert.Equal(8, run.NextSequenceNr);

        var next = Read(partition, offset: 6, maxBytes: 3 * BatchBytes, fromSequenceNr: run.NextSequenceNr, fallbackSequenceNr: run.NextSequenceNr);
        Assert.Equal([6L, 7L, 8L], BaseOffsets(next));

        // An estimate past the offset falls back to the segment's first event and still finds it.
        var fromEstimate = Read(partition, offset: 2, maxBytes: 1, fromSequenceNr: 9, fallbackSequenceNr: 1);
        Assert.Equal([2L], BaseOffsets(fromEstimate));

        // At the end of the journal there is nothing more to read.
        Assert.Empty(Read(partition, offset: 10, maxBytes: BatchBytes, fromSequenceNr: 12, fallbackSequenceNr: 12).Batches);
    }

    [SkippableFact]
    public void Rows_that_retention_deleted_are_never_read_and_the_log_start_is_read_from_the_journal()
    {
        var partition = NewPartition();
        var actor = StartPartition(partition, retentionBytes: 2 * BatchBytes, settings: Settings("akkakafka.broker.segment-batches = 1"));
        for (var i = 0; i < 6; i++) Produce(actor, partition, Value(i));

        // Six one-batch segments, two batches' worth retained: offsets 0 to 3 go, in the index and in the journal
        // (retention may take more than one check to get there).
        AwaitAssert(() =>
        {
            Assert.Equal(ErrorCode.OffsetOutOfRange, Fetch(actor, partition, 3, BatchBytes).Error);
            Assert.Empty(Read(partition, offset: 3, maxBytes: BatchBytes, fromSequenceNr: 1, fallbackSequenceNr: 1).Batches);
        }, Timeout);
        Assert.Equal(4, BaseOffsets(Read(partition, offset: 4, maxBytes: BatchBytes, fromSequenceNr: 1, fallbackSequenceNr: 1))[0]);

        Assert.Equal([Value(4), Value(5)], ReadSequentially(actor, partition, 4, 6, BatchBytes));
    }

    [SkippableFact]
    public void A_partition_that_moves_away_and_back_reads_every_batch_each_owner_wrote_and_its_old_owner_gives_its_cache_back()
    {
        var partition = NewPartition();
        var onA = StartPartition(partition, epoch: 1);
        for (var i = 0; i < 4; i++) Produce(onA, partition, Value(i));
        Assert.Equal([Value(0), Value(1), Value(2)], ReadSequentially(onA, partition, 0, 3, BatchBytes));
        Assert.True(Reads.Cache.Bytes > 0);
        StopAndWait(onA);
        Assert.Equal(0, Reads.Cache.Bytes);

        var onB = StartPartition(partition, epoch: 2);
        for (var i = 4; i < 8; i++) Produce(onB, partition, Value(i));
        Assert.Equal(Enumerable.Range(0, 7).Select(Value), ReadSequentially(onB, partition, 0, 7, BatchBytes));
        StopAndWait(onB);

        var backOnA = StartPartition(partition, epoch: 3);
        for (var i = 8; i < 10; i++) Produce(backOnA, partition, Value(i));
        Assert.Equal(Enumerable.Range(0, 10).Select(Value), ReadSequentially(backOnA, partition, 0, 10, BatchBytes));
        Assert.Equal(Enumerable.Range(3, 5).Select(Value), ReadSequentially(backOnA, partition, 3, 8, 2 * BatchBytes));
    }

    [SkippableFact]
    public void Sequential_readers_of_several_partitions_get_every_record_while_the_cache_stays_within_its_budget()
    {
        var partitions = Enumerable.Range(0, 3).Select(_ => NewPartition()).ToList();
        var settings = Settings($"akkakafka.broker.read-ahead-bytes = {4 * BatchBytes}");
        var actors = partitions.Select(p => StartPartition(p, settings: settings)).ToList();
        for (var p = 0; p < partitions.Count; p++) ProduceAll(actors[p], partitions[p], Enumerable.Range(0, 30).Select(Value));

        for (var p = 0; p < partitions.Count; p++)
        {
            var seen = ReadSequentially(actors[p], partitions[p], 0, 30, 2 * BatchBytes,
                afterEachFetch: () => Assert.InRange(Reads.Cache.Bytes, 0, CacheBudget));
            Assert.Equal(Enumerable.Range(0, 30).Select(Value), seen);
        }
    }

    [SkippableFact]
    public void A_sequential_reader_has_the_next_run_prefetched_so_most_fetches_need_no_query()
    {
        var partition = NewPartition();
        var actor = StartPartition(partition, settings: Settings($"akkakafka.broker.read-ahead-bytes = {3 * BatchBytes}"));
        ProduceAll(actor, partition, Enumerable.Range(0, 30).Select(Value));
        var before = Reads.Reader.Queries;

        // The first fetch reads its batch and three beyond it; the second leaves fewer than three cached ahead, so the
        // run after them is read without any consumer asking for it.
        Fetch(actor, partition, 0, BatchBytes);
        Fetch(actor, partition, 1, BatchBytes);
        AwaitAssert(() => Assert.Equal(before + 2, Reads.Reader.Queries), Timeout);

        Assert.Equal(Enumerable.Range(2, 28).Select(Value), ReadSequentially(actor, partition, 2, 30, BatchBytes));
        // About one query per run of three batches ahead, not one per fetch.
        Assert.InRange(Reads.Reader.Queries - before, 2, 14);
    }
}
