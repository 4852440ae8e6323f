using AkkaKafka.Client.Consumer;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using Xunit;

namespace AkkaKafka.Tests.Client;

/// <summary>What a group member commits, as positions are handed to the application and partitions come and go.</summary>
[Trait("Speed", "Fast")]
public sealed class CommitPositionsSpecs
{
    private static readonly TopicPartition P0 = new("t", 0);
    private static readonly TopicPartition P1 = new("t", 1);

    [Fact]
    public void Only_positions_that_moved_since_the_last_accepted_commit_are_due()
    {
        var positions = new CommitPositions();
        var lease = new PartitionLease(P0);
        positions.Add(lease, committed: 5);
        Assert.Empty(positions.Due()); // nothing handed over yet

        lease.TryHandOver(8);
        var due = positions.Due();
        Assert.Equal([new PartitionOffset("t", 0, 8)], due);
        positions.Accepted(due);
        Assert.Empty(positions.Due());
    }

    [Fact]
    public void A_revoked_partition_is_never_due_again_even_when_the_reader_hands_over_one_of_its_records_afterwards()
    {
        var positions = new CommitPositions();
        var lost = new PartitionLease(P0);
        var kept = new PartitionLease(P1);
        positions.Add(lost, committed: -1);
        positions.Add(kept, committed: -1);
        lost.TryHandOver(3);
        kept.TryHandOver(4);

        Assert.Equal(new PartitionOffset("t", 0, 3), positions.Revoke(P0));
        Assert.False(lost.TryHandOver(9)); // the application's thread came to its next record of the partition after the revoke

        Assert.True(lost.Revoked);
        Assert.Equal([new PartitionOffset("t", 1, 4)], positions.Due());
    }

    [Fact]
    public void A_partition_assigned_again_starts_a_new_lease_that_old_buffered_records_cannot_move()
    {
        var positions = new CommitPositions();
        var first = new PartitionLease(P0);
        positions.Add(first, committed: 10);
        positions.Revoke(P0);

        var second = new PartitionLease(P0);
        positions.Add(second, committed: 20); // another member read on meanwhile and committed 20
        Assert.False(first.TryHandOver(12)); // a record of the first stint, still in the buffer

        Assert.Empty(positions.Due());
        second.TryHandOver(21);
        Assert.Equal([new PartitionOffset("t", 0, 21)], positions.Due());
    }

    [Fact]
    public void Revoking_answers_the_position_handed_over_since_the_last_commit_so_it_is_committed_before_the_partition_moves()
    {
        var positions = new CommitPositions();
        var moved = new PartitionLease(P0);
        var untouched = new PartitionLease(P1);
        positions.Add(moved, committed: 5);
        positions.Add(untouched, committed: 7);
        moved.TryHandOver(9);

        Assert.Equal(new PartitionOffset("t", 0, 9), positions.Revoke(P0));
        Assert.Null(positions.Revoke(P1)); // nothing handed over since its commit: nothing to commit
        Assert.Null(positions.Revoke(P0)); // already revoked
    }
}
