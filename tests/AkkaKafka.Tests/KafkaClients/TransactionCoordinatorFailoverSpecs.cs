using Confluent.Kafka;
using AkkaKafka.Tests.EndToEnd;
using AkkaKafka.Tests.MultiNode.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// Three broker processes; Confluent.Kafka's transactional producer commits, and the broker the transaction
/// coordinator runs on (the first started, the oldest member, where the cluster singletons live) is SIGKILLed as soon
/// as EndTxn(commit) is answered: the committed records must still become visible to a read_committed consumer. The
/// coordinator answers EndTxn once PrepareCommit is persisted; the singleton's successor restarts every transactional
/// id it knows and writes the markers the dead one may not have (TransactionCoordinatorSpecs shows that case with the
/// markers certainly unwritten).
/// </summary>
/// <remarks>In the end-to-end collection, which runs alone: with downing after 1 s of silence, brokers starved by
/// another collection's processes could be downed without being killed.</remarks>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class TransactionCoordinatorFailoverSpecs(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Topic = "txn-failover";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly KafkaBrokers _brokers = new(3, KafkaOwnerFailoverSpecs.FastDowning);

    public Task InitializeAsync() => _brokers.StartAllAsync();

    public Task DisposeAsync()
    {
        _brokers.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Records_of_a_transaction_whose_commit_was_answered_become_visible_though_the_coordinators_broker_is_SIGKILLed_at_once()
    {
        var created = await _brokers.RunAsync(TimeSpan.FromSeconds(60), null, "topic", "create", Topic, "--partitions", "1", "--bootstrap", _brokers.Bootstrap);
        Assert.True(created.ExitCode == 0, created + "\n" + _brokers.LogTails());
        var coordinatorsBroker = _brokers.Ports[0];
        var survivors = string.Join(",", _brokers.KafkaPorts.Where(p => p != _brokers.Cluster.KafkaPort(coordinatorsBroker)).Select(p => $"127.0.0.1:{p}"));

        using (var producer = TransactionalReads.Producer(_brokers.KafkaBootstrap, "survives-failover"))
        {
            producer.InitTransactions(Timeout);
            producer.BeginTransaction();
            for (var i = 0; i < 10; i++) producer.Produce(Topic, new Message<string, string> { Key = "k", Value = $"committed-{i}" });
            producer.CommitTransaction(Timeout);
            _brokers.Kill(coordinatorsBroker);
        }
        output.WriteLine($"killed broker {coordinatorsBroker} (the coordinator's) right after EndTxn(commit) was answered");

        var expected = Enumerable.Range(0, 10).Select(i => $"committed-{i}").ToArray();
        await Eventually.Async(Timeout, () =>
        {
            Assert.Equal(expected, TransactionalReads.Read(survivors, Topic, IsolationLevel.ReadCommitted));
            return Task.CompletedTask;
        }, () => "\n" + _brokers.LogTails());
    }
}
