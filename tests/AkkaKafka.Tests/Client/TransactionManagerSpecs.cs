using Akka.Configuration;
using AkkaKafka.Client;
using AkkaKafka.Client.Producer;
using AkkaKafka.Protocol;
using Xunit;

namespace AkkaKafka.Tests.Client;

/// <summary>
/// The Akka client's transactional producer as pure state (Kafka's TransactionManager): which calls each state allows,
/// AddPartitionsToTxn before a partition's first batch (batched while one is out), and what the coordinator's answers
/// mean: retry, abortable, fatal on fencing. And the settings that make a producer transactional.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class TransactionManagerSpecs
{
    private static readonly TopicPartition A0 = new("a", 0);
    private static readonly TopicPartition A1 = new("a", 1);
    private static readonly TopicPartition B0 = new("b", 0);

    private static TransactionManager Ready()
    {
        var manager = new TransactionManager("txn");
        manager.StartInit();
        Assert.Equal(CoordinatorAnswer.Done, manager.OnInitProducerId(ErrorCode.None, 7, 3));
        return manager;
    }

    private static TransactionManager InTransaction()
    {
        var manager = Ready();
        manager.Begin();
        return manager;
    }

    [Fact]
    public void InitProducerId_is_retried_while_the_coordinator_moves_or_completes_the_previous_transaction_and_fatal_when_refused()
    {
        var manager = new TransactionManager("txn");
        manager.StartInit();
        Assert.Equal(CoordinatorAnswer.Retry, manager.OnInitProducerId(ErrorCode.CoordinatorNotAvailable, -1, -1));
        Assert.Equal(CoordinatorAnswer.Retry, manager.OnInitProducerId(ErrorCode.ConcurrentTransactions, -1, -1));
        Assert.Equal(CoordinatorAnswer.Retry, manager.OnInitProducerId(ErrorCode.NotCoordinator, -1, -1));
        Assert.Equal(CoordinatorAnswer.Done, manager.OnInitProducerId(ErrorCode.None, 7, 3));
        Assert.Equal((TransactionPhase.Ready, 7L, (short)3), (manager.Phase, manager.ProducerId, manager.ProducerEpoch));

        var refused = new TransactionManager("txn");
        refused.StartInit();
        Assert.Equal(CoordinatorAnswer.Fatal, refused.OnInitProducerId(ErrorCode.TransactionalIdAuthorizationFailed, -1, -1));
        Assert.Contains("TRANSACTIONAL_ID_AUTHORIZATION_FAILED", refused.FatalError!.Message);
    }

    [Fact]
    public void Calls_out_of_order_fail_with_one_line_saying_what_to_do()
    {
        var manager = new TransactionManager("txn");
        Assert.Contains("InitTransactionsAsync has not completed", Assert.Throws<InvalidOperationException>(manager.Begin).Message);
        Assert.Contains("call BeginTransaction first", manager.RefuseSend()!.Message);
        manager.StartInit();
        Assert.Contains("it was called already", Assert.Throws<InvalidOperationException>(manager.StartInit).Message);
        manager.OnInitProducerId(ErrorCode.None, 7, 3);
        Assert.Contains("no transaction is open", Assert.Throws<InvalidOperationException>(manager.BeginCommit).Message);
        Assert.Contains("no transaction is open", Assert.Throws<InvalidOperationException>(manager.BeginAbort).Message);
        manager.Begin();
        Assert.Null(manager.RefuseSend());
        Assert.Contains("already open", Assert.Throws<InvalidOperationException>(manager.Begin).Message);
        manager.BeginCommit();
        Assert.Contains("still being committed", Assert.Throws<InvalidOperationException>(manager.Begin).Message);
        Assert.NotNull(manager.RefuseSend());
    }

    [Fact]
    public void A_partition_sends_only_once_added_and_partitions_needed_while_a_request_is_out_go_in_the_next_one()
    {
        var manager = InTransaction();
        Assert.False(manager.MaySend(A0));
        Assert.False(manager.MaySend(A1));
        Assert.Equal([A0, A1], manager.NextPartitionsToAdd()!.OrderBy(p => p.Partition));
        Assert.False(manager.MaySend(B0));
        Assert.Null(manager.NextPartitionsToAdd());  // one request at a time
        Assert.True(manager.AddingPartitions);

        Assert.Equal(CoordinatorAnswer.Done, manager.OnPartitionsAdded(new Dictionary<TopicPartition, ErrorCode> { [A0] = ErrorCode.None, [A1] = ErrorCode.None }));
        Assert.True(manager.MaySend(A0));
        Assert.True(manager.TransactionStarted);
        Assert.Equal([B0], manager.NextPartitionsToAdd());
    }

    [Fact]
    public void Partitions_the_coordinator_could_not_add_yet_are_asked_again_and_a_refused_one_leaves_only_an_abort()
    {
        var manager = InTransaction();
        manager.MaySend(A0);
        manager.MaySend(A1);
        manager.NextPartitionsToAdd();
        Assert.Equal(CoordinatorAnswer.Retry, manager.OnPartitionsAdded(null));
        Assert.Equal([A0, A1], manager.NextPartitionsToAdd()!.OrderBy(p => p.Partition));
        Assert.Equal(CoordinatorAnswer.Abortable, manager.OnPartitionsAdded(new Dictionary<TopicPartition, ErrorCode>
            { [A0] = ErrorCode.TopicAuthorizationFailed, [A1] = ErrorCode.OperationNotAttempted }));

        Assert.Equal(TransactionPhase.AbortableError, manager.Phase);
        Assert.Contains("TOPIC_AUTHORIZATION_FAILED", manager.RefuseSend()!.Message);
        Assert.Contains("abort it", Assert.Throws<KafkaException>(manager.BeginCommit).Message);
        manager.BeginAbort();
        Assert.Null(manager.NextPartitionsToAdd());  // nothing more joins an aborting transaction
        Assert.Equal(CoordinatorAnswer.Done, manager.OnEndTxn(ErrorCode.None));
        Assert.Equal(TransactionPhase.Ready, manager.Phase);
        Assert.False(manager.TransactionStarted);
    }

    [Fact]
    public void A_failed_batch_makes_the_transaction_abortable_and_a_commit_under_way_refused()
    {
        var manager = InTransaction();
        manager.BeginCommit();
        manager.OnTransactionFailed(new KafkaException(ErrorCode.MessageTooLarge, "a0: too large"));
        Assert.Equal(ErrorCode.MessageTooLarge, manager.CommitRefusal()!.Error);
        manager.BeginAbort();
        Assert.Equal(TransactionPhase.Aborting, manager.Phase);
    }

    [Fact]
    public void EndTxn_is_retried_while_the_coordinator_is_busy_and_the_next_transaction_starts_afresh()
    {
        var manager = InTransaction();
        manager.MaySend(A0);
        manager.NextPartitionsToAdd();
        manager.OnPartitionsAdded(new Dictionary<TopicPartition, ErrorCode> { [A0] = ErrorCode.None });
        manager.BeginCommit();
        Assert.True(manager.IsCommitting);
        Assert.Equal(CoordinatorAnswer.Retry, manager.OnEndTxn(ErrorCode.ConcurrentTransactions));
        Assert.Equal(CoordinatorAnswer.Retry, manager.OnEndTxn(ErrorCode.RequestTimedOut));
        Assert.Equal(CoordinatorAnswer.Done, manager.OnEndTxn(ErrorCode.None));
        manager.Begin();
        Assert.False(manager.MaySend(A0));  // a new transaction adds its partitions again
        Assert.False(manager.TransactionStarted);
    }

    [Theory]
    [InlineData(ErrorCode.ProducerFenced)]
    [InlineData(ErrorCode.InvalidProducerEpoch)]
    public void Fencing_is_fatal_and_every_later_call_fails_with_the_same_line(ErrorCode fenced)
    {
        var manager = InTransaction();
        manager.OnTransactionFailed(new KafkaException(fenced, "a0: fenced"));
        Assert.Equal(TransactionPhase.Fatal, manager.Phase);
        var line = manager.FatalError!.Message;
        Assert.StartsWith("producer fenced: another producer with transactional id 'txn' has started", line);
        Assert.DoesNotContain('\n', line);
        Assert.Same(manager.FatalError, manager.RefuseSend());
        Assert.Equal(line, Assert.Throws<KafkaException>(manager.Begin).Message);
        Assert.Equal(line, Assert.Throws<KafkaException>(manager.BeginCommit).Message);
        Assert.Equal(line, Assert.Throws<KafkaException>(manager.BeginAbort).Message);

        var ending = InTransaction();
        ending.BeginAbort();
        Assert.Equal(CoordinatorAnswer.Fatal, ending.OnEndTxn(fenced));
    }

    [Fact]
    public void A_transactional_id_is_read_once_and_refused_without_idempotence()
    {
        Assert.Null(new ClientSettings(ClusterConnection.Reference).TransactionalId);
        Assert.Equal(TimeSpan.FromSeconds(60), new ClientSettings(ClusterConnection.Reference).TransactionTimeout);
        var transactional = new ClientSettings(ConfigurationFactory.ParseString("akkakafka.client { transactional-id = orders, transaction-timeout = 10s }")
            .WithFallback(ClusterConnection.Reference));
        Assert.Equal(("orders", TimeSpan.FromSeconds(10)), (transactional.TransactionalId, transactional.TransactionTimeout));
        var error = Assert.Throws<ConfigurationException>(() => new ClientSettings(
            ConfigurationFactory.ParseString("akkakafka.client { transactional-id = orders, enable-idempotence = off }").WithFallback(ClusterConnection.Reference)));
        Assert.Contains("akkakafka.client.enable-idempotence", error.Message);
    }
}
