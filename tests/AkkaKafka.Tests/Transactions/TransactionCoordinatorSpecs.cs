using Akka.Actor;
using Akka.TestKit;
using AkkaKafka.Broker.Controller;
using AkkaKafka.Broker.Transactions;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;
using AkkaKafka.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.Transactions;

/// <summary>
/// The transaction coordinator through a real SQLite journal, with the controller's real ProducerIdAllocator handing
/// out producer ids: InitProducerId with a transactional id as Kafka answers it, and what a restarted coordinator
/// still knows. The brokers it writes markers through are a probe here, answering for the partitions' owners (real
/// brokers write them in TransactionalProducerSpecs).
/// </summary>
[Trait("Speed", "Fast")]
public sealed class TransactionCoordinatorSpecs(SqliteJournal journal, ITestOutputHelper output)
    : PersistenceSpec(journal, output, TestConfigs.Local), IClassFixture<SqliteJournal>
{
    // Generous: the first answer waits for the journal, and these specs share two cores with many others.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private const int TransactionTimeoutMs = 60_000;

    private static readonly TopicPartition Orders0 = new("orders", 0);
    private static readonly TopicPartition Orders1 = new("orders", 1);

    private IActorRef? _producerIds;

    /// <summary>Stands for the brokers: receives every WriteTxnMarker and CompleteTransactionalOffsets the coordinator sends.</summary>
    private TestProbe _brokers = null!;

    private IActorRef StartCoordinator(TimeSpan? askTimeout = null)
    {
        _producerIds ??= Sys.ActorOf(ProducerIdAllocator.Props());
        _brokers = CreateTestProbe();
        return Sys.ActorOf(TransactionCoordinatorActor.Props(_producerIds, _brokers.Ref, TransactionSettings.Create(Sys.Settings.Config), askTimeout ?? Timeout));
    }

    private T Ask<T>(IActorRef coordinator, object request)
    {
        var probe = CreateTestProbe();
        coordinator.Tell(request, probe.Ref);
        return probe.ExpectMsg<T>(Timeout);
    }

    private ErrorCode Add(IActorRef coordinator, InitProducerIdResult producer, string transactionalId, params TopicPartition[] partitions) =>
        Ask<AddPartitionsToTransactionResult>(coordinator, new AddPartitionsToTransaction(transactionalId, producer.ProducerId, producer.ProducerEpoch, partitions))
            .Partitions.Select(p => p.Error).Distinct().Single();

    private ErrorCode End(IActorRef coordinator, InitProducerIdResult producer, string transactionalId, bool commit) =>
        Ask<TransactionRequestResult>(coordinator, new EndTransaction(transactionalId, producer.ProducerId, producer.ProducerEpoch, commit)).Error;

    /// <summary>The markers the brokers receive, each answered with <paramref name="answer"/>, by partition.</summary>
    private Dictionary<TopicPartition, WriteTxnMarker> AnswerMarkers(int count, ErrorCode answer = ErrorCode.None)
    {
        var markers = new Dictionary<TopicPartition, WriteTxnMarker>();
        for (var i = 0; i < count; i++)
        {
            var marker = _brokers.ExpectMsg<WriteTxnMarker>(Timeout);
            markers[new TopicPartition(marker.Topic, marker.Partition)] = marker;
            _brokers.Reply(new WriteTxnMarkerResponse(marker.Topic, marker.Partition, answer, answer == ErrorCode.None ? 10 : -1));
        }
        return markers;
    }

    private InitProducerIdResult Init(IActorRef coordinator, string transactionalId, int timeoutMs = TransactionTimeoutMs, ProducerIdAndEpoch? expected = null)
    {
        var probe = CreateTestProbe();
        coordinator.Tell(new InitTransactionalProducer(transactionalId, timeoutMs, expected), probe.Ref);
        return probe.ExpectMsg<InitProducerIdResult>(Timeout);
    }

    [Fact]
    public void A_new_transactional_id_gets_a_producer_id_of_the_controllers_at_epoch_0_and_each_id_its_own()
    {
        var coordinator = StartCoordinator();

        var first = Init(coordinator, "app-1");
        var second = Init(coordinator, "app-2");
        var probe = CreateTestProbe();
        _producerIds!.Tell(new InitProducerId(), probe.Ref);
        var idempotent = probe.ExpectMsg<InitProducerIdResult>(Timeout);

        Assert.Equal((ErrorCode.None, (short)0), (first.Error, first.ProducerEpoch));
        Assert.Equal((ErrorCode.None, (short)0), (second.Error, second.ProducerEpoch));
        Assert.Equal(3, new[] { first.ProducerId, second.ProducerId, idempotent.ProducerId }.Distinct().Count());
    }

    [Fact]
    public void Each_new_producer_of_a_transactional_id_gets_the_same_producer_id_with_the_epoch_bumped()
    {
        var coordinator = StartCoordinator();

        var first = Init(coordinator, "app-1");
        var second = Init(coordinator, "app-1");

        Assert.Equal((first.ProducerId, (short)1), (second.ProducerId, second.ProducerEpoch));
    }

    [Fact]
    public void A_restarted_coordinator_carries_on_from_the_journal_fencing_the_producers_before_the_restart()
    {
        var coordinator = StartCoordinator();
        var before = Init(coordinator, "app-1");
        Init(coordinator, "app-1");
        StopAndWait(coordinator);

        var after = Init(StartCoordinator(), "app-1");

        Assert.Equal((before.ProducerId, (short)2), (after.ProducerId, after.ProducerEpoch));
    }

    [Fact]
    public void A_producer_carrying_on_KIP_360_with_an_epoch_another_producer_has_since_fenced_is_PRODUCER_FENCED()
    {
        var coordinator = StartCoordinator();
        var old = Init(coordinator, "app-1");
        Init(coordinator, "app-1");

        var fenced = Init(coordinator, "app-1", expected: new ProducerIdAndEpoch(old.ProducerId, old.ProducerEpoch));

        Assert.Equal(ErrorCode.ProducerFenced, fenced.Error);
    }

    [Fact]
    public void A_timeout_above_transaction_max_timeout_ms_is_INVALID_TRANSACTION_TIMEOUT_and_an_empty_id_INVALID_REQUEST()
    {
        var coordinator = StartCoordinator();
        var settings = TransactionSettings.Create(Sys.Settings.Config);
        var max = (int)settings.MaxTimeout.TotalMilliseconds;

        Assert.Equal(TimeSpan.FromMinutes(15), settings.MaxTimeout); // Kafka's default

        Assert.Equal(ErrorCode.InvalidTransactionTimeout, Init(coordinator, "app-1", timeoutMs: max + 1).Error);
        Assert.Equal(ErrorCode.InvalidRequest, Init(coordinator, "").Error);
        Assert.Equal(ErrorCode.None, Init(coordinator, "app-1", timeoutMs: max).Error);
    }

    [Fact]
    public void EndTxn_commit_is_answered_once_PrepareCommit_is_persisted_then_a_commit_marker_goes_to_every_partition_and_the_transaction_completes()
    {
        var coordinator = StartCoordinator();
        var producer = Init(coordinator, "app-1");
        Assert.Equal(ErrorCode.None, Add(coordinator, producer, "app-1", Orders0, Orders1));

        Assert.Equal(ErrorCode.None, End(coordinator, producer, "app-1", commit: true));
        // Ending: a retry of the same EndTxn, a new AddPartitionsToTxn and a new producer wait, as in Kafka.
        Assert.Equal(ErrorCode.ConcurrentTransactions, End(coordinator, producer, "app-1", commit: true));
        Assert.Equal(ErrorCode.ConcurrentTransactions, Add(coordinator, producer, "app-1", Orders0));
        Assert.Equal(ErrorCode.ConcurrentTransactions, Init(coordinator, "app-1").Error);

        var markers = AnswerMarkers(2);
        Assert.Equal([Orders0, Orders1], markers.Keys.OrderBy(p => p.Partition));
        Assert.All(markers.Values, m => Assert.Equal((producer.ProducerId, producer.ProducerEpoch, TransactionResult.Commit),
            (m.ProducerId, m.ProducerEpoch, m.Result)));
        AwaitAssert(() => Assert.Equal(ErrorCode.None, End(coordinator, producer, "app-1", commit: true)), Timeout);
        // Complete: the next transaction of the same producer starts.
        Assert.Equal(ErrorCode.None, Add(coordinator, producer, "app-1", Orders1));
    }

    [Fact]
    public void EndTxn_abort_writes_abort_markers_and_a_marker_a_partition_did_not_take_is_written_again_until_it_is()
    {
        var coordinator = StartCoordinator();
        var producer = Init(coordinator, "app-1");
        Add(coordinator, producer, "app-1", Orders0);

        Assert.Equal(ErrorCode.None, End(coordinator, producer, "app-1", commit: false));

        // The owner moved, then was not known at all: the coordinator keeps writing the marker.
        Assert.Equal(TransactionResult.Abort, AnswerMarkers(1, ErrorCode.NotLeaderOrFollower)[Orders0].Result);
        AnswerMarkers(1, ErrorCode.LeaderNotAvailable);
        Assert.Equal(ErrorCode.ConcurrentTransactions, End(coordinator, producer, "app-1", commit: false));
        AnswerMarkers(1);
        AwaitAssert(() => Assert.Equal(ErrorCode.None, End(coordinator, producer, "app-1", commit: false)), Timeout);
    }

    [Fact]
    public void A_marker_the_partitions_owner_never_answers_is_written_again_after_the_ask_times_out()
    {
        var coordinator = StartCoordinator(askTimeout: TimeSpan.FromSeconds(3));
        var producer = Init(coordinator, "app-1");
        Add(coordinator, producer, "app-1", Orders0);
        End(coordinator, producer, "app-1", commit: true);

        _brokers.ExpectMsg<WriteTxnMarker>(Timeout); // lost: its broker was SIGKILLed

        AnswerMarkers(1);
        AwaitAssert(() => Assert.Equal(ErrorCode.None, End(coordinator, producer, "app-1", commit: true)), Timeout);
    }

    [Fact]
    public void AddOffsetsToTxn_puts_the_group_in_the_transaction_and_its_end_tells_the_group_coordinator_to_commit_the_producers_offsets()
    {
        var coordinator = StartCoordinator();
        var producer = Init(coordinator, "app-1");

        Assert.Equal(ErrorCode.None, Ask<TransactionRequestResult>(coordinator, new AddOffsetsToTransaction("app-1", producer.ProducerId, producer.ProducerEpoch, "payments")).Error);
        Assert.Equal(ErrorCode.None, End(coordinator, producer, "app-1", commit: true));

        var told = _brokers.ExpectMsg<CompleteTransactionalOffsets>(Timeout);
        Assert.Equal(new CompleteTransactionalOffsets("payments", producer.ProducerId, producer.ProducerEpoch, Commit: true), told);
        _brokers.Reply(new TransactionalOffsetsCompleted("payments", ErrorCode.None));
        AwaitAssert(() => Assert.Equal(ErrorCode.None, End(coordinator, producer, "app-1", commit: true)), Timeout);
    }

    [Fact]
    public void A_fenced_or_unknown_producer_cannot_add_to_or_end_the_transaction()
    {
        var coordinator = StartCoordinator();
        var old = Init(coordinator, "app-1");
        var current = Init(coordinator, "app-1");

        Assert.Equal(ErrorCode.ProducerFenced, Add(coordinator, old, "app-1", Orders0));
        Assert.Equal(ErrorCode.ProducerFenced, End(coordinator, old, "app-1", commit: true));
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, End(coordinator, current with { ProducerId = current.ProducerId + 1000 }, "app-1", commit: true));
        Assert.Equal(ErrorCode.InvalidTxnState, End(coordinator, current, "app-1", commit: true));
    }

    [Fact]
    public void A_new_producer_aborts_the_open_transaction_of_the_old_one_with_the_epoch_bumped_so_its_markers_fence_the_old_producer()
    {
        var coordinator = StartCoordinator();
        var old = Init(coordinator, "app-1");
        Add(coordinator, old, "app-1", Orders0);

        Assert.Equal(ErrorCode.ConcurrentTransactions, Init(coordinator, "app-1").Error);

        var abort = AnswerMarkers(1)[Orders0];
        Assert.Equal((TransactionResult.Abort, (short)(old.ProducerEpoch + 1)), (abort.Result, abort.ProducerEpoch));
        AwaitAssert(() => Assert.Equal(ErrorCode.None, Init(coordinator, "app-1").Error), Timeout);
        Assert.Equal(ErrorCode.ProducerFenced, End(coordinator, old, "app-1", commit: true));
    }

    [Fact]
    public void An_open_transaction_past_its_transaction_timeout_is_aborted_by_the_coordinator_and_its_producer_fenced()
    {
        var coordinator = StartCoordinator();
        var producer = Init(coordinator, "app-1", timeoutMs: 200);
        Add(coordinator, producer, "app-1", Orders0);

        // No request from the producer: the coordinator's own timer ends the transaction.
        var abort = AnswerMarkers(1)[Orders0];

        Assert.Equal((TransactionResult.Abort, (short)(producer.ProducerEpoch + 1)), (abort.Result, abort.ProducerEpoch));
        AwaitAssert(() => Assert.Equal(ErrorCode.ProducerFenced, End(coordinator, producer, "app-1", commit: true)), Timeout);
        Assert.Equal(ErrorCode.ProducerFenced, Add(coordinator, producer, "app-1", Orders0));
    }

    [Fact]
    public void A_coordinator_restarted_after_EndTxn_was_answered_writes_the_markers_the_one_before_did_not()
    {
        var coordinator = StartCoordinator();
        var producer = Init(coordinator, "app-1");
        Add(coordinator, producer, "app-1", Orders0, Orders1);
        Assert.Equal(ErrorCode.None, End(coordinator, producer, "app-1", commit: true));
        _brokers.ExpectMsg<WriteTxnMarker>(Timeout); // never answered: the coordinator stops first
        StopAndWait(coordinator);

        var restarted = StartCoordinator();
        // Any request wakes the transactional id's actor; it recovers in PrepareCommit and writes both markers again.
        Assert.Equal(ErrorCode.ConcurrentTransactions, End(restarted, producer, "app-1", commit: true));

        var markers = AnswerMarkers(2);
        Assert.All(markers.Values, m => Assert.Equal(TransactionResult.Commit, m.Result));
        AwaitAssert(() => Assert.Equal(ErrorCode.None, End(restarted, producer, "app-1", commit: true)), Timeout);
    }
}
