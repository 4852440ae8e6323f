using AkkaKafka.Broker;
using Xunit;

namespace AkkaKafka.Tests.Hosting;

/// <summary>The roles through which a broker tells the controller its Kafka endpoint and explicit node id.</summary>
[Trait("Speed", "Fast")]
public sealed class BrokerRolesSpecs
{
    [Fact]
    public void Roles_written_for_a_broker_read_back_the_same()
    {
        var info = new BrokerRoleInfo("kafka-1.example.com:9092", 12);

        Assert.Equal(info, BrokerRoles.Parse(["broker", "dc-default", .. BrokerRoles.For(info)]));
    }

    [Fact]
    public void An_ipv6_endpoint_keeps_its_colons()
    {
        var info = new BrokerRoleInfo("[::1]:9092", null);

        Assert.Equal(["kafka-endpoint:[::1]:9092"], BrokerRoles.For(info));
        Assert.Equal(info, BrokerRoles.Parse(BrokerRoles.For(info)));
    }

    [Fact]
    public void A_broker_without_listener_or_explicit_id_has_no_such_roles()
    {
        Assert.Empty(BrokerRoles.For(new BrokerRoleInfo(null, null)));
        Assert.Equal(new BrokerRoleInfo(null, null), BrokerRoles.Parse(["broker", "dc-default"]));
    }

    [Theory]
    [InlineData("broker-id:")]
    [InlineData("broker-id:-3")]
    [InlineData("broker-id:x")]
    [InlineData("broker-id:99999999999")]
    [InlineData("kafka-endpoint:")]
    public void Malformed_roles_are_ignored(string role) =>
        Assert.Equal(new BrokerRoleInfo(null, null), BrokerRoles.Parse(["broker", role]));

    [Theory]
    [InlineData("kafka-endpoint:127.0.0.1:9092", true)]
    [InlineData("broker-id:1", true)]
    [InlineData("broker", false)]
    [InlineData("dc-default", false)]
    public void Only_the_kafka_roles_count_as_kafka_roles(string role, bool expected) =>
        Assert.Equal(expected, BrokerRoles.IsKafkaRole(role));
}
