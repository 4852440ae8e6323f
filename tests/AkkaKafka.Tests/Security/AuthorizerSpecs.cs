using AkkaKafka.Protocol.Security;
using Xunit;

namespace AkkaKafka.Tests.Security;

/// <summary>
/// Who may do what, as Kafka's authorizer decides with allow rules only: superusers everything; a rule of the user
/// (or of "*") on a literal, "*" or "prefix*" name grants its operation, All grants every one, and Read, Write,
/// Delete and Alter imply Describe; nothing else is allowed.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class AuthorizerSpecs
{
    private static readonly IReadOnlySet<string> SuperUsers = new HashSet<string> { "admin" };

    private static readonly SecurityMetadata Security = new(1, [],
    [
        new("alice", AclResourceType.Topic, "orders", AclOperation.Read),
        new("alice", AclResourceType.Topic, "payments-*", AclOperation.Write),
        new("alice", AclResourceType.Group, "billing", AclOperation.Read),
        new("bob", AclResourceType.Topic, "*", AclOperation.All),
        new("carol", AclResourceType.Cluster, Authorizer.ClusterResourceName, AclOperation.Create),
        new("*", AclResourceType.Topic, "public", AclOperation.Read),
        new("dave", AclResourceType.Topic, "logs", AclOperation.Alter),
        new("dave", AclResourceType.Topic, "audit", AclOperation.Create),
    ]);

    public static IEnumerable<object[]> Cases =>
    [
        // user, resource type, resource name, operation, allowed
        ["admin", AclResourceType.Topic, "anything", AclOperation.Delete, true],
        ["admin", AclResourceType.Cluster, Authorizer.ClusterResourceName, AclOperation.Alter, true],
        ["alice", AclResourceType.Topic, "orders", AclOperation.Read, true],
        ["alice", AclResourceType.Topic, "orders", AclOperation.Describe, true],
        ["alice", AclResourceType.Topic, "orders", AclOperation.Write, false],
        ["alice", AclResourceType.Topic, "orders-eu", AclOperation.Read, false],
        ["alice", AclResourceType.Topic, "payments-eu", AclOperation.Write, true],
        ["alice", AclResourceType.Topic, "payments-", AclOperation.Write, true],
        ["alice", AclResourceType.Topic, "payments", AclOperation.Write, false],
        ["alice", AclResourceType.Topic, "payments-eu", AclOperation.Read, false],
        ["alice", AclResourceType.Group, "billing", AclOperation.Read, true],
        ["alice", AclResourceType.Group, "orders", AclOperation.Read, false],
        ["alice", AclResourceType.Topic, "billing", AclOperation.Read, false],
        ["bob", AclResourceType.Topic, "any-topic", AclOperation.Write, true],
        ["bob", AclResourceType.Topic, "__transactions", AclOperation.Delete, true],
        ["bob", AclResourceType.Group, "any-group", AclOperation.Read, false],
        ["bob", AclResourceType.Cluster, Authorizer.ClusterResourceName, AclOperation.Create, false],
        ["carol", AclResourceType.Cluster, Authorizer.ClusterResourceName, AclOperation.Create, true],
        ["carol", AclResourceType.Cluster, Authorizer.ClusterResourceName, AclOperation.Describe, false],
        ["carol", AclResourceType.Topic, "orders", AclOperation.Create, false],
        ["erin", AclResourceType.Topic, "public", AclOperation.Read, true],
        ["erin", AclResourceType.Topic, "public", AclOperation.Write, false],
        [Authorizer.Anonymous, AclResourceType.Topic, "public", AclOperation.Describe, true],
        [Authorizer.Anonymous, AclResourceType.Topic, "orders", AclOperation.Read, false],
        ["dave", AclResourceType.Topic, "logs", AclOperation.Describe, true],
        ["dave", AclResourceType.Topic, "logs", AclOperation.Read, false],
        ["dave", AclResourceType.Topic, "audit", AclOperation.Describe, false],
        ["Alice", AclResourceType.Topic, "orders", AclOperation.Read, false],
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_request_is_allowed_only_when_a_rule_or_the_superuser_list_allows_it(
        string user, AclResourceType type, string name, AclOperation operation, bool allowed) =>
        Assert.Equal(allowed, Authorizer.IsAllowed(Security, SuperUsers, user, type, name, operation));

    [Fact]
    public void With_no_rules_only_superusers_may_do_anything()
    {
        Assert.False(Authorizer.IsAllowed(SecurityMetadata.Empty, SuperUsers, "alice", AclResourceType.Topic, "orders", AclOperation.Describe));
        Assert.True(Authorizer.IsAllowed(SecurityMetadata.Empty, SuperUsers, "admin", AclResourceType.Group, "g", AclOperation.Delete));
    }

    [Fact]
    public void Creating_a_topic_takes_create_on_the_cluster_or_on_the_topic()
    {
        Assert.True(Authorizer.MayCreateTopic(Security, SuperUsers, "carol", "anything"));
        Assert.True(Authorizer.MayCreateTopic(Security, SuperUsers, "dave", "audit"));
        Assert.True(Authorizer.MayCreateTopic(Security, SuperUsers, "bob", "new-topic"));
        Assert.False(Authorizer.MayCreateTopic(Security, SuperUsers, "dave", "logs"));
        Assert.False(Authorizer.MayCreateTopic(Security, SuperUsers, "alice", "orders"));
    }
}
