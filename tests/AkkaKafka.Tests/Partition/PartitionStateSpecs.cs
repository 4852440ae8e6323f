using System.Text;
using Akka.Actor;
using Akka.Configuration;
using AkkaKafka.Broker;
using AkkaKafka.Broker.Hosting;
using AkkaKafka.Broker.Partition;
using AkkaKafka.Broker.Storage;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;
using AkkaKafka.Tests.Support;
using Xunit;

namespace AkkaKafka.Tests.Partition;

/// <summary>
/// A partition's decisions without an actor, a journal or a clock: produce validation and idempotence, offset
/// assignment, group commit, retention and fetch planning. Each spec plays the PartitionActor's part by hand: it
/// "writes" what the state asks to write, and "reads" journal ranges from batches it made itself.
/// </summary>
[Trait("Speed", "Fast")]
public sealed partial class PartitionStateSpecs
{
    private const long Epoch = 3;
    private const long ProducerId = 4242;
    private const long Now = Batches.T0 + 1000;
    private static readonly DateTime Clock = new(2026, 12, 7, 12, 0, 0, DateTimeKind.Utc);
    private static readonly PartitionIdentity Partition = new("orders", 1, 0);
    private readonly Client _client = new("client");
    private long _sequenceNr;

    /// <summary>A client to answer: only its identity matters here (nothing is ever told to it).</summary>
    private sealed class Client(string name) : MinimalActorRef
    {
        public override ActorPath Path { get; } = new RootActorPath(new Address("akka", "spec")) / name;
        public override IActorRefProvider Provider => throw new NotSupportedException("a spec's client has no provider");
    }

    private static PartitionState NewState(string settings = "", long retentionMs = -1, long retentionBytes = -1,
        TimestampType timestampType = TimestampType.CreateTime)
    {
        var config = ConfigurationFactory.ParseString("akkakafka.broker { " + settings + " }").WithFallback(BrokerConfig.Reference());
        var state = new PartitionState(Partition, Epoch, retentionMs, retentionBytes, timestampType, new BrokerSettings(config), new ReadCache(1 << 20));
        state.Recovered();
        return state;
    }

    private static ProduceRequest Request(byte[] batch, Acks acks = Acks.All) => new(Partition.Topic, Partition.Partition, batch, acks, "spec");

    private static byte[] Idempotent(short epoch, int sequence, params string[] values)
    {
        var builder = new RecordBatchBuilder();
        foreach (var value in values) builder.Add(Batches.T0, null, Encoding.UTF8.GetBytes(value));
        return builder.Build(producer: new ProducerFields(ProducerId, epoch, sequence));
    }

    /// <summary>What the actor does when the journal confirms a write: every batch of it, in order; the appends acknowledged.</summary>
    private List<PendingAppend> WriteAll(PartitionState state)
    {
        var write = state.StartWrite();
        var written = write.Appends.Select(a => state.Written(write, a.Event, ++_sequenceNr)).ToList();
        Assert.True(write.Done);
        state.CompleteWrite();
        return written;
    }

    /// <summary>
    /// Produces as the actor does once a transactional batch's coordinator has confirmed it (KIP-890; the verification
    /// itself has its own specs, PartitionStateSpecs.Verification): for any other batch the flag changes nothing.
    /// </summary>
    private ProduceDecision Produce(PartitionState state, byte[] batch, IActorRef? client = null) =>
        state.Produce(Request(batch), client ?? _client, Now, coordinatorVerified: true);

    private void ProduceAndWrite(PartitionState state, params byte[][] batches)
    {
        foreach (var batch in batches) Assert.Equal(ProduceOutcome.Accepted, Produce(state, batch).Outcome);
        WriteAll(state);
    }

    private FetchPlan Fetch(PartitionState state, long offset, int maxWaitMs = 0, int maxBytes = 1 << 20, IActorRef? client = null) =>
        state.PlanFetch(new FetchRequest(Partition.Topic, Partition.Partition, offset, maxBytes, maxWaitMs, "spec"), client ?? _client, Clock);

