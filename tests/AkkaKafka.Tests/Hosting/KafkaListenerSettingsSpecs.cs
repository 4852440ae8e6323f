using Akka.Configuration;
using AkkaKafka.Broker;
using AkkaKafka.Broker.Hosting;
using Xunit;

namespace AkkaKafka.Tests.Hosting;

/// <summary>
/// A broker's Kafka listener settings and identity: defaults from hocon/broker.hocon, overridden by --config and the
/// flags, and told to the controller through the broker's cluster roles.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class KafkaListenerSettingsSpecs
{
    private static Config Build(BrokerOptions options) => BrokerConfig.Build(options, "Data Source=:memory:", "Data Source=:memory:");

    [Fact]
    public void By_default_a_broker_listens_on_9092_advertises_its_host_and_lets_the_controller_choose_its_node_id()
    {
        var settings = new KafkaListenerSettings(Build(new BrokerOptions { Host = "10.1.2.3" }));

        Assert.Equal(9092, settings.Port);
        Assert.True(settings.Enabled);
        Assert.Equal("10.1.2.3", settings.BindHost);
        Assert.Equal("10.1.2.3", settings.AdvertisedHost);
        Assert.Equal("10.1.2.3:9092", settings.AdvertisedEndpoint);
        Assert.Null(settings.BrokerId);
        Assert.Equal(100L * 1024 * 1024, settings.SocketRequestMaxBytes);
    }

    [Fact]
    public void The_flags_override_the_port_the_advertised_host_and_the_node_id()
    {
        var settings = new KafkaListenerSettings(Build(new BrokerOptions
        {
            Host = "0.0.0.0", KafkaPort = 19092, KafkaAdvertisedHost = "kafka-1.example.com", BrokerId = 0,
        }));

        Assert.Equal("0.0.0.0", settings.BindHost);
        Assert.Equal("kafka-1.example.com:19092", settings.AdvertisedEndpoint);
        Assert.Equal(0, settings.BrokerId);
    }

    [Fact]
    public void The_flags_override_hocon_from_a_config_file_or_overrides()
    {
        var overrides = ConfigurationFactory.ParseString("akkakafka.broker.kafka { port = 29092, advertised-host = \"from-hocon\", broker-id = 4 }");

        var fromHocon = new KafkaListenerSettings(Build(new BrokerOptions { Overrides = overrides }));
        var fromFlags = new KafkaListenerSettings(Build(new BrokerOptions { Overrides = overrides, KafkaPort = 39092, BrokerId = 5 }));

        Assert.Equal(("from-hocon:29092", 4), (fromHocon.AdvertisedEndpoint, fromHocon.BrokerId));
        Assert.Equal(("from-hocon:39092", 5), (fromFlags.AdvertisedEndpoint, fromFlags.BrokerId));
    }

    [Fact]
    public void Port_0_means_no_kafka_listener_and_no_endpoint()
    {
        var settings = new KafkaListenerSettings(Build(new BrokerOptions { KafkaPort = 0 }));

        Assert.False(settings.Enabled);
        Assert.Null(settings.AdvertisedEndpoint);
    }

    [Theory]
    [InlineData("port = -1")]
    [InlineData("port = 65536")]
    [InlineData("broker-id = -2")]
    [InlineData("socket-request-max-bytes = 0")]
    public void Impossible_values_are_refused_when_the_settings_are_read(string setting) =>
        Assert.Throws<ConfigurationException>(() => Build(new BrokerOptions
        {
            Overrides = ConfigurationFactory.ParseString($"akkakafka.broker.kafka.{setting}"),
        }));

    [Fact]
    public void The_broker_tells_the_controller_its_kafka_endpoint_and_node_id_through_its_roles_beside_the_broker_role()
    {
        var config = Build(new BrokerOptions { Host = "127.0.0.1", KafkaPort = 9093, BrokerId = 7, HttpPort = 0 });

        var roles = config.GetStringList("akka.cluster.roles");

        Assert.Equal(["broker", "kafka-endpoint:127.0.0.1:9093", "broker-id:7"], roles);
        Assert.Equal(new BrokerRoleInfo("127.0.0.1:9093", 7), BrokerRoles.Parse(roles));
    }

    [Fact]
    public void A_broker_without_listener_or_explicit_id_has_only_the_broker_role()
    {
        var config = Build(new BrokerOptions { KafkaPort = 0, HttpPort = 0 });

        Assert.Equal(["broker"], config.GetStringList("akka.cluster.roles"));
    }
}
