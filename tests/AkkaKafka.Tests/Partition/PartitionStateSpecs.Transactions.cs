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
/// The partition's half of Kafka transactions (KIP-98): transactional batches open a producer's transaction, the
/// coordinator's markers close it, and from that come the last stable offset, read_committed fetches with their
/// aborted transactions, ListOffsets for read_committed and DescribeProducers, all surviving recovery.
/// </summary>
public sealed partial class PartitionStateSpecs
{
    private const long OtherProducerId = 5151;

    private static byte[] Transactional(long producerId, short epoch, int sequence, params string[] values) =>
        Batches.Transactional(0, producerId, epoch, sequence, values);

    private static WriteTxnMarker Marker(long producerId, short epoch, TransactionResult result, int coordinatorEpoch = 0) =>
        new(Partition.Topic, Partition.Partition, producerId, epoch, result, coordinatorEpoch);

    /// <summary>Writes the marker as the actor would; returns the offset it got.</summary>
    private long WriteMarker(PartitionState state, WriteTxnMarker marker)
    {
        var decision = state.WriteMarker(marker, _client, Now);
        Assert.Equal((ProduceOutcome.Accepted, ErrorCode.None), (decision.Outcome, decision.Error));
        var written = Assert.Single(WriteAll(state));
        Assert.Same(marker, written.Marker);
        return written.BaseOffset;
    }

    private FetchResponse FetchNow(PartitionState state, long offset, IsolationLevel isolation) =>
        state.PlanFetch(new FetchRequest(Partition.Topic, Partition.Partition, offset, 1 << 20, 0, "spec", null, isolation), _client, Clock).Reply!;

    private static List<long> OffsetsIn(FetchResponse response) =>
        RecordBatches.Read(response.Records).SelectMany(b => b.IsControl ? [] : b.Records().Select(r => r.Offset)).ToList();

    [Fact]
    public void A_transactional_batch_holds_the_last_stable_offset_at_its_first_offset_until_a_commit_marker_is_written_as_a_control_batch()
    {
        var state = NewState();
        ProduceAndWrite(state, Batches.Produced("plain"));
        ProduceAndWrite(state, Transactional(ProducerId, 0, 0, "t1", "t2"));
        ProduceAndWrite(state, Batches.Produced("after"));

        Assert.Equal((1L, 4L), (state.Log.LastStableOffset, state.Log.NextOffset));

        var markerOffset = WriteMarker(state, Marker(ProducerId, 0, TransactionResult.Commit));

        Assert.Equal(4, markerOffset);
        Assert.Equal((5L, 5L), (state.Log.LastStableOffset, state.Log.NextOffset));
        var stored = new RecordBatch(Assert.Single(state.Log.ReadTail(4, 1 << 20)!));
        Assert.True(stored.IsControl && stored.IsTransactional);
        Assert.Equal((ProducerId, (short)0, -1), (stored.ProducerId, stored.ProducerEpoch, stored.BaseSequence));
        Assert.Equal((TransactionResult.Commit, 0), ControlRecords.ReadMarker(stored));
        Assert.Empty(state.Log.Transactions.Aborted);
    }

    [Fact]
    public void With_two_producers_interleaved_the_LSO_is_the_first_offset_of_the_earliest_open_transaction_and_an_abort_enters_the_aborted_index()
    {
        var state = NewState();
        ProduceAndWrite(state, Transactional(ProducerId, 0, 0, "a0"));             // 0
        ProduceAndWrite(state, Transactional(OtherProducerId, 0, 0, "b0"));        // 1
        ProduceAndWrite(state, Transactional(ProducerId, 0, 1, "a1"));             // 2
        Assert.Equal(0, state.Log.LastStableOffset);

        Assert.Equal(3, WriteMarker(state, Marker(ProducerId, 0, TransactionResult.Commit)));
        Assert.Equal(1, state.Log.LastStableOffset);

        ProduceAndWrite(state, Transactional(OtherProducerId, 0, 1, "b1"));        // 4
        Assert.Equal(5, WriteMarker(state, Marker(OtherProducerId, 0, TransactionResult.Abort)));

        Assert.Equal(6, state.Log.LastStableOffset);
        Assert.Equal([new AbortedTransaction(OtherProducerId, 1, 5)], state.Log.Transactions.Aborted);
        // The next transactional batch of the committed producer opens a new transaction.
        ProduceAndWrite(state, Transactional(ProducerId, 0, 2, "a2"));             // 6
        Assert.Equal(6, state.Log.LastStableOffset);
    }

