using System.Text;
using Akka.Actor;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;
using AkkaKafka.Tests.MultiNode.Support;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.MultiNode;

/// <summary>
/// Idempotence across failures in a three-node cluster: a batch retried after its partition's owner crashed (its
/// first try written, the answer lost) is answered with its first offset by the new owner and not written again; and
/// producer ids never repeat when the controller moves.
/// </summary>
[Collection(MultiNodeCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class IdempotentFailoverSpecs(ITestOutputHelper output)
{
    private const string Topic = "idempotent-failover";
    private const int Partitions = 6;

    private static async Task<InitProducerIdResult> InitProducerIdAsync(ClusterFixture cluster, int via)
    {
        // While the controller moves, a broker answers COORDINATOR_NOT_AVAILABLE in its place (retriable): ask again.
        return await Eventually.Async(TimeSpan.FromSeconds(30), async () =>
        {
            var result = await cluster.Node(via).Broker.Ask<InitProducerIdResult>(new InitProducerId(), BrokerRequests.AskTimeout);
            Assert.Equal(ErrorCode.None, result.Error);
            return result;
        });
    }

    private static ProduceRequest Idempotent(int partition, InitProducerIdResult producer, int sequence, params string[] values)
    {
        var builder = new RecordBatchBuilder();
        foreach (var value in values) builder.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, Encoding.UTF8.GetBytes(value));
        var batch = builder.Build(producer: new ProducerFields(producer.ProducerId, producer.ProducerEpoch, sequence));
        return new ProduceRequest(Topic, partition, batch, Acks.All, "idempotent-spec");
    }

    [Fact]
    public async Task A_batch_retried_after_its_owner_crashed_is_answered_with_its_first_offset_by_the_new_owner_and_stored_once()
    {
        await using var cluster = await ClusterFixture.StartAsync(3, output);
        Assert.True((await cluster.Node(1).CreateTopicAsync(Topic, Partitions)).IsSuccess);
        var owners = await cluster.AwaitOwnersAsync(Topic, via: 1);
        await cluster.AwaitServedEverywhereAsync(Topic, Partitions);
        var partition = owners.First(o => o.Value == 3).Key;
        var producer = await InitProducerIdAsync(cluster, via: 1);
        var first = Idempotent(partition, producer, 0, "a", "b");
        var second = Idempotent(partition, producer, 2, "c");
        Assert.Equal(0, (await cluster.Node(1).Broker.Ask<ProduceResponse>(first, BrokerRequests.AskTimeout)).BaseOffset);
        Assert.Equal(2, (await cluster.Node(1).Broker.Ask<ProduceResponse>(second, BrokerRequests.AskTimeout)).BaseOffset);

        await cluster.CrashAsync(3);
        await cluster.AwaitOwnersAsync(Topic, via: 1, owners => Assert.NotEqual(3, owners[partition]), TimeSpan.FromSeconds(30));

        // The retry of the last batch, as a producer that never heard its answer sends it.
        var retry = await Eventually.Async(TimeSpan.FromSeconds(30), async () =>
        {
            var answer = await cluster.Node(1).Broker.Ask<ProduceResponse>(second, BrokerRequests.AskTimeout);
            Assert.Equal(ErrorCode.None, answer.Error);
            return answer;
        });

        Assert.Equal(2, retry.BaseOffset);
        Assert.Equal(["a", "b", "c"], (await cluster.Node(2).ReadPartitionAsync(Topic, partition)).Select(r => r.Value));
    }

    [Fact]
    public async Task Producer_ids_never_repeat_when_the_controller_moves()
    {
        await using var cluster = await ClusterFixture.StartAsync(3, output);
        var before = new List<long>();
        for (var i = 0; i < 3; i++) before.Add((await InitProducerIdAsync(cluster, via: 2)).ProducerId);

        await cluster.StopGracefullyAsync(1); // the oldest node: the controller moves to node 2

        var after = (await InitProducerIdAsync(cluster, via: 2)).ProducerId;
        Assert.DoesNotContain(after, before);
        Assert.True(after > before.Max(), $"the new controller handed out {after}, not above {before.Max()}");
    }
}
