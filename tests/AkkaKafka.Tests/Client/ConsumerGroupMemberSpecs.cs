using System.Text;
using Akka.Actor;
using Akka.Configuration;
using AkkaKafka.Client;
using AkkaKafka.Client.Consumer;
using AkkaKafka.Client.Producer;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Tests.MultiNode;
using AkkaKafka.Tests.MultiNode.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.Client;

/// <summary>
/// Group members against a broker running in the test process: what a member commits around a rebalance.
/// Heartbeats and auto-commits are set far apart (a minute) so that a member learns of a rebalance only through
/// what the spec makes it do: the order of events is fixed by the spec, not by timers (where a spec needs the
/// member to learn of a rebalance, it beats often and waits for the outcome).
/// </summary>
[Collection(MultiNodeCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class ConsumerGroupMemberSpecs(ITestOutputHelper output)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    private static readonly Config ClientConfig = ConfigurationFactory.ParseString("""
        akka.loggers = []
        akka.loglevel = INFO
        akka.stdout-loglevel = OFF
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        akkakafka.client.session-timeout = 120s
        akkakafka.client.heartbeat-interval = 60s
        akkakafka.client.auto-commit-interval = 60s
        """);

    /// <summary>Heartbeats every 200 ms, auto-commits still a minute apart: the only commits are the ones the spec makes and the one the protocol makes on revocation.</summary>
    private static readonly Config BeatingClientConfig = ConfigurationFactory.ParseString("akkakafka.client.heartbeat-interval = 200ms").WithFallback(ClientConfig);

    [Fact]
    public async Task A_member_that_has_not_heard_of_a_rebalance_yet_still_commits_every_partition_it_holds_and_the_joiner_waits_for_them()
    {
        await using var group = await MemberAloneAsync(ClientConfig, "rebalanced");
        var (connectionA, connectionB, a, topic) = (group.ConnectionA, group.ConnectionB, group.A, group.Topic);

        // B joins: the group rebalances, which A learns of only at its next heartbeat (a minute away), and B's join waits
        // for A to rejoin. Until then B is given nothing and A, still a member of its generation holding both
        // partitions, commits both.
        await using var b = new Consumer(connectionB, "member-b");
        var joining = b.SubscribeAsync("keepers", topic, new StartPosition.Earliest());
        await Eventually.Async(Within, async () => Assert.Equal(GroupStates.PreparingRebalance, await GroupStateAsync(connectionA, "keepers")));
        await ProduceAsync(connectionA, topic, "second", 10);
        Assert.Equal(10, (await ReadAsync(a, 10)).Count);
        await a.CommitAsync().WaitAsync(Within);
        Assert.Equal([15L, 15L], await CommittedAsync(connectionA, topic, 2));
        Assert.Equal(2, a.Assignment.Count);
        Assert.Empty(b.Assignment);
        Assert.False(joining.IsCompleted);
    }

    private static async Task<string> GroupStateAsync(ClusterConnection connection, string group) => (await DescribeAsync(connection, group)).GroupState;

    private static async Task<DescribedGroup> DescribeAsync(ClusterConnection connection, string group) =>
        (await connection.Routes.KafkaAsync(null, new DescribeGroupsRequestData([group]), "spec", DescribeGroupsResponseData.Read, Within)).Groups.Single();

    [Fact]
    public async Task A_partition_moves_to_a_joining_member_only_after_its_previous_owner_committed_what_it_handed_out_so_nothing_is_read_twice()
    {
        await using var group = await MemberAloneAsync(BeatingClientConfig, "handed-over");
        var (connectionA, connectionB, a, topic) = (group.ConnectionA, group.ConnectionB, group.A, group.Topic);
        var readByA = group.ReadByA;
        // Two more records per partition, handed to A and not committed (the next auto-commit is a minute away).
        await ProduceAsync(connectionA, topic, "second", 4);
        readByA.AddRange(await ReadAsync(a, 4));
        Assert.Equal([10L, 10L], await CommittedAsync(connectionA, topic, 2));

        // B joins: A learns at its next heartbeat that the group rebalances, revokes its partitions and commits where it
        // stopped, then rejoins; the leader's range assignment gives B one of them.
        await using var b = new Consumer(connectionB, "member-b");
        await b.SubscribeAsync("keepers", topic, new StartPosition.Earliest()).WaitAsync(Within);
        await Eventually.Async(Within, () =>
        {
            Assert.Single(b.Assignment);
            return Task.CompletedTask;
        });
        var taken = b.Assignment.Single();
        Assert.Equal(12L, (await CommittedAsync(connectionA, topic, 2))[taken.Partition]);
        Assert.Equal([new TopicPartition(topic, 1 - taken.Partition)], a.Assignment);

        // B starts where A stopped: of three new records on the moved partition, B's first three reads are exactly those.
        await using (var producer = new Producer(connectionA, Acks.All))
            for (var i = 0; i < 3; i++)
                await producer.SendAsync(new ProducerRecord(topic, Encoding.UTF8.GetBytes($"moved-{i}"), Partition: taken.Partition)).WaitAsync(Within);
        var readByB = await ReadAsync(b, 3);
        Assert.Equal([12L, 13L, 14L], readByB.Select(r => r.Offset));
        var everyRead = readByA.Concat(readByB).Select(r => (r.Partition, r.Offset)).ToList();
        Assert.Equal(everyRead.Count, everyRead.Distinct().Count()); // redelivered: none
    }

    /// <summary>Members that offer only cooperative-sticky rebalance cooperatively (KIP-429), as Kafka's consumer does.</summary>
    private static readonly Config CooperativeClientConfig =
        ConfigurationFactory.ParseString("akkakafka.client.partition-assignment-strategy = [cooperative-sticky]").WithFallback(BeatingClientConfig);

    [Fact]
    public async Task Under_cooperative_sticky_the_owner_gives_up_only_the_partition_that_moves_and_keeps_reading_the_other()
    {
        await using var group = await MemberAloneAsync(CooperativeClientConfig, "cooperative");
        var (connectionA, connectionB, a, topic) = (group.ConnectionA, group.ConnectionB, group.A, group.Topic);
        await ProduceAsync(connectionA, topic, "second", 4);
        var readByA = group.ReadByA.Concat(await ReadAsync(a, 4)).ToList(); // handed out up to 12 and 12, committed 10 and 10

        // B joins: A keeps its partitions while it rejoins, revokes only the one the assignor moves, commits where it
        // stopped (both partitions: what it handed out) and rejoins; the second rebalance gives the moved one to B.
        await using var b = new Consumer(connectionB, "member-b");
        await b.SubscribeAsync("keepers", topic, new StartPosition.Earliest()).WaitAsync(Within);
        await Eventually.Async(Within, () =>
        {
            Assert.Single(b.Assignment);
            Assert.Single(a.Assignment);
            return Task.CompletedTask;
        });
        var (taken, kept) = (b.Assignment.Single(), a.Assignment.Single());
        Assert.NotEqual(taken, kept);
        Assert.Equal([12L, 12L], await CommittedAsync(connectionA, topic, 2));
        Assert.Equal("cooperative-sticky", (await DescribeAsync(connectionA, "keepers")).ProtocolData);

        // Each goes on where the partition stopped: three new records on each partition, each read once.
        await ProduceAsync(connectionA, topic, "third", 6);
        var nextOfA = await ReadAsync(a, 3);
        var readByB = await ReadAsync(b, 3);
        Assert.Equal([(kept.Partition, 12L), (kept.Partition, 13L), (kept.Partition, 14L)], nextOfA.Select(r => (r.Partition, r.Offset)));
        Assert.Equal([(taken.Partition, 12L), (taken.Partition, 13L), (taken.Partition, 14L)], readByB.Select(r => (r.Partition, r.Offset)));
        var everyRead = readByA.Concat(nextOfA).Concat(readByB).Select(r => (r.Partition, r.Offset)).ToList();
        Assert.Equal(everyRead.Count, everyRead.Distinct().Count());
    }

    /// <summary>
    /// A read_committed member asks for stable offsets (OffsetFetch require_stable) and waits while a transaction still
    /// open has committed its group's offsets, as Kafka's consumers do: it starts where the transaction's commit puts
    /// the group, not before it, so it does not read again what the transaction consumed.
    /// </summary>
    [Fact]
    public async Task A_read_committed_member_starts_from_the_offset_a_transaction_commits_not_from_the_one_before()
    {
        var config = ConfigurationFactory.ParseString("akkakafka.client.isolation-level = read_committed").WithFallback(BeatingClientConfig);
        await using var cluster = await ClusterFixture.StartAsync(1, output);
        await using var connection = ClusterConnection.Create(cluster.Addresses, config, "eos-member");
        const string topic = "eos-input";
        Assert.True((await new AdminClient(connection).CreateTopicAsync(topic, 1)).IsSuccess);
        for (var i = 0; i < 20; i++)
            await ProduceAsync(connection, topic, $"r{i}", 1);
        var pending = await connection.Routes.KafkaAsync(null, new TxnOffsetCommitRequestData("eos-tx", "eos", 9_000, 0, [new(topic, [new(0, 15, null)])]),
            "spec", TxnOffsetCommitResponseData.Read, Within);
        Assert.Equal(ErrorCode.None, pending.Topics.Single().Partitions.Single().ErrorCode);

        await using var member = new Consumer(connection, "eos-member");
        var joining = member.SubscribeAsync("eos", topic, new StartPosition.Earliest());
        await Eventually.Async(Within, async () => Assert.Equal(GroupStates.Stable, await GroupStateAsync(connection, "eos")));
        var completed = await cluster.Node(1).Broker.Ask<TransactionalOffsetsCompleted>(new CompleteTransactionalOffsets("eos", 9_000, 0, Commit: true), Within);
        Assert.Equal(ErrorCode.None, completed.Error);
        await joining.WaitAsync(Within);

        var first = (await ReadAsync(member, 1)).Single();
        Assert.Equal((15L, "r15-0"), (first.Offset, Encoding.UTF8.GetString(first.Value!)));
    }

    /// <summary>One broker, two members' connections, and member A alone in group "keepers": it read 20 records of two partitions and committed them.</summary>
    private async Task<GroupOfOne> MemberAloneAsync(Config config, string topic)
    {
        var cluster = await ClusterFixture.StartAsync(1, output);
        var group = new GroupOfOne(cluster, ClusterConnection.Create(cluster.Addresses, config, "member-a"),
            ClusterConnection.Create(cluster.Addresses, config, "member-b"), topic);
        try
        {
            Assert.True((await new AdminClient(group.ConnectionA).CreateTopicAsync(topic, 2)).IsSuccess);
            await ProduceAsync(group.ConnectionA, topic, "first", 20);
            await group.A.SubscribeAsync("keepers", topic, new StartPosition.Earliest()).WaitAsync(Within);
            group.ReadByA.AddRange(await ReadAsync(group.A, 20));
            await group.A.CommitAsync().WaitAsync(Within);
            Assert.Equal([10L, 10L], await CommittedAsync(group.ConnectionA, topic, 2));
            return group;
        }
        catch
        {
            await group.DisposeAsync();
            throw;
        }
    }

    private sealed class GroupOfOne(ClusterFixture cluster, ClusterConnection connectionA, ClusterConnection connectionB, string topic) : IAsyncDisposable
    {
        public ClusterConnection ConnectionA { get; } = connectionA;
        public ClusterConnection ConnectionB { get; } = connectionB;
        public string Topic { get; } = topic;
        public Consumer A { get; } = new(connectionA, "member-a");
        public List<ConsumerRecord> ReadByA { get; } = [];

        public async ValueTask DisposeAsync()
        {
            await A.DisposeAsync();
            await ConnectionB.DisposeAsync();
            await ConnectionA.DisposeAsync();
            await cluster.DisposeAsync();
        }
    }

    private static async Task ProduceAsync(ClusterConnection connection, string topic, string prefix, int count)
    {
        await using var producer = new Producer(connection, Acks.All);
        for (var i = 0; i < count; i++)
            await producer.SendAsync(new ProducerRecord(topic, Encoding.UTF8.GetBytes($"{prefix}-{i}"), Partition: i % 2)).WaitAsync(Within);
    }

    private static async Task<List<ConsumerRecord>> ReadAsync(Consumer consumer, int count)
    {
        var read = new List<ConsumerRecord>();
        using var deadline = new CancellationTokenSource(Within);
        await foreach (var record in consumer.ReadAllAsync(deadline.Token))
        {
            read.Add(record);
            if (read.Count == count) break;
        }
        return read;
    }

    private static async Task<List<long>> CommittedAsync(ClusterConnection connection, string topic, int partitions)
    {
        var response = await connection.Routes.KafkaAsync(null, new OffsetFetchRequestData("keepers", [new OffsetFetchRequestTopic(topic, Enumerable.Range(0, partitions).ToList())]),
            "spec", OffsetFetchResponseData.Read, Within);
        Assert.Equal(ErrorCode.None, response.ErrorCode);
        return response.Topics.Single().Partitions.OrderBy(p => p.PartitionIndex).Select(p => p.CommittedOffset).ToList();
    }
}