    // ---------------- produce: offsets ----------------

    [Fact]
    public void Accepted_batches_get_contiguous_offsets_stamped_into_the_stored_bytes_with_the_leader_epoch()
    {
        var state = NewState();

        Assert.Equal(0, Produce(state, Batches.Produced("a", "b")).BaseOffset);
        Assert.Equal(2, Produce(state, Batches.Produced("c")).BaseOffset);
        Assert.Equal(3, state.ReservedNextOffset);
        Assert.Equal(0, state.Log.NextOffset);

        var written = WriteAll(state);

        Assert.Equal([0L, 2L], written.Select(a => a.BaseOffset));
        Assert.Equal([0L, 2L], written.Select(a => new RecordBatch(a.Event.Batch).BaseOffset));
        Assert.All(written, a => Assert.Equal((int)Epoch, new RecordBatch(a.Event.Batch).PartitionLeaderEpoch));
        Assert.Equal(3, state.Log.NextOffset);
    }

    [Fact]
    public void Batches_accepted_while_a_write_is_in_flight_go_together_in_the_next_write()
    {
        var state = NewState();
        Produce(state, Batches.Produced("a"));
        var first = state.StartWrite();

        Produce(state, Batches.Produced("b"));
        Produce(state, Batches.Produced("c"));

        Assert.True(state.Writing);
        foreach (var append in first.Appends) state.Written(first, append.Event, ++_sequenceNr);
        state.CompleteWrite();
        Assert.True(state.HasPendingWrites);
        Assert.Equal([1L, 2L], WriteAll(state).Select(a => a.BaseOffset));
    }

    [Fact]
    public void A_log_append_time_topic_stamps_the_brokers_clock_as_the_batch_max_timestamp()
    {
        var state = NewState(timestampType: TimestampType.LogAppendTime);

        Produce(state, Batches.Of(0, Batches.T0 - 5000, "a"));
        var written = Assert.Single(WriteAll(state));

        Assert.Equal(Now, written.LogAppendTime);
        Assert.Equal(Now, new RecordBatch(written.Event.Batch).MaxTimestamp);
    }

    [Fact]
    public void A_snapshot_is_due_after_snapshot_every_events()
    {
        var state = NewState("snapshot-every = 3");
        ProduceAndWrite(state, Batches.Produced("a"), Batches.Produced("b"));

        Produce(state, Batches.Produced("c"));
        var write = state.StartWrite();
        state.Written(write, write.Appends[0].Event, ++_sequenceNr);

        Assert.True(state.CompleteWrite());
    }

    // ---------------- produce: validation ----------------

    [Fact]
    public void A_batch_larger_than_max_batch_bytes_is_refused_as_message_too_large_and_reserves_nothing()
    {
        var state = NewState("max-batch-bytes = 100, max-pending-bytes = 100");

        var decision = Produce(state, Batches.Produced(new string('x', 200)));

        Assert.Equal((ProduceOutcome.Refused, ErrorCode.MessageTooLarge), (decision.Outcome, decision.Error));
        Assert.Equal(0, state.ReservedNextOffset);
        Assert.False(state.HasPendingWrites);
    }

    [Fact]
    public void A_batch_whose_crc_does_not_match_is_refused_as_a_corrupt_message()
    {
        var state = NewState();
        var batch = Batches.Produced("a");
        batch[^1] ^= 0xFF;

        var decision = Produce(state, batch);

        Assert.Equal((ProduceOutcome.Refused, ErrorCode.CorruptMessage), (decision.Outcome, decision.Error));
        Assert.Equal(0, state.ReservedNextOffset);
    }

