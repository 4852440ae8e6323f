using AkkaKafka.Broker.Partition;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;
using AkkaKafka.Tests.Support;
using Xunit;

namespace AkkaKafka.Tests.Partition;

/// <summary>
/// KIP-890 part 1 at the partition: a transactional batch of a producer with no transaction open here is written only
/// after its coordinator confirms the partition is in the producer's ongoing transaction, once per producer, partition
/// and transaction; the producer's batches keep their order meanwhile, a marker written during the verification makes
/// the coordinator's "yes" stale (Kafka's verification guard), and the coordinator's answers reach the producer as
/// Kafka translates them.
/// </summary>
public sealed partial class PartitionStateSpecs
{
    private const string TransactionalId = "payments-1";

    private ProduceDecision ProduceUnverified(PartitionState state, byte[] batch, string? transactionalId = TransactionalId) =>
        state.Produce(Request(batch) with { TransactionalId = transactionalId }, _client, Now);

    [Fact]
    public void A_producers_first_transactional_batch_waits_for_its_coordinator_and_its_next_batches_wait_behind_it_in_order()
    {
        var state = NewState();

        Assert.Equal(ProduceOutcome.NeedsVerification, ProduceUnverified(state, Transactional(ProducerId, 0, 0, "t0")).Outcome);
        Assert.Equal(ProduceOutcome.WaitsForVerification, ProduceUnverified(state, Transactional(ProducerId, 0, 1, "t1")).Outcome);
        // Nothing is reserved for either until the coordinator has answered.
        Assert.Equal(0, state.ReservedNextOffset);

        var verification = state.VerificationAnswered(ProducerId);
        Assert.NotNull(verification);
        Assert.False(verification.MarkerWritten);
        Assert.Equal((ProducerId, (short)0), (verification.ProducerId, verification.ProducerEpoch));
        Assert.Equal(ProduceOutcome.Accepted, state.Produce(verification.Request, verification.ReplyTo, Now, coordinatorVerified: true).Outcome);
        // The waiting batch is in the transaction the first one opened here: straight through, no second verification.
        var waiting = Assert.Single(verification.Waiting);
        Assert.Equal(ProduceOutcome.Accepted, state.Produce(waiting.Request, waiting.ReplyTo, Now).Outcome);
        Assert.Equal([0L, 1L], WriteAll(state).Select(a => a.BaseOffset));
        Assert.Null(state.VerificationAnswered(ProducerId));
    }

    [Fact]
    public void Inside_an_open_transaction_batches_go_straight_through_and_after_its_marker_the_next_transaction_is_verified_again()
    {
        var state = NewState();
        ProduceAndWrite(state, Transactional(ProducerId, 0, 0, "t0"));

        Assert.Equal(ProduceOutcome.Accepted, ProduceUnverified(state, Transactional(ProducerId, 0, 1, "t1")).Outcome);
        WriteAll(state);
        WriteMarker(state, Marker(ProducerId, 0, TransactionResult.Commit));

        Assert.Equal(ProduceOutcome.NeedsVerification, ProduceUnverified(state, Transactional(ProducerId, 0, 2, "next")).Outcome);
    }

    [Fact]
    public void The_open_transactions_after_recovery_are_the_logs_so_a_recovered_partition_does_not_verify_a_transaction_it_holds_open()
    {
        var state = NewState();
        ProduceAndWrite(state, Transactional(ProducerId, 0, 0, "t0"));
        state.Recovered();

        Assert.Equal(ProduceOutcome.Accepted, ProduceUnverified(state, Transactional(ProducerId, 0, 1, "t1")).Outcome);
    }

    [Fact]
    public void A_marker_written_while_the_coordinator_is_asked_makes_its_yes_stale_and_the_batch_is_refused_with_INVALID_TXN_STATE()
    {
        var state = NewState();
        Assert.Equal(ProduceOutcome.NeedsVerification, ProduceUnverified(state, Transactional(ProducerId, 0, 0, "late")).Outcome);
        WriteMarker(state, Marker(ProducerId, 0, TransactionResult.Abort));

        var verification = state.VerificationAnswered(ProducerId)!;
        Assert.True(verification.MarkerWritten);
        Assert.Equal(ErrorCode.InvalidTxnState, PartitionState.VerificationRefusal(ErrorCode.None, verification.MarkerWritten).Error);
        Assert.Equal(ErrorCode.None, PartitionState.VerificationRefusal(ErrorCode.None, markerWrittenSince: false).Error);
    }

    [Fact]
    public void A_transactional_batch_without_a_transactional_id_is_refused_as_Kafka_refuses_it_and_idempotent_batches_are_never_verified()
    {
        var state = NewState();

        var anonymous = ProduceUnverified(state, Transactional(ProducerId, 0, 0, "t"), transactionalId: null);
        Assert.Equal(ErrorCode.TransactionalIdAuthorizationFailed, anonymous.Error);
        Assert.Equal(ProduceOutcome.Accepted, ProduceUnverified(state, Idempotent(0, 0, "plain")).Outcome);
        Assert.Equal(ProduceOutcome.Accepted, ProduceUnverified(state, Batches.Produced("no producer")).Outcome);
    }

    [Fact]
    public void With_partition_verification_off_a_transactional_batch_is_written_unverified_as_Kafka_does_with_the_setting_off()
    {
        var state = NewState("transactions.partition-verification = off");

        Assert.Equal(ProduceOutcome.Accepted, ProduceUnverified(state, Transactional(ProducerId, 0, 0, "t"), transactionalId: null).Outcome);
    }

    [Theory]
    [InlineData(ErrorCode.InvalidTxnState, ErrorCode.InvalidTxnState)]
    [InlineData(ErrorCode.ProducerFenced, ErrorCode.InvalidProducerEpoch)]
    [InlineData(ErrorCode.InvalidProducerIdMapping, ErrorCode.InvalidProducerIdMapping)]
    [InlineData(ErrorCode.ConcurrentTransactions, ErrorCode.NotEnoughReplicas)]
    [InlineData(ErrorCode.CoordinatorNotAvailable, ErrorCode.NotEnoughReplicas)]
    [InlineData(ErrorCode.CoordinatorLoadInProgress, ErrorCode.NotEnoughReplicas)]
    [InlineData(ErrorCode.NotCoordinator, ErrorCode.NotEnoughReplicas)]
    public void The_coordinators_refusal_reaches_the_producer_as_Kafka_translates_it(ErrorCode coordinator, ErrorCode producer)
    {
        var (error, message) = PartitionState.VerificationRefusal(coordinator, markerWrittenSince: false);

        Assert.Equal(producer, error);
        Assert.False(string.IsNullOrEmpty(message));
    }
}