    [Fact]
    public void A_read_committed_fetch_returns_only_batches_below_the_LSO_with_the_aborted_transactions_of_the_range_and_read_uncommitted_returns_all()
    {
        var state = NewState();
        ProduceAndWrite(state, Transactional(OtherProducerId, 0, 0, "aborted"));   // 0
        ProduceAndWrite(state, Batches.Produced("plain"));                          // 1
        WriteMarker(state, Marker(OtherProducerId, 0, TransactionResult.Abort));   // 2
        ProduceAndWrite(state, Batches.Produced("later"));                          // 3
        ProduceAndWrite(state, Transactional(ProducerId, 0, 0, "open"));           // 4

        var committed = FetchNow(state, 0, IsolationLevel.ReadCommitted);
        var uncommitted = FetchNow(state, 0, IsolationLevel.ReadUncommitted);

        Assert.Equal([0L, 1L, 3L], OffsetsIn(committed));
        Assert.Equal([new AbortedTransaction(OtherProducerId, 0, 2)], committed.AbortedTransactions);
        Assert.Equal((4L, 5L), (committed.LastStableOffset, committed.HighWatermark));
        Assert.Equal([0L, 1L, 3L, 4L], OffsetsIn(uncommitted));
        Assert.Null(uncommitted.AbortedTransactions);
        Assert.Equal(4, uncommitted.LastStableOffset);
        // The aborted transaction ended (its marker) before offset 3: a fetch from there is not told of it.
        var later = FetchNow(state, 3, IsolationLevel.ReadCommitted);
        Assert.Equal([3L], OffsetsIn(later));
        Assert.Empty(later.AbortedTransactions!);
    }

    [Fact]
    public void A_read_committed_fetch_at_the_LSO_parks_until_the_marker_moves_it_on()
    {
        var state = NewState();
        ProduceAndWrite(state, Transactional(ProducerId, 0, 0, "t"));

        Assert.True(state.PlanFetch(new FetchRequest(Partition.Topic, Partition.Partition, 0, 1 << 20, 500, "spec", null, IsolationLevel.ReadCommitted),
            _client, Clock).IsParked);
        Assert.Empty(state.TakeServableParkedFetches());

        WriteMarker(state, Marker(ProducerId, 0, TransactionResult.Commit));

        var ready = Assert.Single(state.TakeServableParkedFetches());
        Assert.Equal([0L], OffsetsIn(FetchNow(state, ready.Request.Offset, IsolationLevel.ReadCommitted)));
    }

    [Fact]
    public void ListOffsets_latest_is_the_LSO_for_read_committed_and_the_log_end_for_read_uncommitted()
    {
        var state = NewState();
        ProduceAndWrite(state, Batches.Produced("a"), Transactional(ProducerId, 0, 0, "t"));

        long Latest(IsolationLevel isolation) =>
            state.PlanListOffsets(new ListOffsetsRequest(Partition.Topic, Partition.Partition, ListOffsetsRequest.Latest, isolation), _client, 0).Offset;

        Assert.Equal((1L, 2L), (Latest(IsolationLevel.ReadCommitted), Latest(IsolationLevel.ReadUncommitted)));
    }

    [Fact]
    public void A_marker_of_an_older_producer_epoch_or_an_older_coordinator_epoch_is_refused_and_nothing_is_written()
    {
        var state = NewState();
        ProduceAndWrite(state, Transactional(ProducerId, 3, 0, "t"));
        WriteMarker(state, Marker(ProducerId, 3, TransactionResult.Commit, coordinatorEpoch: 5));

        var olderProducer = state.WriteMarker(Marker(ProducerId, 2, TransactionResult.Abort, coordinatorEpoch: 5), _client, Now);
        var olderCoordinator = state.WriteMarker(Marker(ProducerId, 3, TransactionResult.Abort, coordinatorEpoch: 4), _client, Now);

        Assert.Equal((ProduceOutcome.Refused, ErrorCode.InvalidProducerEpoch), (olderProducer.Outcome, olderProducer.Error));
        Assert.Equal((ProduceOutcome.Refused, ErrorCode.TransactionCoordinatorFenced), (olderCoordinator.Outcome, olderCoordinator.Error));
        Assert.False(state.HasPendingWrites);
        Assert.Equal(2, state.ReservedNextOffset);
    }

    [Fact]
    public void A_marker_does_not_move_the_producers_sequence_so_its_next_transaction_continues_where_it_left_off()
    {
        var state = NewState();
        ProduceAndWrite(state, Transactional(ProducerId, 0, 0, "a", "b"));
        WriteMarker(state, Marker(ProducerId, 0, TransactionResult.Commit));

        Assert.Equal(ProduceOutcome.Accepted, Produce(state, Transactional(ProducerId, 0, 2, "c")).Outcome);
    }

