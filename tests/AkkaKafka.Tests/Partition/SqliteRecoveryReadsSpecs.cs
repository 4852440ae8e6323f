using Akka.Actor;
using AkkaKafka.Broker;
using AkkaKafka.Broker.Hosting;
using AkkaKafka.Broker.Partition;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.Partition;

/// <summary>
/// SQLite in WAL mode lets readers run beside its one writer, and a broker's recovery is nothing but reads (a snapshot
/// load, the highest sequence number, the events): a partition recovers while the journal's and the snapshot store's
/// write locks are held by someone else, as they are whenever other partitions write. Recovery reads that took the
/// write lock themselves queued behind every write and every other recovery, each retry a 150 ms sleep on a pool
/// thread: that was where a restart with 10,000 partitions spent its time.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class SqliteRecoveryReadsSpecs(SqliteJournal journal, ITestOutputHelper output)
    : PersistenceSpec(journal, output, TestConfigs.Local), IClassFixture<SqliteJournal>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private IActorRef StartPartition(PartitionIdentity partition) =>
        Sys.ActorOf(PartitionActor.Props(partition, epoch: 1, retentionMs: -1, retentionBytes: -1, BrokerSettings.Create(Sys)));

    private long LogEnd(IActorRef actor, PartitionIdentity partition)
    {
        var probe = CreateTestProbe();
        actor.Tell(new ListOffsetsRequest(partition.Topic, partition.Partition, ListOffsetsRequest.Latest), probe.Ref);
        var response = probe.ExpectMsg<ListOffsetsResponse>(Timeout);
        Assert.Equal(ErrorCode.None, response.Error);
        return response.Offset;
    }

    /// <summary>Opens a connection to <paramref name="file"/> in the data directory that holds its write lock until disposed.</summary>
    private SqliteConnection HoldWriteLock(string file)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(DataDirectory, file),
            Pooling = false,
        }.ToString());
        connection.Open();
        using var begin = connection.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE;";
        begin.ExecuteNonQuery();
        return connection;
    }

    [Fact]
    public void A_partition_recovers_its_log_while_another_connection_holds_the_journals_write_lock()
    {
        var partition = new PartitionIdentity("recovering", 1, 0);
        var first = StartPartition(partition);
        var producer = CreateTestProbe();
        first.Tell(new ProduceRequest(partition.Topic, partition.Partition, Batches.Produced("a", "b"), Acks.All, "spec"), producer.Ref);
        Assert.Equal(ErrorCode.None, producer.ExpectMsg<ProduceResponse>(Timeout).Error);
        StopAndWait(first);

        using var journalWriter = HoldWriteLock(JournalStorage.JournalFile);
        using var snapshotWriter = HoldWriteLock(JournalStorage.SnapshotFile);
        var restarted = StartPartition(partition);

        Assert.Equal(2, LogEnd(restarted, partition));
    }
}
