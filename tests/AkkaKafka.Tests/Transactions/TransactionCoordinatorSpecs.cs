using Akka.Actor;
using AkkaKafka.Broker.Controller;
using AkkaKafka.Broker.Transactions;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.Transactions;

/// <summary>
/// The transaction coordinator through a real SQLite journal, with the controller's real ProducerIdAllocator handing
/// out producer ids: InitProducerId with a transactional id as Kafka answers it, and what a restarted coordinator
/// still knows.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class TransactionCoordinatorSpecs(SqliteJournal journal, ITestOutputHelper output)
    : PersistenceSpec(journal, output, TestConfigs.Local), IClassFixture<SqliteJournal>
{
    // Generous: the first answer waits for the journal, and these specs share two cores with many others.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private const int TransactionTimeoutMs = 60_000;

    private IActorRef? _producerIds;

    private IActorRef StartCoordinator()
    {
        _producerIds ??= Sys.ActorOf(ProducerIdAllocator.Props());
        return Sys.ActorOf(TransactionCoordinatorActor.Props(_producerIds, TransactionSettings.Create(Sys.Settings.Config), Timeout));
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
    public void A_restarted_coordinator_lists_every_transactional_id_from_its_journal_with_no_ids_actor_running_and_describes_each_whatever_its_name()
    {
        var coordinator = StartCoordinator();
        var first = Init(coordinator, "app-1");
        // Named as the coordinator: an id like any other (the registry's own journal is not a transaction-… one).
        var second = Init(coordinator, "coordinator");
        StopAndWait(coordinator);

        var restarted = StartCoordinator();
        var probe = CreateTestProbe();
        restarted.Tell(new ListTransactions([], []), probe.Ref);
        var listing = probe.ExpectMsg<TransactionListing>(Timeout);
        restarted.Tell(new DescribeTransaction("coordinator"), probe.Ref);
        var described = probe.ExpectMsg<TransactionDescription>(Timeout);
        restarted.Tell(new DescribeTransaction("never-initialized"), probe.Ref);
        var unknown = probe.ExpectMsg<TransactionDescription>(Timeout);

        Assert.Equal(ErrorCode.None, listing.Error);
        Assert.Equal([new ListedTransaction("app-1", first.ProducerId, "Empty"), new ListedTransaction("coordinator", second.ProducerId, "Empty")], listing.Transactions);
        Assert.Equal((ErrorCode.None, "Empty", second.ProducerId, (short)0, 60_000), (described.Error, described.State, described.ProducerId, described.ProducerEpoch, described.TimeoutMs));
        Assert.Equal(ErrorCode.TransactionalIdNotFound, unknown.Error);
    }

    [Fact]
    public void A_verify_only_AddPartitionsToTransaction_answers_INVALID_TXN_STATE_for_a_partition_not_in_the_transaction_and_changes_nothing()
    {
        var coordinator = StartCoordinator();
        var producer = Init(coordinator, "app-1");
        var probe = CreateTestProbe();
        var partition = new TopicPartition("orders", 0);

        coordinator.Tell(new AddPartitionsToTransaction("app-1", producer.ProducerId, producer.ProducerEpoch, [partition], VerifyOnly: true), probe.Ref);
        var verified = probe.ExpectMsg<AddPartitionsToTransactionResult>(Timeout);
        coordinator.Tell(new AddPartitionsToTransaction("app-1", producer.ProducerId + 1, producer.ProducerEpoch, [partition], VerifyOnly: true), probe.Ref);
        var otherProducer = probe.ExpectMsg<AddPartitionsToTransactionResult>(Timeout);
        coordinator.Tell(new DescribeTransaction("app-1"), probe.Ref);

        Assert.Equal([new PartitionErrorCode(partition, ErrorCode.InvalidTxnState)], verified.Partitions);
        Assert.Equal([new PartitionErrorCode(partition, ErrorCode.InvalidProducerIdMapping)], otherProducer.Partitions);
        Assert.Equal("Empty", probe.ExpectMsg<TransactionDescription>(Timeout).State);
    }
}
