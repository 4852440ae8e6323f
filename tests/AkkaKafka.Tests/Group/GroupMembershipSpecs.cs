using AkkaKafka.Broker.Group;
using AkkaKafka.Protocol;
using AkkaKafka.Tests.Support;
using Xunit;

namespace AkkaKafka.Tests.Group;

/// <summary>
/// How the members of an Akka consumer group hand partitions over (pure: the clock is passed in). A partition moves to
/// its new owner only once its previous owner has released it, so the new owner starts from what the old one committed.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class GroupMembershipSpecs
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Session = TimeSpan.FromSeconds(10);
    private static readonly IReadOnlyList<TopicPartition> Partitions = [new("t", 0), new("t", 1)];

    [Fact]
    public void A_partition_taken_from_a_live_member_goes_to_the_joiner_only_when_the_old_owner_heartbeats_the_generation_that_revoked_it()
    {
        var group = new GroupMembership();
        var a = group.Join(null, "a", Partitions, Session, T0).MemberId;
        Assert.Equal(Partitions, group.AssignmentOf(a));

        var b = group.Join(null, "b", Partitions, Session, T0).MemberId;
        var revokedAt = group.Generation;
        var moving = Assert.Single(group.Releasing).Key;
        Assert.Equal([Partitions.Single(tp => tp != moving)], group.AssignmentOf(a)); // A hears it lost one
        Assert.Empty(group.AssignmentOf(b)); // B does not read it yet
        Assert.True(group.Owns(a, moving)); // A may still commit where it stopped
        Assert.False(group.Owns(b, moving));

        group.Heartbeat(a, T0, generation: revokedAt - 1); // A has not applied it yet
        Assert.Empty(group.AssignmentOf(b));

        group.Heartbeat(a, T0, generation: revokedAt);
        Assert.Equal([moving], group.AssignmentOf(b));
        Assert.True(group.Generation > revokedAt); // B learns of it from its next heartbeat's generation
        Assert.False(group.Owns(a, moving));
        Assert.Empty(group.Releasing);
    }

    [Fact]
    public void A_member_that_leaves_or_never_releases_gives_its_partitions_up_without_waiting_longer()
    {
        var group = new GroupMembership();
        var a = group.Join(null, "a", Partitions, Session, T0).MemberId;
        var b = group.Join(null, "b", Partitions, Session, T0).MemberId;
        Assert.Single(group.Releasing);

        // A keeps beating without applying the assignment: after its session timeout the partition goes anyway.
        group.Heartbeat(a, T0 + Session, generation: 0);
        group.Heartbeat(b, T0 + Session, generation: group.Generation);
        var (expired, timedOut) = group.Expire(T0 + Session + TimeSpan.FromMilliseconds(1));
        Assert.Empty(expired);
        Assert.Single(timedOut);
        Assert.Single(group.AssignmentOf(b));

        // Another group: A leaves while it still owes B a partition (leaving commits first): B gets both at once.
        var other = new GroupMembership();
        var leaver = other.Join(null, "a", Partitions, Session, T0).MemberId;
        var stayer = other.Join(null, "b", Partitions, Session, T0).MemberId;
        Assert.Single(other.Releasing);
        other.Leave(leaver, T0);
        Assert.Empty(other.Releasing);
        Assert.Equal(Partitions, other.AssignmentOf(stayer));
    }

    /// <summary>
    /// Issue 18 item 7: what the coordinator persists when membership changes is all it needs to carry on after moving:
    /// the members, the generation, who owns what and which partition its previous owner must still release.
    /// </summary>
    [Fact]
    public void Restoring_the_persisted_membership_gives_the_same_members_generation_assignment_and_pending_release()
    {
        var group = new GroupMembership();
        var a = group.Join(null, "a", Partitions, Session, T0).MemberId;
        var b = group.Join(null, "b", Partitions, Session, T0).MemberId;
        var revokedAt = group.Generation;
        var moving = Assert.Single(group.Releasing).Key;

        var recovered = new GroupMembership();
        recovered.Restore(group.ToMetadata(), T0.AddHours(1));

        Structural.AssertEqual(group.ToMetadata(), recovered.ToMetadata());
        Assert.Equal(group.Generation, recovered.Generation);
        Assert.Equal(group.Members.OrderBy(m => m.JoinOrder).Select(m => (m.MemberId, m.ClientId)), recovered.Members.OrderBy(m => m.JoinOrder).Select(m => (m.MemberId, m.ClientId)));
        Assert.Equal(group.AssignmentOf(a), recovered.AssignmentOf(a));
        Assert.Empty(recovered.AssignmentOf(b));
        Assert.Equal(group.Releasing, recovered.Releasing);
        // The release goes on where it was: A's heartbeat with the generation that revoked the partition hands it to B.
        Assert.True(recovered.Heartbeat(a, T0.AddHours(1), generation: revokedAt));
        Assert.Equal([moving], recovered.AssignmentOf(b));
    }

    [Fact]
    public void A_restored_member_has_a_whole_session_from_the_restore_and_is_removed_after_it_if_it_stays_silent()
    {
        var group = new GroupMembership();
        var a = group.Join(null, "a", Partitions, Session, T0).MemberId;
        var b = group.Join(null, "b", Partitions, Session, T0).MemberId;
        group.Heartbeat(a, T0, generation: group.Generation);
        var restoredAt = T0 + 3 * Session; // long after both last heartbeat before the coordinator moved
        var recovered = new GroupMembership();
        recovered.Restore(group.ToMetadata(), restoredAt);

        Assert.Empty(recovered.Expire(restoredAt + Session).Expired);
        recovered.Heartbeat(a, restoredAt + Session);
        var generation = recovered.Generation;
        Assert.Equal([b], recovered.Expire(restoredAt + Session + TimeSpan.FromMilliseconds(1)).Expired);
        Assert.Equal(Partitions, recovered.AssignmentOf(a));
        Assert.True(recovered.Generation > generation);
    }
}
