using AkkaKafka.Tests.EndToEnd;
using Confluent.Kafka;
using Xunit;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>What a Kafka client sees of a broker that has just started.</summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class BrokerStartupSpecs : IDisposable
{
    private readonly BrokerProcesses _cluster = new(1, kafka: true);

    public void Dispose() => _cluster.Dispose();

    /// <summary>
    /// Kafka clients may connect the moment the listener accepts. A Metadata answer that names a controller but lists
    /// no brokers leaves librdkafka's admin client waiting for a controller it never finds ("Failed while waiting for
    /// controller: Local: Timed out") until its next metadata refresh, minutes later.
    /// </summary>
    [Fact]
    public async Task A_broker_that_says_it_is_up_lists_itself_and_its_controller_in_Kafka_metadata()
    {
        var port = _cluster.Ports[0];
        var broker = await _cluster.StartAsync(port);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.KafkaBootstrap }).Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(20));

        var why = $"Metadata right after \"is up\": brokers [{string.Join(", ", metadata.Brokers.Select(b => $"{b.BrokerId}@{b.Host}:{b.Port}"))}], " +
                  $"originating broker {metadata.OriginatingBrokerId}\nbroker stdout tail:\n{string.Join("\n", broker.Stdout.Split('\n').TakeLast(20))}";
        Assert.True(metadata.Brokers.Any(b => b.BrokerId == _cluster.BrokerId(port) && b.Port == _cluster.KafkaPort(port)), why);
    }
}
