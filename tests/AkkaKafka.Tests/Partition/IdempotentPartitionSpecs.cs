using System.Text;
using Akka.Actor;
using AkkaKafka.Broker;
using AkkaKafka.Broker.Partition;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;
using AkkaKafka.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.Partition;

/// <summary>
/// A partition with idempotent producers, through a real journal: a retried batch is stored once and answered with
/// its first offset, whether the first try is written already or still being written, before and after a restart;
/// gaps and old epochs are refused with Kafka's errors.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class IdempotentPartitionSpecs(SqliteJournal journal, ITestOutputHelper output)
    : PersistenceSpec(journal, output, Config), IClassFixture<SqliteJournal>
{
    private const string Config = TestConfigs.Local + """

        akkakafka.broker {
          snapshot-every = 3
        }
        """;

    private const long ProducerId = 4242;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static PartitionIdentity NewPartition() => new("idem-" + Guid.NewGuid().ToString("N")[..12], 1, 0);

    private IActorRef StartPartition(PartitionIdentity partition) =>
        Sys.ActorOf(PartitionActor.Props(partition, 1, -1, -1, BrokerSettings.Create(Sys)));

    /// <summary>An idempotent producer's batch of <paramref name="values"/>, its first record numbered <paramref name="sequence"/>.</summary>
    private static byte[] Idempotent(short epoch, int sequence, params string[] values)
    {
        var builder = new RecordBatchBuilder();
        foreach (var value in values) builder.Add(Batches.T0, null, Encoding.UTF8.GetBytes(value));
        return builder.Build(producer: new ProducerFields(ProducerId, epoch, sequence));
    }

    private ProduceResponse Produce(IActorRef partitionActor, PartitionIdentity partition, byte[] batch)
    {
        var probe = CreateTestProbe();
        partitionActor.Tell(new ProduceRequest(partition.Topic, partition.Partition, batch, Acks.All, "spec"), probe.Ref);
        return probe.ExpectMsg<ProduceResponse>(Timeout);
    }

    private List<string> AllValues(IActorRef partitionActor, PartitionIdentity partition)
    {
        var probe = CreateTestProbe();
        partitionActor.Tell(new FetchRequest(partition.Topic, partition.Partition, 0, 1 << 20, 0, "spec"), probe.Ref);
        var response = probe.ExpectMsg<FetchResponse>(Timeout);
        return Batches.Records(response.Records).Select(r => Encoding.UTF8.GetString(r.Value!)).ToList();
    }

    [Fact]
    public void A_retried_batch_already_written_is_answered_with_its_first_offset_and_stored_once()
    {
        var partition = NewPartition();
        var actor = StartPartition(partition);
        Assert.Equal(0, Produce(actor, partition, Idempotent(0, 0, "a", "b")).BaseOffset);
        Assert.Equal(2, Produce(actor, partition, Idempotent(0, 2, "c")).BaseOffset);

        var retry = Produce(actor, partition, Idempotent(0, 0, "a", "b"));

        Assert.Equal((ErrorCode.None, 0L), (retry.Error, retry.BaseOffset));
        Assert.Equal(["a", "b", "c"], AllValues(actor, partition));
    }

    [Fact]
    public void A_retry_that_arrives_while_its_first_try_is_being_written_gets_the_same_offset()
    {
        var partition = NewPartition();
        var actor = StartPartition(partition);
        var first = CreateTestProbe();
        var retry = CreateTestProbe();
        var batch = Idempotent(0, 0, "x");

        actor.Tell(new ProduceRequest(partition.Topic, partition.Partition, batch, Acks.All, "spec"), first.Ref);
        actor.Tell(new ProduceRequest(partition.Topic, partition.Partition, batch, Acks.All, "spec"), retry.Ref);

        Assert.Equal(0, first.ExpectMsg<ProduceResponse>(Timeout).BaseOffset);
        var answer = retry.ExpectMsg<ProduceResponse>(Timeout);
        Assert.Equal((ErrorCode.None, 0L), (answer.Error, answer.BaseOffset));
        Assert.Equal(["x"], AllValues(actor, partition));
    }

    [Fact]
    public void A_gap_in_the_sequence_is_out_of_order_and_nothing_is_written()
    {
        var partition = NewPartition();
        var actor = StartPartition(partition);
        Produce(actor, partition, Idempotent(0, 0, "a"));

        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, Produce(actor, partition, Idempotent(0, 2, "c")).Error);
        Assert.Equal(["a"], AllValues(actor, partition));
    }

    [Fact]
    public void A_batch_of_an_older_epoch_is_fenced()
    {
        var partition = NewPartition();
        var actor = StartPartition(partition);
        Produce(actor, partition, Idempotent(1, 0, "new"));

        Assert.Equal(ErrorCode.InvalidProducerEpoch, Produce(actor, partition, Idempotent(0, 1, "zombie")).Error);
        Assert.Equal(["new"], AllValues(actor, partition));
    }

    [Fact]
    public void After_a_restart_the_producer_state_is_recovered_from_snapshot_and_journal_and_a_retry_is_still_a_duplicate()
    {
        var partition = NewPartition();
        var first = StartPartition(partition);
        // snapshot-every = 3: the snapshot holds the first three batches' producer state, the journal the rest.
        for (var i = 0; i < 5; i++) Produce(first, partition, Idempotent(0, i, $"r{i}"));
        AwaitAssert(() => Assert.NotNull(LatestSnapshot(partition.PersistenceId)), Timeout);
        StopAndWait(first);

        var second = StartPartition(partition);

        var retry = Produce(second, partition, Idempotent(0, 4, "r4"));
        Assert.Equal((ErrorCode.None, 4L), (retry.Error, retry.BaseOffset));
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, Produce(second, partition, Idempotent(0, 7, "r7")).Error);
        Assert.Equal(5, Produce(second, partition, Idempotent(0, 5, "r5")).BaseOffset);
        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"r{i}"), AllValues(second, partition));
    }

    [Fact]
    public void Batches_of_producers_without_idempotence_are_written_as_before_retries_included()
    {
        var partition = NewPartition();
        var actor = StartPartition(partition);
        var plain = Batches.Produced("p");

        Produce(actor, partition, plain);
        Produce(actor, partition, plain);

        Assert.Equal(["p", "p"], AllValues(actor, partition));
    }
}