    [Fact]
    public void Beyond_max_pending_bytes_waiting_for_the_journal_a_batch_is_refused_retriably_but_the_first_always_fits()
    {
        var batch = Batches.Produced("a");
        var state = NewState($"max-batch-bytes = {batch.Length}, max-pending-bytes = {batch.Length}");

        Assert.Equal(ProduceOutcome.Accepted, Produce(state, batch).Outcome);
        var refused = Produce(state, Batches.Produced("b"));

        Assert.Equal((ProduceOutcome.OverPendingBytes, ErrorCode.RequestTimedOut), (refused.Outcome, refused.Error));
        WriteAll(state);
        Assert.Equal(ProduceOutcome.Accepted, Produce(state, Batches.Produced("b")).Outcome);
    }

    [Fact]
    public void A_deleted_topic_refuses_produces_and_fails_the_batches_not_yet_written()
    {
        var state = NewState();
        Produce(state, Batches.Produced("a"));

        var failed = state.Delete();

        Assert.Single(failed);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, Produce(state, Batches.Produced("b")).Error);
    }

    // ---------------- produce: idempotence ----------------

    [Fact]
    public void A_retry_of_a_written_batch_is_answered_with_its_original_offset_and_writes_nothing()
    {
        var state = NewState();
        ProduceAndWrite(state, Batches.Produced("x"), Idempotent(0, 0, "a", "b"));

        var retry = Produce(state, Idempotent(0, 0, "a", "b"));

        Assert.Equal((ProduceOutcome.Duplicate, 1L), (retry.Outcome, retry.BaseOffset));
        Assert.False(state.HasPendingWrites);
        Assert.Equal(3, state.ReservedNextOffset);
    }

    [Fact]
    public void A_retry_of_a_batch_still_being_written_is_acknowledged_with_the_first_try()
    {
        var state = NewState();
        var retrying = new Client("retrying");
        Produce(state, Idempotent(0, 0, "a"));
        var write = state.StartWrite();

        var retry = Produce(state, Idempotent(0, 0, "a"), retrying);
        var acknowledged = state.Written(write, write.Appends[0].Event, ++_sequenceNr);

        Assert.Equal(ProduceOutcome.WaitsForFirstTry, retry.Outcome);
        Assert.Same(retrying, Assert.Single(acknowledged.Duplicates!));
        Assert.Equal(1, state.Log.NextOffset);
    }

    [Fact]
    public void A_batch_out_of_sequence_is_refused_and_reserves_no_offsets()
    {
        var state = NewState();
        ProduceAndWrite(state, Idempotent(0, 0, "a"));

        var gap = Produce(state, Idempotent(0, 2, "c"));

        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, gap.Error);
        Assert.Equal(1, state.ReservedNextOffset);
    }

    [Fact]
    public void The_next_sequence_is_accepted_while_the_one_before_is_still_being_written()
    {
        var state = NewState();
        Produce(state, Idempotent(0, 0, "a"));

        Assert.Equal(ProduceOutcome.Accepted, Produce(state, Idempotent(0, 1, "b")).Outcome);
    }

    [Fact]
    public void A_producer_with_an_older_epoch_is_fenced()
    {
        var state = NewState();
        ProduceAndWrite(state, Idempotent(1, 0, "a"));

        Assert.Equal(ErrorCode.InvalidProducerEpoch, Produce(state, Idempotent(0, 1, "b")).Error);
    }

    [Fact]
    public void A_rejected_write_gives_its_offsets_and_sequences_back_and_later_rejections_of_it_are_spent()
    {
        var state = NewState();
        ProduceAndWrite(state, Idempotent(0, 0, "a"));
        Produce(state, Idempotent(0, 1, "b"));
        Produce(state, Idempotent(0, 2, "c"));
        state.StartWrite();
        Produce(state, Idempotent(0, 3, "d"));

        var unanswered = state.RejectWrite();

        Assert.Equal([1L, 2L, 3L], unanswered!.Select(a => a.BaseOffset));
        Assert.Null(state.RejectWrite());
        Assert.Equal(1, state.ReservedNextOffset);
        var again = Produce(state, Idempotent(0, 1, "b"));
        Assert.Equal((ProduceOutcome.Accepted, 1L), (again.Outcome, again.BaseOffset));
    }

    // ---------------- recovery ----------------

    [Fact]
    public void A_recovered_owner_claims_its_epoch_once_and_stops_when_the_journal_holds_a_newer_one()
    {
        var settings = new BrokerSettings(BrokerConfig.Reference());
        var state = new PartitionState(Partition, Epoch, -1, -1, TimestampType.CreateTime, settings, new ReadCache(0));
        Assert.Equal(RecoveryVerdict.ClaimEpoch, state.Recovered());

        state.Apply(new LeaderEpochClaimed(Epoch), 1);
        Assert.Equal(RecoveryVerdict.Current, state.Recovered());

        state.Apply(new LeaderEpochClaimed(Epoch + 1), 2);
        Assert.Equal(RecoveryVerdict.Stale, state.Recovered());
    }

    [Fact]
    public void Recovery_reserves_offsets_and_idempotent_producers_from_the_log()
    {
        var state = NewState();
        ProduceAndWrite(state, Idempotent(0, 0, "a", "b"));
        var settings = new BrokerSettings(BrokerConfig.Reference());
        var recovered = new PartitionState(Partition, Epoch, -1, -1, TimestampType.CreateTime, settings, new ReadCache(0));
        recovered.Apply(new BatchAppended(Assert.Single(state.Log.ReadTail(0, 1)!)), 1);

        recovered.Recovered();

        Assert.Equal(2, recovered.ReservedNextOffset);
        Assert.Equal(ProduceOutcome.Duplicate, Produce(recovered, Idempotent(0, 0, "a", "b")).Outcome);
    }

    // ---------------- retention ----------------

    [Fact]
    public void Retention_by_time_deletes_the_segments_whose_newest_record_is_older_than_retention_ms_but_never_the_active_one()
    {
        var state = NewState("segment-batches = 1", retentionMs: 60_000);
        ProduceAndWrite(state, Batches.Of(0, Now - 120_000, "old"), Batches.Of(0, Now - 90_000, "older-than-a-minute"), Batches.Of(0, Now - 100_000, "active"));

        var decision = state.DecideRetention(Now);

        Assert.Equal(2, decision.Expire!.LogStartOffset);
        Assert.Equal(2, decision.Expire.UpToSequenceNr);
    }

    [Fact]
    public void Retention_by_bytes_deletes_the_oldest_segments_while_the_rest_still_holds_retention_bytes()
    {
        var batch = Batches.Produced("a");
        var state = NewState("segment-batches = 1", retentionBytes: 2 * batch.Length);
        ProduceAndWrite(state, Batches.Produced("a"), Batches.Produced("b"), Batches.Produced("c"), Batches.Produced("d"));

        Assert.Equal(2, state.DecideRetention(Now).Expire!.LogStartOffset);
    }

    [Fact]
    public void Nothing_is_deleted_while_a_deletion_is_under_way_and_the_log_start_moves_only_when_the_event_is_written()
    {
        var state = NewState("segment-batches = 1", retentionBytes: 0);
        ProduceAndWrite(state, Batches.Produced("a"), Batches.Produced("b"));
        var expire = state.DecideRetention(Now).Expire!;

        Assert.Null(state.DecideRetention(Now).Expire);
        Assert.Equal(0, state.Log.LogStartOffset);

        state.LogStartAdvanced(expire, ++_sequenceNr);
        state.RetentionFinished();
        Assert.Equal(1, state.Log.LogStartOffset);
        Assert.Equal(ErrorCode.OffsetOutOfRange, Fetch(state, 0).Reply!.Error);
        Assert.Null(state.DecideRetention(Now).Expire);
    }

    [Fact]
    public void Retention_forgets_idempotent_producers_idle_longer_than_producer_id_expiration()
    {
        var state = NewState("producer-id-expiration = 1h");
        ProduceAndWrite(state, Idempotent(0, 0, "a"));

        Assert.Equal(0, state.DecideRetention(Batches.T0 + 3_599_000).ForgottenProducers);
        // Both the log's table and the one of accepted batches forget it.
        Assert.Equal(2, state.DecideRetention(Batches.T0 + 3_601_000).ForgottenProducers);
        Assert.Equal(ErrorCode.UnknownProducerId, Produce(state, Idempotent(0, 1, "b")).Error);
    }

    // ---------------- fetch planning ----------------

    [Fact]
    public void A_fetch_outside_the_log_is_out_of_range()
    {
        var state = NewState();
        ProduceAndWrite(state, Batches.Produced("a"));

        Assert.Equal(ErrorCode.OffsetOutOfRange, Fetch(state, 2).Reply!.Error);
        Assert.Equal(ErrorCode.OffsetOutOfRange, Fetch(state, -1).Reply!.Error);
    }

    [Fact]
    public void A_fetch_in_the_tail_is_answered_at_once_with_whole_batches_and_the_high_watermark()
    {
        var state = NewState();
        ProduceAndWrite(state, Batches.Produced("a", "b"), Batches.Produced("c"));

        var reply = Fetch(state, 1).Reply!;

        Assert.Equal(["a", "b", "c"], Batches.ValuesOf(reply.Records));
        Assert.Equal(3, reply.HighWatermark);
    }

    [Fact]
    public void A_fetch_at_the_log_end_parks_until_records_are_written()
    {
        var state = NewState();

        Assert.True(Fetch(state, 0, maxWaitMs: 500).IsParked);
        Assert.Empty(state.TakeServableParkedFetches());

        ProduceAndWrite(state, Batches.Produced("a"));
        var ready = Assert.Single(state.TakeServableParkedFetches());

        Assert.Equal(0, ready.Request.Offset);
        Assert.False(state.HasParkedFetches);
    }

    [Fact]
    public void A_parked_fetch_is_answered_empty_once_its_max_wait_has_passed_and_not_before()
    {
        var state = NewState();
        Fetch(state, 0, maxWaitMs: 500);

        Assert.Empty(state.ExpireParkedFetches(Clock.AddMilliseconds(499)));
        var expired = Assert.Single(state.ExpireParkedFetches(Clock.AddMilliseconds(500)));

        Assert.Equal((ErrorCode.None, 0), (expired.Response.Error, expired.Response.Records.Length));
    }

    [Fact]
    public void A_fetch_at_the_log_end_without_max_wait_or_beyond_max_waiting_fetches_is_answered_empty_at_once()
    {
        var state = NewState("max-waiting-fetches = 1");

        Assert.Empty(Fetch(state, 0, maxWaitMs: 0).Reply!.Records);
        Assert.True(Fetch(state, 0, maxWaitMs: 500).IsParked);
        Assert.Empty(Fetch(state, 0, maxWaitMs: 500).Reply!.Records);
    }

    [Fact]
    public void A_fetch_older_than_the_tail_reads_its_segment_from_the_journal_and_is_answered_when_the_read_returns()
    {
        var state = NewState("tail-bytes = 1, read-ahead-bytes = 0");
        var stored = new List<byte[]>();
        for (var i = 0; i < 3; i++)
        {
            Produce(state, Batches.Produced($"v{i}"));
            stored.Add(WriteAll(state)[0].Event.Batch);
        }

        var plan = Fetch(state, 0, maxBytes: 1);

        Assert.Null(plan.Reply);
        Assert.Equal((0L, 1L), (plan.Read!.Offset, plan.Read.FallbackSequenceNr));
        var answer = Assert.Single(state.RangeRead(0, new JournalRange(stored, 4)).Answers);
        Assert.Equal(["v0"], Batches.ValuesOf(answer.Response.Records));
    }

    [Fact]
    public void A_second_fetch_of_an_offset_being_read_waits_for_that_read_and_both_are_answered_by_it()
    {
        var state = NewState("tail-bytes = 1, read-ahead-bytes = 0");
        ProduceAndWrite(state, Batches.Produced("a"));
        ProduceAndWrite(state, Batches.Produced("b"));
        var old = new Client("old");

        var first = Fetch(state, 0).Read!;
        var second = Fetch(state, 0, client: old);

        Assert.Equal((null, null, false), (second.Reply, second.Read, second.IsParked));
        var answers = state.RangeRead(first.Offset, new JournalRange([Batches.Of(0, "a")], 2)).Answers;
        Assert.Equal(2, answers.Count);
        Assert.Contains(answers, a => ReferenceEquals(a.Fetch.ReplyTo, old));
    }

    [Fact]
    public void Beyond_max_concurrent_journal_reads_a_fetch_queues_and_runs_when_a_read_finishes()
    {
        var state = NewState("tail-bytes = 1, read-ahead-bytes = 0, max-concurrent-journal-reads = 1");
        for (var i = 0; i < 3; i++) ProduceAndWrite(state, Batches.Produced($"v{i}"));
        var first = Fetch(state, 0).Read!;

        var queued = Fetch(state, 1);

        Assert.Equal((null, null), (queued.Reply, queued.Read));
        Assert.Null(state.NextQueuedJournalRead());
        state.RangeRead(first.Offset, new JournalRange([Batches.Of(0, "v0")], 2));
        var next = Assert.IsType<PendingFetch>(state.NextQueuedJournalRead());
        Assert.Equal(1, next.Request.Offset);
    }

    [Fact]
    public void A_fetch_whose_records_retention_deleted_while_they_were_read_is_told_its_offset_is_out_of_range()
    {
        var state = NewState("tail-bytes = 1, read-ahead-bytes = 0, segment-batches = 1", retentionBytes: 0);
        ProduceAndWrite(state, Batches.Produced("a"), Batches.Produced("b"));
        var read = Fetch(state, 0).Read!;
        state.LogStartAdvanced(state.DecideRetention(Now).Expire!, ++_sequenceNr);

        var answer = Assert.Single(state.RangeRead(read.Offset, new JournalRange([], 3)).Answers);

        Assert.Equal(ErrorCode.OffsetOutOfRange, answer.Response.Error);
    }

    [Fact]
    public void A_failed_journal_read_answers_the_fetches_that_waited_for_it_with_a_storage_error()
    {
        var state = NewState("tail-bytes = 1, read-ahead-bytes = 0");
        ProduceAndWrite(state, Batches.Produced("a"));
        ProduceAndWrite(state, Batches.Produced("b"));
        var read = Fetch(state, 0).Read!;

        var answer = Assert.Single(state.RangeFailed(read.Offset, "disk I/O error"));

        Assert.Equal(ErrorCode.KafkaStorageError, answer.Response.Error);
        Assert.Contains("disk I/O error", answer.Response.ErrorMessage);
    }

    // ---------------- list offsets ----------------

    [Fact]
    public void Listing_offsets_answers_the_log_end_the_log_start_and_refuses_other_negative_timestamps()
    {
        var state = NewState();
        ProduceAndWrite(state, Batches.Produced("a", "b"));

        ListOffsetsPlan List(long timestamp) => state.PlanListOffsets(new ListOffsetsRequest(Partition.Topic, Partition.Partition, timestamp), _client, 0);

        Assert.Equal(2, List(ListOffsetsRequest.Latest).Offset);
        Assert.Equal(0, List(ListOffsetsRequest.Earliest).Offset);
        Assert.Equal(ErrorCode.InvalidRequest, List(-3).Error);
        Assert.Equal(0, List(Batches.T0).Offset);
        Assert.Equal(-1, List(Batches.T0 + 1).Offset);
    }
}
