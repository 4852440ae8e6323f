using System.Text;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Records;
using Confluent.Kafka;
using Xunit;
using ErrorCode = AkkaKafka.Protocol.ErrorCode;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// Kafka's idempotent producer on the Kafka listener: InitProducerId hands out a producer id, a batch sent twice is
/// stored once and answered with the same offset both times, a gap is OUT_OF_ORDER_SEQUENCE_NUMBER, an old epoch is
/// fenced, a transactional id's producers get the transaction coordinator's id with the epoch bumped; and Confluent.Kafka with EnableIdempotence = true works end to end.
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class IdempotentProducerSpecs(KafkaBroker broker) : IClassFixture<KafkaBroker>
{
    private const short InitProducerIdVersion = 4;
    private const short ProduceVersion = 7;

    private string Bootstrap => broker.KafkaBootstrap;

    private static async Task<InitProducerIdResponseData> InitProducerIdAsync(KafkaWireConnection wire, int correlationId, string? transactionalId = null) =>
        await wire.AskAsync(ApiKey.InitProducerId, InitProducerIdVersion, correlationId, new InitProducerIdRequestData(transactionalId, 60000),
            (ref KafkaReader r) => InitProducerIdResponseData.Read(ref r, InitProducerIdVersion));

    private static byte[] Batch(long producerId, short epoch, int sequence, params string[] values)
    {
        var builder = new RecordBatchBuilder();
        foreach (var value in values) builder.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, Encoding.UTF8.GetBytes(value));
        return builder.Build(producer: new ProducerFields(producerId, epoch, sequence));
    }

    private static async Task<ProduceResponseData.PartitionProduceResponse> ProduceAsync(KafkaWireConnection wire, int correlationId, string topic, byte[] batch)
    {
        var request = new ProduceRequestData(-1, 30000, [new(topic, [new(0, batch)])]);
        var response = await wire.AskAsync(ApiKey.Produce, ProduceVersion, correlationId, request, (ref KafkaReader r) => ProduceResponseData.Read(ref r, ProduceVersion));
        return response.Responses.Single().Partitions.Single();
    }

    [Fact]
    public async Task The_same_idempotent_batch_sent_twice_gets_the_same_offset_twice_and_is_stored_once()
    {
        await broker.CreateTopic("idem-wire", 1);
        using var wire = await KafkaWireConnection.OpenAsync(broker.Cluster.KafkaPorts[0]);
        var producer = await InitProducerIdAsync(wire, 1);
        Assert.Equal(ErrorCode.None, producer.ErrorCode);
        Assert.True(producer.ProducerId >= 0);

        var batch = Batch(producer.ProducerId, producer.ProducerEpoch, 0, "a", "b", "c");
        var first = await ProduceAsync(wire, 2, "idem-wire", batch);
        var retry = await ProduceAsync(wire, 3, "idem-wire", batch);

        Assert.Equal((ErrorCode.None, 0L), (first.ErrorCode, first.BaseOffset));
        Assert.Equal((ErrorCode.None, 0L), (retry.ErrorCode, retry.BaseOffset));
        Assert.Equal(3, ConfluentClients.LogEnds(Bootstrap, "idem-wire", 1)[0]);
    }

    [Fact]
    public async Task A_gap_in_the_sequence_is_out_of_order_and_an_older_epoch_is_fenced()
    {
        await broker.CreateTopic("idem-gap", 1);
        using var wire = await KafkaWireConnection.OpenAsync(broker.Cluster.KafkaPorts[0]);
        var producer = await InitProducerIdAsync(wire, 1);
        var id = producer.ProducerId;
        Assert.Equal(ErrorCode.None, (await ProduceAsync(wire, 2, "idem-gap", Batch(id, 0, 0, "a"))).ErrorCode);

        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, (await ProduceAsync(wire, 3, "idem-gap", Batch(id, 0, 5, "gap"))).ErrorCode);
        Assert.Equal(ErrorCode.None, (await ProduceAsync(wire, 4, "idem-gap", Batch(id, 1, 0, "new epoch"))).ErrorCode);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, (await ProduceAsync(wire, 5, "idem-gap", Batch(id, 0, 1, "zombie"))).ErrorCode);
        Assert.Equal(2, ConfluentClients.LogEnds(Bootstrap, "idem-gap", 1)[0]);
    }

    [Fact]
    public async Task Producer_ids_never_repeat_and_each_producer_of_a_transactional_id_gets_its_id_with_the_epoch_bumped()
    {
        using var wire = await KafkaWireConnection.OpenAsync(broker.Cluster.KafkaPorts[0]);
        var ids = new List<long>();
        for (var i = 0; i < 5; i++) ids.Add((await InitProducerIdAsync(wire, i + 1)).ProducerId);

        Assert.Equal(5, ids.Distinct().Count());
        var first = await InitProducerIdAsync(wire, 10, "tx-1");
        var second = await InitProducerIdAsync(wire, 11, "tx-1");
        Assert.Equal((ErrorCode.None, (short)0), (first.ErrorCode, first.ProducerEpoch));
        Assert.DoesNotContain(first.ProducerId, ids);
        Assert.Equal((ErrorCode.None, first.ProducerId, (short)1), (second.ErrorCode, second.ProducerId, second.ProducerEpoch));
    }

    [Fact]
    public async Task Confluent_Kafka_with_idempotence_writes_every_keyed_record_once_in_per_key_order()
    {
        const int count = 3000;
        await broker.CreateTopic("idem-confluent", 3);
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig
               {
                   BootstrapServers = Bootstrap,
                   EnableIdempotence = true,
                   Acks = Confluent.Kafka.Acks.All,
                   MaxInFlight = 5,
                   Partitioner = Partitioner.Murmur2Random,
                   LingerMs = 5,
                   MessageTimeoutMs = 60000,
               }).Build())
        {
            ConfluentClients.ProduceKeyed(producer, "idem-confluent", 1, count, broker.Diagnostics);
        }

        var read = ReadAll("idem-confluent", 3, count);

        Assert.Equal(Enumerable.Range(1, count), read.Select(r => int.Parse(r.Message.Value)).Order());
        // Each key's records in the order they were sent: their values grow with their offsets.
        foreach (var key in read.GroupBy(r => r.Message.Key))
        {
            var values = key.OrderBy(r => r.Offset.Value).Select(r => int.Parse(r.Message.Value)).ToList();
            Assert.Equal(values.Order(), values);
        }
    }

    /// <summary>Every record of the topic, read from the start of each partition until the log ends are reached.</summary>
    private List<ConsumeResult<string, string>> ReadAll(string topic, int partitions, int expected)
    {
        var ends = ConfluentClients.LogEnds(Bootstrap, topic, partitions);
        using var consumer = new ConsumerBuilder<string, string>(GroupMember.Config(Bootstrap, "idem-" + Guid.NewGuid().ToString("N"))).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var records = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var position = Enumerable.Range(0, partitions).ToDictionary(p => p, _ => 0L);
        while (position.Any(p => p.Value < ends[p.Key]) && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is not { IsPartitionEOF: false, Message: not null } result) continue;
            records.Add(result);
            position[result.Partition.Value] = result.Offset.Value + 1;
        }
        Assert.True(ends.Values.Sum() == expected, $"log ends {string.Join(",", ends.Values)} hold {ends.Values.Sum()} records, expected {expected}\n{broker.Diagnostics()}");
        return records;
    }
}
