using Xunit;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// A group's committed offsets survive a SIGKILL and restart of the broker (same data directory) whichever protocol
/// committed them: Kafka's OffsetCommit from Confluent.Kafka, or the akkakafka consumer's own commits, both read back
/// with Kafka's OffsetFetch.
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class OffsetsAfterRestartSpecs : IClassFixture<KafkaBroker>
{
    private readonly KafkaBroker _broker;

    public OffsetsAfterRestartSpecs(KafkaBroker broker) => _broker = broker;

    private string Bootstrap => _broker.KafkaBootstrap;

    /// <summary>SIGKILL: nothing is flushed or handed over; then the same broker (ports, id, data) starts again.</summary>
    private Task KillAndRestartBrokerAsync() => _broker.KillAndRestartAsync();

    [Fact]
    public async Task Offsets_committed_with_Confluent_Kafka_are_fetched_unchanged_after_the_broker_is_killed_and_restarted()
    {
        await _broker.CreateTopic("restart-cf", 3);
        using (var producer = ConfluentClients.Producer(Bootstrap))
            ConfluentClients.ProduceKeyed(producer, "restart-cf", 1, 90, _broker.Diagnostics);
        using (var member = new GroupMember(Bootstrap, "restart-cf-group", "restart-cf"))
        {
            Assert.True(GroupMember.PollUntil(() => member.Records.Count >= 90, TimeSpan.FromSeconds(45), member), "did not read 90 records\n" + member + "\n" + _broker.Diagnostics());
            member.Close();
        }
        // Records nobody read, so the committed offsets are not simply the log ends.
        using (var producer = ConfluentClients.Producer(Bootstrap))
            ConfluentClients.ProduceKeyed(producer, "restart-cf", 91, 120, _broker.Diagnostics);
        var before = await ConfluentClients.CommittedAsync(Bootstrap, "restart-cf-group", "restart-cf", 3, _broker);
        Assert.True(before.Values.Sum() == 90, $"committed before the restart: {Show(before)}");

        await KillAndRestartBrokerAsync();

        var after = await ConfluentClients.CommittedAsync(Bootstrap, "restart-cf-group", "restart-cf", 3, _broker);
        Assert.True(before.OrderBy(kv => kv.Key).SequenceEqual(after.OrderBy(kv => kv.Key)), $"before {Show(before)}, after {Show(after)}\n{_broker.Diagnostics()}");
    }

    [Fact]
    public async Task Offsets_committed_by_akkakafka_consume_are_fetched_by_Confluent_Kafka_before_and_after_the_broker_is_killed_and_restarted()
    {
        await _broker.CreateTopic("restart-akka", 2);
        var lines = string.Concat(Enumerable.Range(1, 60).Select(i => $"key{i}:{i}\n"));
        await _broker.AkkaOk(lines, "produce", "--topic", "restart-akka", "--key-separator", ":");
        await _broker.AkkaOk(null, "consume", "--topic", "restart-akka", "--group", "restart-akka-group", "--from-beginning",
            "--max-messages", "60", "--timeout-ms", "20000");
        var logEnds = ConfluentClients.LogEnds(Bootstrap, "restart-akka", 2);
        Assert.Equal(60, logEnds.Values.Sum());

        // The akkakafka consumer committed on exit everything it read: the log ends, seen through Kafka's OffsetFetch.
        var before = await ConfluentClients.CommittedAsync(Bootstrap, "restart-akka-group", "restart-akka", 2, _broker);
        Assert.True(logEnds.OrderBy(kv => kv.Key).SequenceEqual(before.OrderBy(kv => kv.Key)), $"log ends {Show(logEnds)}, committed {Show(before)}");

        await KillAndRestartBrokerAsync();

        var after = await ConfluentClients.CommittedAsync(Bootstrap, "restart-akka-group", "restart-akka", 2, _broker);
        Assert.True(before.OrderBy(kv => kv.Key).SequenceEqual(after.OrderBy(kv => kv.Key)), $"before {Show(before)}, after {Show(after)}\n{_broker.Diagnostics()}");
    }

    private static string Show(Dictionary<int, long> offsets) => string.Join(", ", offsets.OrderBy(kv => kv.Key).Select(kv => $"p{kv.Key}={kv.Value}"));
}
