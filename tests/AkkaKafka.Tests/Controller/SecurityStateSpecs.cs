using AkkaKafka.Broker.Controller;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Security;
using Xunit;

namespace AkkaKafka.Tests.Controller;

/// <summary>The users and ACL rules in the controller's state: events, checks of commands, listings, snapshots.</summary>
[Trait("Speed", "Fast")]
public sealed class SecurityStateSpecs
{
    private static readonly IReadOnlyList<ScramCredential> Both =
        [ScramCredential.Create(SaslMechanisms.ScramSha256, "secret"), ScramCredential.Create(SaslMechanisms.ScramSha512, "secret")];

    private static readonly AclRule AliceReadsOrders = new("alice", AclResourceType.Topic, "orders", AclOperation.Read);

    private readonly ControllerState _state = new();
    private long _sequenceNr;

    private void Apply(IControllerEvent e) => _state.Apply(e, ++_sequenceNr);

    [Fact]
    public void A_user_is_stored_with_its_credentials_in_name_order()
    {
        Apply(new UserCredentialsSet("bob", [Both[1]]));
        Apply(new UserCredentialsSet("alice", Both));

        var listed = _state.Security.ToMetadata(1).Users;

        Assert.Equal(["alice", "bob"], listed.Select(u => u.Name));
        Assert.Equal([SaslMechanisms.ScramSha256, SaslMechanisms.ScramSha512], listed[0].Credentials.Select(c => c.Mechanism));
        Assert.Equal([SaslMechanisms.ScramSha512], listed[1].Credentials.Select(c => c.Mechanism));
        Assert.True(_state.Security.ToMetadata(1).User("alice")!.For(SaslMechanisms.ScramSha256)!.Verifies("secret"));
    }

    [Fact]
    public void Setting_a_users_credentials_again_replaces_them()
    {
        Apply(new UserCredentialsSet("alice", Both));
        Apply(new UserCredentialsSet("alice", [ScramCredential.Create(SaslMechanisms.ScramSha256, "new")]));

        var alice = _state.Security.ToMetadata(1).User("alice")!;
        Assert.Single(alice.Credentials);
        Assert.True(alice.For(SaslMechanisms.ScramSha256)!.Verifies("new"));
        Assert.Null(alice.For(SaslMechanisms.ScramSha512));
    }

    [Fact]
    public void A_deleted_user_is_gone_but_its_acl_rules_stay_as_in_kafka()
    {
        Apply(new UserCredentialsSet("alice", Both));
        Apply(new AclAdded(AliceReadsOrders));

        Apply(new UserDeleted("alice"));

        Assert.Empty(_state.Security.Users);
        Assert.Equal([AliceReadsOrders], _state.Security.ListAcls(null).Acls);
        Assert.NotNull(_state.Security.RejectDelete(new DeleteUser("alice")));
    }

    [Fact]
    public void Acl_rules_are_kept_once_in_the_order_added_and_listed_per_user()
    {
        var bobWrites = new AclRule("bob", AclResourceType.Topic, "orders-*", AclOperation.Write);
        var aliceGroup = new AclRule("alice", AclResourceType.Group, "billing", AclOperation.Read);
        Apply(new AclAdded(AliceReadsOrders));
        Apply(new AclAdded(bobWrites));
        Apply(new AclAdded(aliceGroup));
        Apply(new AclAdded(AliceReadsOrders with { }));

        Assert.Equal([AliceReadsOrders, bobWrites, aliceGroup], _state.Security.ListAcls(null).Acls);
        Assert.Equal([AliceReadsOrders, aliceGroup], _state.Security.ListAcls("alice").Acls);

        Apply(new AclRemoved(bobWrites));
        Assert.Equal([AliceReadsOrders, aliceGroup], _state.Security.ListAcls(null).Acls);
        Assert.Equal(ErrorCode.ResourceNotFound, _state.Security.RejectRemove(new RemoveAcl(bobWrites))?.Error);
        Assert.Null(_state.Security.RejectRemove(new RemoveAcl(AliceReadsOrders)));
    }

