using Akka.Actor;
using Akka.TestKit.Xunit2;
using AkkaKafka.Broker.Hosting;
using AkkaKafka.Broker.Security;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Security;
using AkkaKafka.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.Controller;

/// <summary>
/// Users and ACLs as an operator's commands meet them and as brokers receive them: a real one-node broker cluster
/// (ZookeeperActor singleton + BrokerActor, SQLite journal) asked through the node's BrokerActor.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class SecurityControllerSpecs(ITestOutputHelper output)
    : TestKit(TestConfigs.WithoutStorage(TestConfigs.Local), "security-controller-specs", output), IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly BrokerNodes _nodes = new();

    private static readonly AclRule AliceReadsOrders = new("alice", AclResourceType.Topic, "orders", AclOperation.Read);
    private static readonly AclRule AnyoneWritesLogs = new("*", AclResourceType.Topic, "logs-*", AclOperation.Write);

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync() => await _nodes.DisposeAsync();

    private static Task<SecurityCommandResult> Ask(BrokerNode node, IControllerCommand command) => node.Broker.Ask<SecurityCommandResult>(command, Timeout);

    private static UpsertUser User(string name, string password) =>
        new(name, SaslMechanisms.Scram.Select(m => ScramCredential.Create(m, password)).ToList());

    private static Task<SecurityMetadata> Published(BrokerNode node) => node.Broker.Ask<SecurityMetadata>(GetSecurityMetadata.Instance, Timeout);

    /// <summary>Waits until the node's BrokerActor has the users and rules the spec expects, and returns that copy.</summary>
    private async Task<SecurityMetadata> PublishedWhen(BrokerNode node, Func<SecurityMetadata, bool> condition)
    {
        SecurityMetadata? seen = null;
        await AwaitAssertAsync(async () =>
        {
            seen = await Published(node);
            Assert.True(condition(seen), $"published version {seen.Version}: users [{string.Join(", ", seen.Users.Select(u => u.Name))}], {seen.Acls.Count} rules");
        }, Timeout);
        return seen!;
    }

    [Fact]
    public async Task A_created_user_and_an_added_rule_reach_the_broker_with_credentials_that_verify_only_the_password()
    {
        var node = await _nodes.StartAsync();

        var created = await Ask(node, User("alice", "alice-secret"));
        var added = await Ask(node, new AddAcl(AliceReadsOrders));

        Assert.True(created.IsSuccess, created.Message);
        Assert.Equal("Created user alice (SCRAM-SHA-256, SCRAM-SHA-512).", created.Message);
        Assert.True(added.IsSuccess, added.Message);
        var published = await PublishedWhen(node, s => s.User("alice") is not null && s.Acls.Contains(AliceReadsOrders));
        var alice = published.User("alice")!;
        Assert.True(alice.For(SaslMechanisms.ScramSha256)!.Verifies("alice-secret"));
        Assert.False(alice.For(SaslMechanisms.ScramSha512)!.Verifies("wrong"));
        // The Kafka listener reads the same copy, without asking an actor.
        Assert.Equal(published.Version, SecurityMetadataHolder.For(node.System).Current.Version);
    }

    [Fact]
    public async Task Users_are_published_with_their_mechanisms_and_rules_are_listed_per_user()
    {
        var node = await _nodes.StartAsync();
        Assert.True((await Ask(node, User("bob", "b"))).IsSuccess);
        Assert.True((await Ask(node, new UpsertUser("alice", [ScramCredential.Create(SaslMechanisms.ScramSha512, "a")]))).IsSuccess);
        Assert.True((await Ask(node, new AddAcl(AliceReadsOrders))).IsSuccess);
        Assert.True((await Ask(node, new AddAcl(AnyoneWritesLogs))).IsSuccess);

        var users = (await PublishedWhen(node, s => s.Users.Count == 2)).Users;
        var all = await node.Broker.Ask<AclList>(new ListAcls(), Timeout);
        var alices = await node.Broker.Ask<AclList>(new ListAcls("alice"), Timeout);

        Assert.Equal(["alice", "bob"], users.Select(u => u.Name));
        Assert.Equal([SaslMechanisms.ScramSha512], users[0].Credentials.Select(c => c.Mechanism));
        Assert.Equal(SaslMechanisms.Scram, users[1].Credentials.Select(c => c.Mechanism));
        Assert.Equal([AliceReadsOrders, AnyoneWritesLogs], all.Acls);
        Assert.Equal([AliceReadsOrders], alices.Acls);
    }

    [Fact]
    public async Task Deleting_a_user_or_removing_a_rule_is_published_and_what_does_not_exist_is_refused()
    {
        var node = await _nodes.StartAsync();
        Assert.True((await Ask(node, User("alice", "a"))).IsSuccess);
        Assert.True((await Ask(node, new AddAcl(AliceReadsOrders))).IsSuccess);
        var before = await PublishedWhen(node, s => s.User("alice") is not null && s.Acls.Count == 1);

        Assert.True((await Ask(node, new DeleteUser("alice"))).IsSuccess);
        Assert.True((await Ask(node, new RemoveAcl(AliceReadsOrders))).IsSuccess);

        var after = await PublishedWhen(node, s => s.Users.Count == 0 && s.Acls.Count == 0);
        Assert.True(after.Version > before.Version);
        Assert.Equal(ErrorCode.ResourceNotFound, (await Ask(node, new DeleteUser("alice"))).Error);
        Assert.Equal(ErrorCode.ResourceNotFound, (await Ask(node, new RemoveAcl(AliceReadsOrders))).Error);
    }

    [Fact]
    public async Task Adding_a_rule_twice_succeeds_once_stored_and_bad_users_and_rules_are_refused_with_nothing_stored()
    {
        var node = await _nodes.StartAsync();

        Assert.True((await Ask(node, new AddAcl(AliceReadsOrders))).IsSuccess);
        var again = await Ask(node, new AddAcl(AliceReadsOrders));
        var badName = await Ask(node, User("has space", "x"));
        var fewIterations = await Ask(node, new UpsertUser("carol", [ScramCredential.Create(SaslMechanisms.ScramSha256, "x", iterations: 1000)]));
        var badRule = await Ask(node, new AddAcl(new AclRule("alice", AclResourceType.Cluster, "not-the-cluster", AclOperation.Alter)));

        Assert.True(again.IsSuccess, again.Message);
        Assert.Equal(ErrorCode.InvalidRequest, badName.Error);
        Assert.Equal(ErrorCode.UnacceptableCredential, fewIterations.Error);
        Assert.Equal(ErrorCode.InvalidRequest, badRule.Error);
        Assert.Equal([AliceReadsOrders], (await node.Broker.Ask<AclList>(new ListAcls(), Timeout)).Acls);
        Assert.Empty((await PublishedWhen(node, s => s.Acls.Count == 1)).Users);
    }

    [Fact]
    public async Task Users_and_rules_survive_stopping_the_node_and_a_new_controller_publishes_them_under_a_higher_version()
    {
        var first = await _nodes.StartAsync();
        Assert.True((await Ask(first, User("alice", "alice-secret"))).IsSuccess);
        Assert.True((await Ask(first, new AddAcl(AliceReadsOrders))).IsSuccess);
        var before = await PublishedWhen(first, s => s.User("alice") is not null && s.Acls.Count == 1);
        await _nodes.StopAsync(first);

        var second = await _nodes.StartAsync();

        var after = await PublishedWhen(second, s => s.User("alice") is not null);
        Assert.True(after.User("alice")!.For(SaslMechanisms.ScramSha256)!.Verifies("alice-secret"));
        Assert.Equal([AliceReadsOrders], after.Acls);
        Assert.True(after.Version > before.Version, $"version {after.Version} after the restart, {before.Version} before");
    }

    [Fact]
    public async Task Users_and_rules_sent_by_anyone_but_a_broker_of_the_cluster_are_ignored()
    {
        var node = await _nodes.StartAsync();
        Assert.True((await Ask(node, User("alice", "a"))).IsSuccess);
        var genuine = await PublishedWhen(node, s => s.User("alice") is not null);

        // From this spec's own ActorSystem, as from an Akka client: a forged publication with a far higher version.
        node.Broker.Tell(new SecurityPublished(new SecurityMetadata(long.MaxValue, [], [new AclRule("*", AclResourceType.Topic, "*", AclOperation.All)])), TestActor);

        var after = await Published(node);
        Assert.True(after.Version < long.MaxValue);
        Assert.NotNull(after.User("alice"));
        Assert.True(after.Version >= genuine.Version);
    }
}
