using System.Text;
using Akka.Actor;
using Akka.TestKit;
using AkkaKafka.Broker;
using AkkaKafka.Broker.Partition;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.FaultTolerance;

[Trait("Speed", "Fast")]
public sealed class SqliteOwnershipRoundTripSpecs(SqliteJournal journal, ITestOutputHelper output)
    : OwnershipRoundTripSpecs(journal, output), IClassFixture<SqliteJournal>;

[Trait("Speed", "Slow")]
public sealed class PostgresOwnershipRoundTripSpecs(PostgresJournal journal, ITestOutputHelper output)
    : OwnershipRoundTripSpecs(journal, output), IClassFixture<PostgresJournal>;

/// <summary>
/// A partition that goes from broker A to broker B and back to A (B failed, or left) while A kept running: every
/// batch any of them wrote is in the log afterwards, in order, wherever the partition recovers next.
/// <para>Found by ChaosSpecs: the journal stores one writer id per broker process (Akka.Persistence.Sql's journal
/// GUID), not per actor, so Akka's replay filter took A's second run of events for an "old writer still writing"
/// and dropped them while recovering; the next owner wrote over their offsets.</para>
/// Two ActorSystems on one journal stand for the two brokers.
/// </summary>
public abstract class OwnershipRoundTripSpecs : PersistenceSpec
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    protected OwnershipRoundTripSpecs(JournalBackend backend, ITestOutputHelper output) : base(backend, output, TestConfigs.Local)
    {
    }

    [SkippableFact]
    public async Task A_partition_that_comes_back_to_a_broker_recovers_every_batch_written_on_both()
    {
        var partition = new PartitionIdentity("round-trip-" + Guid.NewGuid().ToString("N")[..12], 1, 0);
        var brokerB = ActorSystem.Create("broker-b", Sys.Settings.Config);
        try
        {
            var a1 = Start(Sys, partition, epoch: 1);
            Assert.Equal(0, Produce(a1, partition, "a"));
            StopAndWait(a1);

            var b = Start(brokerB, partition, epoch: 2);
            Assert.Equal(1, Produce(b, partition, "b"));
            await b.GracefulStop(Timeout);

            var a2 = Start(Sys, partition, epoch: 3);
            Assert.Equal(2, Produce(a2, partition, "c"));
            StopAndWait(a2);

            var next = Start(brokerB, partition, epoch: 4);
            Assert.Equal(["a", "b", "c"], Values(next, partition));
            Assert.Equal(3, Produce(next, partition, "d"));
        }
        finally
        {
            await brokerB.Terminate().WaitAsync(Timeout);
        }
    }

    private static IActorRef Start(ActorSystem system, PartitionIdentity partition, long epoch) =>
        system.ActorOf(PartitionActor.Props(partition, epoch, -1, -1, BrokerSettings.Create(system)));

    private long Produce(IActorRef actor, PartitionIdentity partition, string value)
    {
        var producer = CreateTestProbe();
        actor.Tell(new ProduceRequest(partition.Topic, partition.Partition, Batches.Produced(value), Acks.All, "spec"), producer.Ref);
        var response = producer.ExpectMsg<ProduceResponse>(Timeout);
        Assert.True(response.Error == ErrorCode.None, $"produce failed: {response.Error} {response.ErrorMessage}");
        return response.BaseOffset;
    }

    private List<string> Values(IActorRef actor, PartitionIdentity partition)
    {
        var consumer = CreateTestProbe();
        actor.Tell(new FetchRequest(partition.Topic, partition.Partition, 0, 1 << 20, 0, "spec"), consumer.Ref);
        var response = consumer.ExpectMsg<FetchResponse>(Timeout);
        Assert.Equal(ErrorCode.None, response.Error);
        return Batches.Records(response.Records).Select(r => Encoding.UTF8.GetString(r.Value!)).ToList();
    }
}
