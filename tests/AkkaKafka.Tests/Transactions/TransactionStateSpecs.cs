using AkkaKafka.Broker.Transactions;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using Xunit;

namespace AkkaKafka.Tests.Transactions;

/// <summary>
/// A transactional id's state moves as Kafka's transaction coordinator moves it: what each request does in each state,
/// what is refused with which Kafka error, how epochs fence older producers and what happens when they run out.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class TransactionStateSpecs
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(15);
    private const int Timeout = 60_000;
    private static readonly TopicPartition Orders0 = new("orders", 0);
    private static readonly TopicPartition Orders1 = new("orders", 1);

    /// <summary>Applies what a decision says to persist, as the coordinator does after the write.</summary>
    private static TransactionState Persisted(TransactionState state, TransactionDecision decision) =>
        Assert.IsType<TransactionChanged>(decision).Events.Aggregate(state, (s, e) => s.Apply(e));

    private static TransactionState Initialized(long producerId = 7)
    {
        var fresh = TransactionState.New("app-1");
        Assert.Same(TransactionNeedsProducerId.Instance, fresh.InitProducerId(Timeout, null, MaxTimeout, T0));
        return Persisted(fresh, fresh.InitProducerId(Timeout, null, MaxTimeout, T0, freshProducerId: producerId));
    }

    private static TransactionState Ongoing(TransactionState? state = null, DateTime? at = null)
    {
        state ??= Initialized();
        return Persisted(state, state.AddPartitions(state.ProducerId, state.ProducerEpoch, [Orders0], at ?? T0));
    }

    private static ErrorCode ErrorOf(TransactionDecision decision) => Assert.IsType<TransactionAnswered>(decision).Error;

    // ---------------- InitProducerId ----------------

    [Fact]
    public void A_new_transactional_id_takes_a_producer_id_from_the_controller_at_epoch_0()
    {
        var state = Initialized(producerId: 7);

        Assert.Equal((7L, (short)0, TransactionStatus.Empty), (state.ProducerId, state.ProducerEpoch, state.Status));
        Assert.Equal(Timeout, state.TimeoutMs);
    }

    [Fact]
    public void A_timeout_above_transaction_max_timeout_ms_or_not_positive_is_INVALID_TRANSACTION_TIMEOUT()
    {
        var fresh = TransactionState.New("app-1");

        Assert.Equal(ErrorCode.InvalidTransactionTimeout, ErrorOf(fresh.InitProducerId((int)MaxTimeout.TotalMilliseconds + 1, null, MaxTimeout, T0)));
        Assert.Equal(ErrorCode.InvalidTransactionTimeout, ErrorOf(fresh.InitProducerId(0, null, MaxTimeout, T0)));
        Assert.IsType<TransactionNeedsProducerId>(fresh.InitProducerId((int)MaxTimeout.TotalMilliseconds, null, MaxTimeout, T0));
    }

    [Fact]
    public void Each_new_producer_of_the_id_bumps_the_epoch_keeping_the_producer_id()
    {
        var first = Initialized();
        var second = Persisted(first, first.InitProducerId(Timeout, null, MaxTimeout, T0));

        Assert.Equal((first.ProducerId, (short)1), (second.ProducerId, second.ProducerEpoch));
        // The old producer's requests are now refused at its epoch.
        Assert.Equal(ErrorCode.ProducerFenced, ErrorOf(second.AddPartitions(first.ProducerId, first.ProducerEpoch, [Orders0], T0)));
        Assert.Equal(ErrorCode.ProducerFenced, ErrorOf(second.EndTransaction(first.ProducerId, first.ProducerEpoch, true, T0)));
    }

    [Fact]
    public void A_new_producer_while_a_transaction_is_open_aborts_it_with_a_bumped_epoch_and_is_told_to_retry()
    {
        var open = Ongoing();

        var decision = Assert.IsType<TransactionChanged>(open.InitProducerId(Timeout, null, MaxTimeout, T0));
        var aborting = Persisted(open, decision);

        Assert.Equal(ErrorCode.ConcurrentTransactions, decision.Answer);
        Assert.Equal(TransactionStatus.PrepareAbort, aborting.Status);
        Assert.Equal(open.ProducerEpoch + 1, aborting.ProducerEpoch);
        Assert.Equal([Orders0], aborting.Partitions.ToArray());
        // Until the abort's markers are written, the retry is told the same.
        Assert.Equal(ErrorCode.ConcurrentTransactions, ErrorOf(aborting.InitProducerId(Timeout, null, MaxTimeout, T0)));

        var aborted = aborting.Apply(aborting.MarkersWritten(T0)!);
        var retried = Persisted(aborted, aborted.InitProducerId(Timeout, null, MaxTimeout, T0));
        Assert.Equal(open.ProducerEpoch + 2, retried.ProducerEpoch);
        Assert.Equal(TransactionStatus.Empty, retried.Status);
    }

    [Fact]
    public void InitProducerId_while_markers_are_being_written_is_CONCURRENT_TRANSACTIONS()
    {
        var open = Ongoing();
        var committing = Persisted(open, open.EndTransaction(open.ProducerId, open.ProducerEpoch, true, T0));

        Assert.Equal(ErrorCode.ConcurrentTransactions, ErrorOf(committing.InitProducerId(Timeout, null, MaxTimeout, T0)));
    }

    [Fact]
    public void When_the_epochs_run_out_the_next_producer_gets_a_new_producer_id_at_epoch_0()
    {
        var worn = Initialized(producerId: 7) with { ProducerEpoch = TransactionState.ExhaustedEpoch };

        Assert.Same(TransactionNeedsProducerId.Instance, worn.InitProducerId(Timeout, null, MaxTimeout, T0));
        var rotated = Persisted(worn, worn.InitProducerId(Timeout, null, MaxTimeout, T0, freshProducerId: 8));

        Assert.Equal((8L, (short)0), (rotated.ProducerId, rotated.ProducerEpoch));
        Assert.Equal(7L, rotated.LastProducerId);
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, ErrorOf(rotated.AddPartitions(7, TransactionState.ExhaustedEpoch, [Orders0], T0)));
    }

    [Fact]
    public void The_last_epoch_before_exhaustion_is_still_handed_out_and_one_more_is_left_for_fencing()
    {
        var nearlyWorn = Initialized() with { ProducerEpoch = TransactionState.ExhaustedEpoch - 1 };
        var last = Persisted(nearlyWorn, nearlyWorn.InitProducerId(Timeout, null, MaxTimeout, T0));
        Assert.Equal(TransactionState.ExhaustedEpoch, last.ProducerEpoch);

        var open = Ongoing(last);
        var fenced = Persisted(open, open.InitProducerId(Timeout, null, MaxTimeout, T0));
        Assert.Equal(short.MaxValue, fenced.ProducerEpoch);
    }

    [Fact]
    public void A_producer_carrying_on_after_an_error_KIP_360_gets_its_epoch_bumped_and_the_previous_one_remembered()
    {
        var state = Initialized();
        var mine = new ProducerIdAndEpoch(state.ProducerId, state.ProducerEpoch);

        var bumped = Persisted(state, state.InitProducerId(Timeout, mine, MaxTimeout, T0));

        Assert.Equal((state.ProducerId, (short)1, (short)0), (bumped.ProducerId, bumped.ProducerEpoch, bumped.LastProducerEpoch));
        // The same request again (its answer was lost) is answered with the same epoch, not bumped twice.
        var retry = Assert.IsType<TransactionAnswered>(bumped.InitProducerId(Timeout, mine, MaxTimeout, T0));
        Assert.Equal(ErrorCode.None, retry.Error);
    }

    [Fact]
    public void A_producer_carrying_on_after_another_producer_took_the_id_is_PRODUCER_FENCED()
    {
        var state = Initialized();
        var old = new ProducerIdAndEpoch(state.ProducerId, state.ProducerEpoch);
        var bumpedOnce = Persisted(state, state.InitProducerId(Timeout, old, MaxTimeout, T0));
        // A new producer (no expected epoch) forgets the previous epoch.
        var taken = Persisted(bumpedOnce, bumpedOnce.InitProducerId(Timeout, null, MaxTimeout, T0));

        Assert.Equal(ErrorCode.ProducerFenced, ErrorOf(taken.InitProducerId(Timeout, old, MaxTimeout, T0)));
        Assert.Equal(ErrorCode.ProducerFenced, ErrorOf(taken.InitProducerId(Timeout, new ProducerIdAndEpoch(99, 0), MaxTimeout, T0)));
    }

    [Fact]
    public void A_retry_of_the_InitProducerId_that_moved_to_a_new_producer_id_gets_the_new_one_again()
    {
        var worn = Initialized(producerId: 7) with { ProducerEpoch = TransactionState.ExhaustedEpoch };
        var had = new ProducerIdAndEpoch(7, TransactionState.ExhaustedEpoch);
        var rotated = Persisted(worn, worn.InitProducerId(Timeout, had, MaxTimeout, T0, freshProducerId: 8));

        Assert.Equal(TransactionState.ExhaustedEpoch, rotated.LastProducerEpoch);
        Assert.Equal(ErrorCode.None, ErrorOf(rotated.InitProducerId(Timeout, had, MaxTimeout, T0)));
    }

    // ---------------- AddPartitionsToTxn, AddOffsetsToTxn ----------------

    [Fact]
    public void Adding_partitions_starts_the_transaction_and_a_repeat_is_answered_without_a_write()
    {
        var state = Initialized();
        var open = Persisted(state, state.AddPartitions(state.ProducerId, 0, [Orders0], T0));

        Assert.Equal((TransactionStatus.Ongoing, (DateTime?)T0), (open.Status, open.StartedAt));
        Assert.Equal(ErrorCode.None, ErrorOf(open.AddPartitions(open.ProducerId, 0, [Orders0], T0.AddSeconds(1))));

        var more = Persisted(open, open.AddPartitions(open.ProducerId, 0, [Orders0, Orders1], T0.AddSeconds(2)));
        Assert.Equal([Orders0, Orders1], more.Partitions.ToArray());
        Assert.Equal(T0, more.StartedAt);
    }

    [Fact]
    public void Adding_a_group_puts_its_offsets_in_the_transaction()
    {
        var state = Initialized();
        var open = Persisted(state, state.AddGroup(state.ProducerId, 0, "enrich", T0));

        Assert.Equal(TransactionStatus.Ongoing, open.Status);
        Assert.Equal(["enrich"], open.Groups);
        Assert.Equal(ErrorCode.None, ErrorOf(open.AddGroup(open.ProducerId, 0, "enrich", T0)));
    }

    [Fact]
    public void Adding_from_another_producer_id_is_INVALID_PRODUCER_ID_MAPPING_and_from_an_unstarted_id_too()
    {
        var state = Initialized(producerId: 7);

        Assert.Equal(ErrorCode.InvalidProducerIdMapping, ErrorOf(state.AddPartitions(8, 0, [Orders0], T0)));
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, ErrorOf(TransactionState.New("app-2").AddPartitions(7, 0, [Orders0], T0)));
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, ErrorOf(state.AddGroup(8, 0, "enrich", T0)));
    }

    [Fact]
    public void Adding_while_the_previous_transaction_is_being_completed_is_CONCURRENT_TRANSACTIONS()
    {
        var open = Ongoing();
        var committing = Persisted(open, open.EndTransaction(open.ProducerId, open.ProducerEpoch, true, T0));

        Assert.Equal(ErrorCode.ConcurrentTransactions, ErrorOf(committing.AddPartitions(open.ProducerId, open.ProducerEpoch, [Orders1], T0)));
        Assert.Equal(ErrorCode.ConcurrentTransactions, ErrorOf(committing.AddGroup(open.ProducerId, open.ProducerEpoch, "enrich", T0)));
    }

    [Fact]
    public void After_a_completed_transaction_the_next_one_starts_afresh()
    {
        var open = Ongoing();
        var ending = Persisted(open, open.EndTransaction(open.ProducerId, open.ProducerEpoch, true, T0));
        var done = ending.Apply(ending.MarkersWritten(T0.AddSeconds(1))!);

        var next = Persisted(done, done.AddPartitions(done.ProducerId, done.ProducerEpoch, [Orders1], T0.AddSeconds(5)));

        Assert.Equal([Orders1], next.Partitions.ToArray());
        Assert.Equal(T0.AddSeconds(5), next.StartedAt);
    }

    // ---------------- Verification (KIP-890 part 1) ----------------

    [Fact]
    public void Verification_accepts_only_partitions_added_to_the_open_transaction_and_changes_nothing()
    {
        var open = Ongoing();

        var answers = open.VerifyPartitions(open.ProducerId, open.ProducerEpoch, [Orders0, Orders1]);

        Assert.Equal(ErrorCode.None, answers[Orders0]);
        Assert.Equal(ErrorCode.InvalidTxnState, answers[Orders1]);
        Assert.Equal(ErrorCode.InvalidTxnState, Initialized().VerifyPartitions(7, 0, [Orders0])[Orders0]);
        Assert.Equal(ErrorCode.ProducerFenced, open.VerifyPartitions(open.ProducerId, (short)(open.ProducerEpoch - 1), [Orders0])[Orders0]);
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, open.VerifyPartitions(99, 0, [Orders0])[Orders0]);
    }

    // ---------------- EndTxn ----------------

    [Theory]
    [InlineData(true, TransactionStatus.PrepareCommit, TransactionStatus.CompleteCommit)]
    [InlineData(false, TransactionStatus.PrepareAbort, TransactionStatus.CompleteAbort)]
    public void Ending_an_open_transaction_prepares_then_completes_once_the_markers_are_written(bool commit, TransactionStatus prepared, TransactionStatus completed)
    {
        var open = Ongoing(Persisted(Initialized(), Initialized().AddGroup(7, 0, "enrich", T0)));

        var ending = Persisted(open, open.EndTransaction(open.ProducerId, open.ProducerEpoch, commit, T0));
        Assert.Equal(prepared, ending.Status);
        Assert.True(ending.IsEnding);
        // Still known while the markers are written (and resent by a recovered coordinator).
        Assert.Equal([Orders0], ending.Partitions.ToArray());
        Assert.Equal(["enrich"], ending.Groups);

        var done = ending.Apply(ending.MarkersWritten(T0)!);
        Assert.Equal(completed, done.Status);
        Assert.Empty(done.Partitions);
        Assert.Empty(done.Groups);
        Assert.Null(done.MarkersWritten(T0));
    }

    [Fact]
    public void A_repeated_EndTxn_is_told_the_same_outcome_and_the_other_outcome_is_INVALID_TXN_STATE()
    {
        var open = Ongoing();
        var committing = Persisted(open, open.EndTransaction(open.ProducerId, open.ProducerEpoch, true, T0));
        var committed = committing.Apply(committing.MarkersWritten(T0)!);
        var (pid, epoch) = (open.ProducerId, open.ProducerEpoch);

        Assert.Equal(ErrorCode.ConcurrentTransactions, ErrorOf(committing.EndTransaction(pid, epoch, true, T0)));
        Assert.Equal(ErrorCode.InvalidTxnState, ErrorOf(committing.EndTransaction(pid, epoch, false, T0)));
        Assert.Equal(ErrorCode.None, ErrorOf(committed.EndTransaction(pid, epoch, true, T0)));
        Assert.Equal(ErrorCode.InvalidTxnState, ErrorOf(committed.EndTransaction(pid, epoch, false, T0)));

        var aborting = Persisted(open, open.EndTransaction(pid, epoch, false, T0));
        var aborted = aborting.Apply(aborting.MarkersWritten(T0)!);
        Assert.Equal(ErrorCode.ConcurrentTransactions, ErrorOf(aborting.EndTransaction(pid, epoch, false, T0)));
        Assert.Equal(ErrorCode.InvalidTxnState, ErrorOf(aborting.EndTransaction(pid, epoch, true, T0)));
        Assert.Equal(ErrorCode.None, ErrorOf(aborted.EndTransaction(pid, epoch, false, T0)));
        Assert.Equal(ErrorCode.InvalidTxnState, ErrorOf(aborted.EndTransaction(pid, epoch, true, T0)));
    }

    [Fact]
    public void Ending_with_no_open_transaction_is_INVALID_TXN_STATE()
    {
        var state = Initialized();

        Assert.Equal(ErrorCode.InvalidTxnState, ErrorOf(state.EndTransaction(state.ProducerId, state.ProducerEpoch, true, T0)));
        Assert.Equal(ErrorCode.InvalidTxnState, ErrorOf(state.EndTransaction(state.ProducerId, state.ProducerEpoch, false, T0)));
    }

    [Fact]
    public void Ending_with_another_producer_id_or_an_old_epoch_is_refused()
    {
        var open = Ongoing();

        Assert.Equal(ErrorCode.InvalidProducerIdMapping, ErrorOf(open.EndTransaction(99, open.ProducerEpoch, true, T0)));
        Assert.Equal(ErrorCode.ProducerFenced, ErrorOf(open.EndTransaction(open.ProducerId, (short)(open.ProducerEpoch + 1), true, T0)));
    }

    // ---------------- Timeouts ----------------

    [Fact]
    public void A_transaction_open_longer_than_its_timeout_is_aborted_and_its_producer_fenced()
    {
        var open = Ongoing(at: T0);

        Assert.Equal(T0.AddMilliseconds(Timeout), open.Deadline);
        Assert.Null(open.TimedOut(T0.AddMilliseconds(Timeout - 1)));
        var abort = open.TimedOut(T0.AddMilliseconds(Timeout))!;
        var aborting = open.Apply(abort);

        Assert.Equal(TransactionStatus.PrepareAbort, aborting.Status);
        Assert.Equal(open.ProducerEpoch + 1, aborting.ProducerEpoch);
        Assert.Null(aborting.Deadline);
        var aborted = aborting.Apply(aborting.MarkersWritten(T0)!);
        Assert.Equal(ErrorCode.ProducerFenced, ErrorOf(aborted.EndTransaction(open.ProducerId, open.ProducerEpoch, true, T0)));
        Assert.Equal(ErrorCode.ProducerFenced, ErrorOf(aborted.AddPartitions(open.ProducerId, open.ProducerEpoch, [Orders0], T0)));
        // Nor can the timed-out producer carry on (KIP-360): the fence forgot its epoch.
        Assert.Equal(ErrorCode.ProducerFenced,
            ErrorOf(aborted.InitProducerId(Timeout, new ProducerIdAndEpoch(open.ProducerId, open.ProducerEpoch), MaxTimeout, T0)));
    }

    [Fact]
    public void Only_an_open_transaction_times_out()
    {
        var state = Initialized();

        Assert.Null(state.Deadline);
        Assert.Null(state.TimedOut(T0.AddDays(1)));
    }

    // ---------------- Expiration ----------------

    [Fact]
    public void An_idle_transactional_id_expires_and_its_next_producer_starts_with_a_new_producer_id()
    {
        var state = Initialized(producerId: 7);
        var expiration = TimeSpan.FromDays(7);

        Assert.Null(state.Expired(T0.AddDays(6), expiration));
        Assert.Null(Ongoing(state).Expired(T0.AddDays(8), expiration));
        var dead = state.Apply(state.Expired(T0.AddDays(7), expiration)!);

        Assert.Equal(TransactionStatus.Dead, dead.Status);
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, ErrorOf(dead.AddPartitions(7, 0, [Orders0], T0)));
        Assert.Same(TransactionNeedsProducerId.Instance, dead.InitProducerId(Timeout, null, MaxTimeout, T0));
        var reborn = Persisted(dead, dead.InitProducerId(Timeout, null, MaxTimeout, T0, freshProducerId: 8));
        Assert.Equal((8L, (short)0, TransactionStatus.Empty), (reborn.ProducerId, reborn.ProducerEpoch, reborn.Status));
    }
}
