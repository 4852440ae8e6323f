using Akka.Configuration;
using AkkaKafka.Broker;
using AkkaKafka.Broker.Hosting;
using AkkaKafka.Broker.Http;
using Xunit;

namespace AkkaKafka.Tests.Http;

/// <summary>
/// A broker's HTTP settings: defaults from hocon/broker.hocon (port 8080, read-only), overridden by the flags, and
/// told to the other brokers through the cluster roles so every console can link to every broker.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class HttpSettingsSpecs
{
    private static Config Build(BrokerOptions options) => BrokerConfig.Build(options, "Data Source=:memory:", "Data Source=:memory:");

    [Fact]
    public void By_default_a_broker_serves_read_only_http_on_8080_at_its_host()
    {
        var settings = new HttpSettings(Build(new BrokerOptions { Host = "10.1.2.3" }));

        Assert.Equal(8080, settings.Port);
        Assert.True(settings.Enabled);
        Assert.False(settings.Admin);
        Assert.Equal("10.1.2.3:8080", settings.Endpoint);
    }

    [Fact]
    public void The_flags_override_the_port_and_turn_admin_on()
    {
        var settings = new HttpSettings(Build(new BrokerOptions { HttpPort = 18080, HttpAdmin = true }));

        Assert.Equal(18080, settings.Port);
        Assert.True(settings.Admin);
    }

    [Fact]
    public void Port_0_turns_http_off_and_the_broker_then_names_no_http_endpoint()
    {
        var config = Build(new BrokerOptions { KafkaPort = 0, HttpPort = 0 });

        Assert.False(new HttpSettings(config).Enabled);
        Assert.Null(BrokerRoles.HttpEndpointOf(config.GetStringList("akka.cluster.roles")));
    }

    [Fact]
    public void A_broker_names_its_http_endpoint_in_its_roles()
    {
        var roles = Build(new BrokerOptions { Host = "127.0.0.1", KafkaPort = 0, HttpPort = 18081 }).GetStringList("akka.cluster.roles");

        Assert.Equal(["broker", "http-endpoint:127.0.0.1:18081"], roles);
        Assert.Equal("127.0.0.1:18081", BrokerRoles.HttpEndpointOf(roles));
        Assert.Equal(new BrokerRoleInfo(null, null), BrokerRoles.Parse(roles));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(65536)]
    public void An_impossible_port_in_hocon_is_refused_when_the_configuration_is_built(int port)
    {
        var overrides = ConfigurationFactory.ParseString($"akkakafka.broker.http.port = {port}");

        var refused = Assert.Throws<ConfigurationException>(() => Build(new BrokerOptions { Overrides = overrides }));

        Assert.Contains("akkakafka.broker.http.port must be between 0 and 65535", refused.Message);
    }
}
