using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Security;
using Xunit;
using static AkkaKafka.Protocol.Kafka.Apis.KafkaAclCodes;

namespace AkkaKafka.Tests.Security;

/// <summary>Kafka's ACL model onto the allow-only one: what maps, what is refused and why, and Kafka's filter semantics.</summary>
[Trait("Speed", "Fast")]
public sealed class AclBindingsSpecs
{
    private static AclBinding Acl(sbyte pattern, string name, sbyte permission = Allow, string host = "*", string principal = "User:alice", sbyte operation = ReadOperation) =>
        new(TopicResource, name, pattern, principal, host, operation, permission);

    private static readonly AclBinding AnyFilter = new(Any, null, Any, null, null, Any, Any);

    [Fact]
    public void A_prefixed_ACL_is_our_prefix_followed_by_a_star_and_maps_back_unchanged()
    {
        var (rule, refusal) = AclBindings.ToRule(Acl(PrefixedPattern, "orders-"));
        Assert.Null(refusal);
        Assert.Equal(new AclRule("alice", AclResourceType.Topic, "orders-*", AclOperation.Read), rule);
        Assert.Equal(Acl(PrefixedPattern, "orders-"), AclBindings.ToBinding(rule!));
        Assert.Equal(Acl(LiteralPattern, "*"), AclBindings.ToBinding(AclBindings.ToRule(Acl(LiteralPattern, "*")).Rule!));
    }

    [Theory]
    [InlineData("DENY")]
    [InlineData("host")]
    [InlineData("MATCH")]
    [InlineData("principal")]
    [InlineData("operation")]
    [InlineData("literal ending in *")]
    public void What_the_allow_only_model_cannot_hold_is_refused_with_a_reason(string what)
    {
        var acl = what switch
        {
            "DENY" => Acl(LiteralPattern, "t", permission: Deny),
            "host" => Acl(LiteralPattern, "t", host: "10.0.0.1"),
            "MATCH" => Acl(MatchPattern, "t"),
            "principal" => Acl(LiteralPattern, "t", principal: "Group:ops"),
            "operation" => Acl(LiteralPattern, "t", operation: 12), // IDEMPOTENT_WRITE
            _ => Acl(LiteralPattern, "grp*"),
        };
        var (rule, refusal) = AclBindings.ToRule(acl);
        Assert.Null(rule);
        Assert.False(string.IsNullOrWhiteSpace(refusal));
    }

    [Fact]
    public void A_MATCH_filter_finds_the_literal_the_wildcard_and_each_prefix_of_the_name_and_nothing_else()
    {
        AclRule[] rules =
        [
            new("alice", AclResourceType.Topic, "orders-eu", AclOperation.Read),
            new("alice", AclResourceType.Topic, "*", AclOperation.Read),
            new("alice", AclResourceType.Topic, "orders-*", AclOperation.Read),
            new("alice", AclResourceType.Topic, "orders-us", AclOperation.Read),
            new("alice", AclResourceType.Topic, "billing-*", AclOperation.Read),
            new("alice", AclResourceType.Group, "orders-eu", AclOperation.Read),
        ];
        var match = AnyFilter with { ResourceType = TopicResource, ResourceName = "orders-eu", PatternType = MatchPattern };
        Assert.Equal(rules[..3], rules.Where(r => AclBindings.Matches(match, r)));
        var literal = AnyFilter with { ResourceName = "orders-eu", PatternType = LiteralPattern };
        Assert.Equal([rules[0], rules[5]], rules.Where(r => AclBindings.Matches(literal, r)));
        Assert.DoesNotContain(rules, r => AclBindings.Matches(AnyFilter with { PermissionType = Deny }, r));
        Assert.Equal(rules, rules.Where(r => AclBindings.Matches(AnyFilter, r)));
    }
}
