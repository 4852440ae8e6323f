using System.Text;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Records;
using Xunit;
using ErrorCode = AkkaKafka.Protocol.ErrorCode;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// KIP-890 part 1 on the wire, against a real broker with its transaction coordinator: a transactional batch is written
/// only when the coordinator knows the partition is in the producer's ongoing transaction. A batch of a producer id the
/// coordinator gave to a transactional id, but for a partition never added to a transaction, is refused with
/// INVALID_TXN_STATE; one naming a transactional id no producer holds with INVALID_PRODUCER_ID_MAPPING; one with no
/// transactional id with TRANSACTIONAL_ID_AUTHORIZATION_FAILED; and none of them holds the last stable offset back (a
/// read_committed consumer would otherwise stop there for ever). An idempotent producer's batch is untouched.
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class TransactionVerificationSpecs(KafkaBroker broker) : IClassFixture<KafkaBroker>
{
    private const string Topic = "txn-verification";
    private const short ProduceVersion = 7;
    private const short InitProducerIdVersion = 4;
    private const short ListOffsetsVersion = 5;
    private int _correlationId;

    [Fact]
    public async Task A_transactional_batch_the_coordinator_does_not_know_is_refused_and_the_last_stable_offset_stays_at_the_high_watermark()
    {
        await broker.CreateTopic(Topic, 1);
        using var wire = await KafkaWireConnection.OpenAsync(broker.Cluster.KafkaPorts[0]);
        var idempotent = await InitProducerIdAsync(wire, null);
        var transactional = await InitProducerIdAsync(wire, "txn-verification-1");
        var forger = await InitProducerIdAsync(wire, null);

        Assert.Equal(ErrorCode.None, await ProduceAsync(wire, null, Batch(idempotent, transactionalBatch: false, "plain")));
        Assert.Equal(ErrorCode.InvalidTxnState, await ProduceAsync(wire, "txn-verification-1", Batch(transactional, transactionalBatch: true, "never added")));
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, await ProduceAsync(wire, "nobody-holds-this-id", Batch(forger, transactionalBatch: true, "forged")));
        Assert.Equal(ErrorCode.TransactionalIdAuthorizationFailed, await ProduceAsync(wire, null, Batch(forger, transactionalBatch: true, "anonymous")));
        // The idempotent producer goes on as before: its next sequence is accepted.
        Assert.Equal(ErrorCode.None, await ProduceAsync(wire, null, Batch(idempotent with { Sequence = 1 }, transactionalBatch: false, "plain-2")));

        Assert.Equal((2L, 2L), (await LatestAsync(wire, readCommitted: false), await LatestAsync(wire, readCommitted: true)));
    }

    private readonly record struct Producer(long Id, short Epoch, int Sequence);

    private async Task<Producer> InitProducerIdAsync(KafkaWireConnection wire, string? transactionalId)
    {
        var init = await wire.AskAsync(ApiKey.InitProducerId, InitProducerIdVersion, ++_correlationId, new InitProducerIdRequestData(transactionalId, 60_000),
            (ref KafkaReader r) => InitProducerIdResponseData.Read(ref r, InitProducerIdVersion));
        Assert.Equal(ErrorCode.None, init.ErrorCode);
        return new Producer(init.ProducerId, init.ProducerEpoch, 0);
    }

    private static byte[] Batch(Producer producer, bool transactionalBatch, string value)
    {
        var builder = new RecordBatchBuilder();
        builder.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, Encoding.UTF8.GetBytes(value));
        var batch = builder.Build(producer: new ProducerFields(producer.Id, producer.Epoch, producer.Sequence));
        return transactionalBatch ? ControlRecords.Transactional(batch) : batch;
    }

    private async Task<ErrorCode> ProduceAsync(KafkaWireConnection wire, string? transactionalId, byte[] batch)
    {
        var response = await wire.AskAsync(ApiKey.Produce, ProduceVersion, ++_correlationId,
            new ProduceRequestData(-1, 30_000, [new(Topic, [new(0, batch)])], transactionalId),
            (ref KafkaReader r) => ProduceResponseData.Read(ref r, ProduceVersion));
        return response.Responses.Single().Partitions.Single().ErrorCode;
    }

    /// <summary>ListOffsets latest: the high watermark, or for read_committed the last stable offset.</summary>
    private async Task<long> LatestAsync(KafkaWireConnection wire, bool readCommitted)
    {
        var response = await wire.AskAsync(ApiKey.ListOffsets, ListOffsetsVersion, ++_correlationId,
            new ListOffsetsRequestData(-1, [new(Topic, [new(0, -1)])], readCommitted ? (sbyte)1 : (sbyte)0),
            (ref KafkaReader r) => ListOffsetsResponseData.Read(ref r, ListOffsetsVersion));
        var partition = response.Topics.Single().Partitions.Single();
        Assert.Equal(ErrorCode.None, partition.ErrorCode);
        return partition.Offset;
    }
}