    [Fact]
    public void A_client_may_not_produce_a_control_batch_nor_a_transactional_batch_without_a_producer_id()
    {
        var state = NewState();
        var forged = ControlRecords.Marker(ProducerId, 0, TransactionResult.Commit, 0, Batches.T0);
        var anonymous = ControlRecords.Transactional(Batches.Produced("x"));

        Assert.Equal(ErrorCode.InvalidRecord, Produce(state, forged).Error);
        Assert.Equal(ErrorCode.InvalidRecord, Produce(state, anonymous).Error);
    }

    [Fact]
    public void DescribeProducers_tells_each_producers_epoch_last_sequence_coordinator_epoch_and_open_transaction_start()
    {
        var state = NewState();
        ProduceAndWrite(state, Transactional(ProducerId, 1, 0, "a", "b"));                 // 0-1
        WriteMarker(state, Marker(ProducerId, 1, TransactionResult.Commit, coordinatorEpoch: 9)); // 2
        ProduceAndWrite(state, Transactional(OtherProducerId, 0, 0, "c"));                 // 3

        var description = state.DescribeProducers();

        Assert.Equal(
            [new ActiveProducer(ProducerId, 1, 1, Batches.T0, 9, -1), new ActiveProducer(OtherProducerId, 0, 0, Batches.T0, -1, 3)],
            description.Producers);
    }

    [Fact]
    public void Open_and_aborted_transactions_survive_recovery_from_the_events_and_from_a_snapshot_with_later_events()
    {
        var state = NewState();
        ProduceAndWrite(state, Transactional(OtherProducerId, 0, 0, "aborted"));   // 0
        WriteMarker(state, Marker(OtherProducerId, 0, TransactionResult.Abort, 2)); // 1
        var snapshot = state.Log.ToSnapshot();
        ProduceAndWrite(state, Transactional(ProducerId, 0, 0, "open"));           // 2
        var events = state.Log.ReadTail(0, int.MaxValue)!.Select(b => new BatchAppended(b)).ToList();
        var settings = new BrokerSettings(BrokerConfig.Reference());

        var fromEvents = new PartitionState(Partition, Epoch, -1, -1, TimestampType.CreateTime, settings, new ReadCache(0));
        for (var i = 0; i < events.Count; i++) fromEvents.Apply(events[i], i + 1);
        var fromSnapshot = new PartitionState(Partition, Epoch, -1, -1, TimestampType.CreateTime, settings, new ReadCache(0));
        // The snapshot store round trip of a snapshot with transactions is SerializerSpecs' (StorageSamples).
        fromSnapshot.Restore(snapshot, Now);
        fromSnapshot.Apply(events[2], 3);

        foreach (var recovered in new[] { fromEvents, fromSnapshot })
        {
            recovered.Recovered();
            Assert.Equal(2, recovered.Log.LastStableOffset);
            Assert.Equal([new AbortedTransaction(OtherProducerId, 0, 1)], recovered.Log.Transactions.Aborted);
            Assert.Equal(2, recovered.Log.Transactions.CoordinatorEpoch(OtherProducerId));
            Assert.Equal(ErrorCode.TransactionCoordinatorFenced,
                recovered.WriteMarker(Marker(OtherProducerId, 0, TransactionResult.Abort, 1), _client, Now).Error);
        }
    }

    [Fact]
    public void Retention_that_deletes_the_start_of_an_open_transaction_moves_the_LSO_up_to_the_new_log_start()
    {
        var state = NewState("segment-batches = 1", retentionBytes: 1);
        ProduceAndWrite(state, Transactional(ProducerId, 0, 0, "open"));          // 0
        ProduceAndWrite(state, Batches.Produced("a"), Batches.Produced("b"));      // 1, 2

        state.LogStartAdvanced(state.DecideRetention(Now).Expire!, ++_sequenceNr);

        Assert.Equal((2L, 2L), (state.Log.LogStartOffset, state.Log.LastStableOffset));
    }

    [Fact]
    public void Retention_forgets_the_aborted_transactions_wholly_below_the_new_log_start()
    {
        var state = NewState("segment-batches = 1", retentionBytes: 1);
        ProduceAndWrite(state, Transactional(OtherProducerId, 0, 0, "aborted"));   // 0
        WriteMarker(state, Marker(OtherProducerId, 0, TransactionResult.Abort));   // 1
        ProduceAndWrite(state, Batches.Produced("kept"));                           // 2

        var expire = state.DecideRetention(Now).Expire!;
        state.LogStartAdvanced(expire, ++_sequenceNr);

        Assert.Equal(2, state.Log.LogStartOffset);
        Assert.Empty(state.Log.Transactions.Aborted);
    }
}