    public static IEnumerable<object[]> BadUsers =>
    [
        [new UpsertUser("", Both), ErrorCode.InvalidRequest],
        [new UpsertUser("has space", Both), ErrorCode.InvalidRequest],
        [new UpsertUser("a,b", Both), ErrorCode.InvalidRequest],
        [new UpsertUser("a=b", Both), ErrorCode.InvalidRequest],
        [new UpsertUser("*", Both), ErrorCode.InvalidRequest],
        [new UpsertUser(new string('u', 256), Both), ErrorCode.InvalidRequest],
        [new UpsertUser("alice", []), ErrorCode.UnacceptableCredential],
        [new UpsertUser("alice", [Both[0], Both[0]]), ErrorCode.UnacceptableCredential],
        [new UpsertUser("alice", [Both[0] with { Mechanism = SaslMechanisms.Plain }]), ErrorCode.UnacceptableCredential],
        [new UpsertUser("alice", [ScramCredential.Create(SaslMechanisms.ScramSha256, "x", iterations: 4095)]), ErrorCode.UnacceptableCredential],
        [new UpsertUser("alice", [ScramCredential.Create(SaslMechanisms.ScramSha256, "x", iterations: 16385)]), ErrorCode.UnacceptableCredential],
        [new UpsertUser("alice", [Both[1] with { StoredKey = new byte[32] }]), ErrorCode.UnacceptableCredential],
    ];

    [Theory]
    [MemberData(nameof(BadUsers))]
    public void A_user_with_a_bad_name_or_credentials_is_refused(UpsertUser upsert, ErrorCode expected) =>
        Assert.Equal(expected, SecurityState.RejectUpsert(upsert)?.Error);

    [Fact]
    public void A_user_with_a_plain_name_and_scram_credentials_is_accepted()
    {
        Assert.Null(SecurityState.RejectUpsert(new UpsertUser("alice", Both)));
        Assert.Null(SecurityState.RejectUpsert(new UpsertUser("svc.orders_writer-1@example.com", [Both[1]])));
    }

    public static IEnumerable<object[]> Rules =>
    [
        [new AclRule("alice", AclResourceType.Topic, "orders", AclOperation.Read), true],
        [new AclRule("*", AclResourceType.Topic, "*", AclOperation.Describe), true],
        [new AclRule("alice", AclResourceType.Topic, "orders-*", AclOperation.Write), true],
        [new AclRule("alice", AclResourceType.Group, "any group name", AclOperation.Read), true],
        [new AclRule("alice", AclResourceType.Cluster, Authorizer.ClusterResourceName, AclOperation.Create), true],
        [new AclRule("alice", AclResourceType.Cluster, "other", AclOperation.Create), false],
        [new AclRule("alice", AclResourceType.Topic, "bad/name", AclOperation.Read), false],
        [new AclRule("alice", AclResourceType.Topic, "", AclOperation.Read), false],
        [new AclRule("", AclResourceType.Topic, "orders", AclOperation.Read), false],
        [new AclRule("alice", AclResourceType.Topic, "orders", (AclOperation)99), false],
    ];

    [Theory]
    [MemberData(nameof(Rules))]
    public void An_acl_rule_must_name_a_user_and_a_resource_as_kafka_names_them(AclRule rule, bool accepted) =>
        Assert.Equal(accepted, SecurityState.RejectAcl(rule) is null);

    [Fact]
    public void Users_and_rules_survive_a_snapshot()
    {
        Apply(new TopicCreated("orders", 1, -1, -1, 0));
        Apply(new UserCredentialsSet("alice", Both));
        Apply(new AclAdded(AliceReadsOrders));

        var restored = new ControllerState();
        restored.Restore(_state.ToSnapshot());

        var published = restored.Security.ToMetadata(7);
        Assert.Equal(7, published.Version);
        Assert.Equal(["alice"], published.Users.Select(u => u.Name));
        Assert.True(published.User("alice")!.For(SaslMechanisms.ScramSha512)!.Verifies("secret"));
        Assert.Equal([AliceReadsOrders], published.Acls);
        Assert.True(restored.Topics.ContainsKey("orders"));
    }

    [Fact]
    public void A_snapshot_from_before_users_existed_restores_with_none()
    {
        Apply(new UserCredentialsSet("alice", Both));
        _state.Restore(new ControllerSnapshot(3, [], [], []));

        Assert.Empty(_state.Security.Users);
        Assert.Empty(_state.Security.Acls);
    }
}
