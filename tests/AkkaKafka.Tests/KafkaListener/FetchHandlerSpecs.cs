using AkkaKafka.Broker;
using AkkaKafka.Broker.Hosting;
using AkkaKafka.Broker.KafkaListener;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Tests.KafkaClients;
using AkkaKafka.Tests.MultiNode.Support;
using Xunit;

namespace AkkaKafka.Tests.KafkaListener;

/// <summary>
/// Kafka's Fetch as the one handler both transports call, specified without an ActorSystem: the broker's partitions
/// are answered here (what each partition holds now; a parked fetch answered when the spec "produces").
/// </summary>
[Trait("Speed", "Fast")]
public sealed class FetchHandlerSpecs
{
    private static readonly BrokerSettings Settings = new(BrokerConfig.Reference());
    private static readonly KafkaListenerSettings Kafka = new(BrokerConfig.Reference());

    /// <summary>Stands in for the partition owners: stored records per partition, and fetches parked at the log end.</summary>
    private sealed class Partitions
    {
        public readonly Dictionary<int, byte[]> Stored = new();
        public readonly List<(FetchRequest Request, TaskCompletionSource<object> Answer)> Parked = [];
        public readonly List<FetchRequest> Asked = [];

        public Task<object> Ask(object message, TimeSpan timeout)
        {
            var fetch = (FetchRequest)((ForwardedRequest)message).Request;
            lock (Asked) Asked.Add(fetch);
            if (Stored.TryGetValue(fetch.Partition, out var records) || fetch.MaxWaitMs == 0)
                return Task.FromResult<object>(Answer(fetch, records ?? []));
            var parked = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (Parked) Parked.Add((fetch, parked));
            return parked.Task;
        }

        public void Produce(int partition, byte[] records)
        {
            lock (Parked)
                foreach (var (fetch, answer) in Parked.Where(p => p.Request.Partition == partition).ToList())
                    answer.TrySetResult(Answer(fetch, records));
        }

        private static FetchResponse Answer(FetchRequest fetch, byte[] records) =>
            new(fetch.Topic, fetch.Partition, ErrorCode.None, records.Length == 0 ? 0 : 1, 0, records);
    }

    private static KafkaNode NodeOver(Partitions partitions) =>
        new(new BrokerGateway(partitions.Ask, _ => { }, TimeSpan.FromSeconds(10)), Settings, Kafka, "127.0.0.1:1");  // a name only: nothing binds or connects here

    private static KafkaRequestContext Context(short version = 11) => new(new RequestHeader(ApiKey.Fetch, version, 1, "spec"), "127.0.0.1:2");

    private static FetchRequestData Fetch(int maxWaitMs, int minBytes, int maxBytes, params int[] partitions) =>
        new(-1, maxWaitMs, minBytes, [new("t", partitions.Select(p => new FetchRequestData.FetchPartition(p, 0, 1 << 20)).ToList())], maxBytes);

    [Fact]
    public async Task The_answer_lists_partitions_in_request_order_and_stops_adding_records_at_max_bytes_after_the_first_batch()
    {
        var partitions = new Partitions();
        var batch = KafkaWireConnection.Batch(new string('x', 600));
        partitions.Stored[0] = batch;
        partitions.Stored[1] = batch;
        partitions.Stored[2] = batch;

        var answer = await FetchHandler.HandleAsync(NodeOver(partitions), Context(), Fetch(0, 1, batch.Length + 10, 2, 0, 1));

        var answered = Assert.Single(answer.Responses).Partitions;
        Assert.Equal([2, 0, 1], answered.Select(p => p.PartitionIndex));
        // KIP-74: the first batch goes whatever max_bytes says; the next ones only while they fit.
        Assert.Equal([batch.Length, 0, 0], answered.Select(p => p.Records?.Length ?? 0));
    }

    [Fact]
    public async Task A_fetch_with_nothing_to_read_waits_and_answers_as_soon_as_a_partition_gets_records()
    {
        var partitions = new Partitions();
        var pending = FetchHandler.HandleAsync(NodeOver(partitions), Context(), Fetch(maxWaitMs: 30_000, minBytes: 1, maxBytes: 1 << 20, 0, 1));

        await Eventually.Async(TimeSpan.FromSeconds(10), () =>
        {
            lock (partitions.Parked) Assert.Equal(2, partitions.Parked.Count);
            return Task.CompletedTask;
        });
        Assert.False(pending.IsCompleted);
        partitions.Produce(1, KafkaWireConnection.Batch("new"));

        var answer = await pending.WaitAsync(TimeSpan.FromSeconds(10));
        var answered = Assert.Single(answer.Responses).Partitions;
        Assert.Equal(0, answered.Single(p => p.PartitionIndex == 0).Records?.Length ?? 0);
        Assert.True(answered.Single(p => p.PartitionIndex == 1).Records?.Length > 0);
    }

    [Fact]
    public async Task Versions_before_4_are_answered_unsupported_per_partition_without_asking_the_owners()
    {
        var partitions = new Partitions();

        var answer = await FetchHandler.HandleAsync(NodeOver(partitions), Context(version: 3), Fetch(0, 1, 1 << 20, 0));

        Assert.Equal(ErrorCode.UnsupportedVersion, Assert.Single(Assert.Single(answer.Responses).Partitions).ErrorCode);
        Assert.Empty(partitions.Asked);
    }
}
