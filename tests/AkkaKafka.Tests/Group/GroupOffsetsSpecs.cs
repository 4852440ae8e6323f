using AkkaKafka.Broker.Group;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using Xunit;

namespace AkkaKafka.Tests.Group;

/// <summary>
/// A group's offsets as the pure <see cref="GroupOffsets"/> keeps them: offsets committed in a transaction (KIP-98's
/// TxnOffsetCommit) are pending, invisible, until the transaction ends; a commit makes them the group's through the
/// same event a consumer's commit writes, an abort drops them; a completion is idempotent; epochs fence as Kafka's
/// log does; and everything survives a snapshot.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class GroupOffsetsSpecs
{
    private static readonly TopicPartition Orders0 = new("orders", 0);
    private static readonly TopicPartition Orders1 = new("orders", 1);
    private const long Producer = 4_000;

    private readonly GroupOffsets _offsets = new();
    private long _position;

    /// <summary>Applies events as the group's journal would hold them, one position each.</summary>
    private void Written(params IGroupEvent[] events)
    {
        foreach (var e in events) _offsets.Apply(e, ++_position);
    }

    private static TransactionalOffsetsPrepared Prepared(short epoch, params PartitionOffset[] offsets) => new("tx-1", Producer, epoch, offsets);

    /// <summary>Ends the producer's transaction and writes what that decided, as the GroupActor does.</summary>
    private (ErrorCode Error, IGroupEvent? Event) Complete(short epoch, bool commit)
    {
        var decided = _offsets.Complete(Producer, epoch, commit);
        if (decided.Event is { } e) Written(e);
        return decided;
    }

    [Fact]
    public void Offsets_committed_in_a_transaction_are_invisible_until_it_commits()
    {
        Written(new OffsetsCommitted([new PartitionOffset("orders", 0, 10)]), Prepared(0, new PartitionOffset("orders", 0, 25)));

        Assert.Equal(10, _offsets.CommittedOffset(Orders0));
        Assert.True(_offsets.IsUnstable(Orders0));
        Assert.False(_offsets.IsUnstable(Orders1));

        var (error, committed) = Complete(0, commit: true);

        Assert.Equal(ErrorCode.None, error);
        // The same event a consumer's commit writes, naming the producer whose offsets it completes.
        var commit = Assert.IsType<OffsetsCommitted>(committed);
        Assert.Equal([new PartitionOffset("orders", 0, 25)], commit.Offsets);
        Assert.Equal(Producer, commit.TransactionalProducerId);
        Assert.Equal(25, _offsets.CommittedOffset(Orders0));
        Assert.False(_offsets.IsUnstable(Orders0));
        Assert.Empty(_offsets.OpenTransactions);
    }

    [Fact]
    public void An_aborted_transactions_offsets_are_dropped()
    {
        Written(new OffsetsCommitted([new PartitionOffset("orders", 0, 10)]), Prepared(0, new PartitionOffset("orders", 0, 25), new PartitionOffset("orders", 1, 3)));

        var (error, aborted) = Complete(0, commit: false);

        Assert.Equal(ErrorCode.None, error);
        Assert.Equal(new TransactionalOffsetsAborted(Producer), aborted);
        Assert.Equal(10, _offsets.CommittedOffset(Orders0));
        Assert.Equal(-1, _offsets.CommittedOffset(Orders1));
        Assert.False(_offsets.IsUnstable(Orders0));
    }

    [Fact]
    public void A_completion_with_nothing_pending_changes_nothing_and_is_answered_None_so_retries_are_harmless()
    {
        Written(Prepared(0, new PartitionOffset("orders", 0, 25)));
        Complete(0, commit: true);

        Assert.Equal((ErrorCode.None, (IGroupEvent?)null), _offsets.Complete(Producer, 0, commit: true));
        Assert.Equal((ErrorCode.None, (IGroupEvent?)null), _offsets.Complete(Producer, 0, commit: false)); // not even an abort undoes a commit
        Assert.Equal(25, _offsets.CommittedOffset(Orders0));
    }

    [Fact]
    public void A_consumers_commit_written_after_the_transactions_offset_wins_over_it_as_in_Kafka()
    {
        Written(Prepared(0, new PartitionOffset("orders", 0, 25), new PartitionOffset("orders", 1, 5)),
            new OffsetsCommitted([new PartitionOffset("orders", 0, 40)]));

        var (_, committed) = Complete(0, commit: true);

        Assert.Equal([new PartitionOffset("orders", 1, 5)], ((OffsetsCommitted)committed!).Offsets);
        Assert.Equal(40, _offsets.CommittedOffset(Orders0));
        Assert.Equal(5, _offsets.CommittedOffset(Orders1));
    }

    [Fact]
    public void A_newer_epochs_offsets_replace_the_older_epochs_and_the_older_epoch_is_fenced()
    {
        Written(Prepared(3, new PartitionOffset("orders", 0, 25), new PartitionOffset("orders", 1, 7)));

        Assert.Equal(ErrorCode.None, _offsets.CheckTransactionalCommit(Producer, 4));
        Written(Prepared(4, new PartitionOffset("orders", 0, 30)));

        Assert.Equal(ErrorCode.InvalidProducerEpoch, _offsets.CheckTransactionalCommit(Producer, 3));
        Assert.Equal(ErrorCode.None, _offsets.CheckTransactionalCommit(Producer, 4));
        Assert.False(_offsets.IsUnstable(Orders1)); // the older epoch's offsets are gone, not merged
        Complete(4, commit: true);
        Assert.Equal(30, _offsets.CommittedOffset(Orders0));
        Assert.Equal(-1, _offsets.CommittedOffset(Orders1));
    }

    [Fact]
    public void The_same_epoch_adds_to_its_pending_offsets_and_the_last_offset_per_partition_counts()
    {
        Written(Prepared(0, new PartitionOffset("orders", 0, 25)), Prepared(0, new PartitionOffset("orders", 0, 26), new PartitionOffset("orders", 1, 2)));

        Complete(0, commit: true);

        Assert.Equal(26, _offsets.CommittedOffset(Orders0));
        Assert.Equal(2, _offsets.CommittedOffset(Orders1));
    }

    [Fact]
    public void An_end_with_a_newer_epoch_completes_the_offsets_as_Kafkas_markers_do_but_an_older_one_is_refused()
    {
        // The coordinator bumps the epoch when it aborts a timed-out transaction; its marker carries the new epoch.
        Written(Prepared(5, new PartitionOffset("orders", 0, 25)));
        Assert.Equal((ErrorCode.InvalidProducerEpoch, (IGroupEvent?)null), _offsets.Complete(Producer, 4, commit: true));
        Assert.True(_offsets.IsUnstable(Orders0));

        Assert.Equal(ErrorCode.None, Complete(6, commit: false).Error);
        Assert.False(_offsets.IsUnstable(Orders0));
        Assert.Equal(-1, _offsets.CommittedOffset(Orders0));
    }

    [Fact]
    public void Producers_are_kept_apart()
    {
        Written(Prepared(0, new PartitionOffset("orders", 0, 25)), new TransactionalOffsetsPrepared("tx-2", 5_000, 0, [new PartitionOffset("orders", 1, 9)]));

        Complete(0, commit: false);

        Assert.False(_offsets.IsUnstable(Orders0));
        Assert.True(_offsets.IsUnstable(Orders1));
        Assert.Equal([5_000L], _offsets.OpenTransactions);
        Assert.Equal("tx-2", _offsets.TransactionalIdOf(5_000));
    }

    [Fact]
    public void Deleting_the_group_drops_pending_offsets_too()
    {
        Written(new OffsetsCommitted([new PartitionOffset("orders", 0, 10)]), Prepared(0, new PartitionOffset("orders", 0, 25)), GroupOffsetsDeleted.Instance);

        Assert.Equal((ErrorCode.None, (IGroupEvent?)null), _offsets.Complete(Producer, 0, commit: true));
        Assert.Equal(-1, _offsets.CommittedOffset(Orders0));
    }

    [Fact]
    public void Pending_offsets_and_where_each_offset_was_written_survive_a_snapshot()
    {
        Written(Prepared(2, new PartitionOffset("orders", 0, 25), new PartitionOffset("orders", 1, 5)),
            new OffsetsCommitted([new PartitionOffset("orders", 0, 40)]));
        var (committed, committedAt, pending) = _offsets.ToSnapshot();

        var restored = new GroupOffsets();
        restored.Restore(new GroupSnapshot(committed, CommittedAt: committedAt, Pending: pending));

        Assert.True(restored.IsUnstable(Orders1));
        Assert.Equal(ErrorCode.InvalidProducerEpoch, restored.CheckTransactionalCommit(Producer, 1));
        var (_, completed) = restored.Complete(Producer, 2, commit: true);
        // The consumer's commit of orders-0 was written after the transaction's, in the snapshot as in the journal.
        Assert.Equal([new PartitionOffset("orders", 1, 5)], ((OffsetsCommitted)completed!).Offsets);
    }

    [Fact]
    public void Replaying_the_journal_gives_the_same_offsets_as_living_through_it()
    {
        var journal = new List<IGroupEvent>
        {
            new OffsetsCommitted([new PartitionOffset("orders", 0, 10)]),
            Prepared(0, new PartitionOffset("orders", 0, 25), new PartitionOffset("orders", 1, 5)),
        };
        foreach (var e in journal) Written(e);
        var decided = _offsets.Complete(Producer, 0, commit: true).Event!;
        Written(decided);
        journal.Add(decided);

        var replayed = new GroupOffsets();
        for (var i = 0; i < journal.Count; i++) replayed.Apply(journal[i], i + 1);

        Assert.Equal(_offsets.Committed, replayed.Committed);
        Assert.Empty(replayed.OpenTransactions);
    }
}
