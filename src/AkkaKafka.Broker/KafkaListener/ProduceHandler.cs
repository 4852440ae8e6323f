using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;
using static AkkaKafka.Protocol.Kafka.Apis.ProduceResponseData;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// Kafka Produce v3–8: each partition's batch goes to the partition's owner as it came (the PartitionActor
/// validates them, writes base offset and leader epoch into the header and persists them), acknowledged after the
/// journal write. A refused partition's answer carries the reason (v8's error_message: the journal's own words, the
/// idempotence rule that was broken), which Kafka's clients log and the Akka producer prints. acks=0 gets no answer at
/// all, as in Kafka, on either transport. The transactional_id travels with each batch: the owner verifies a
/// transactional batch with that id's coordinator first (KIP-890 part 1, see PartitionState.Produce). v0–2 (magic 0/1 message sets) are answered UNSUPPORTED_VERSION per partition.
/// </summary>
internal static class ProduceHandler
{
    public static async Task<ProduceResponseData?> HandleAsync(KafkaNode node, KafkaRequestContext context, ProduceRequestData request)
    {
        if (context.Version < 3) return Uniform(request, ErrorCode.UnsupportedVersion);
        if (request.Acks is not (0 or 1 or -1)) return Uniform(request, ErrorCode.InvalidRequiredAcks);
        var acks = (Acks)request.Acks;
        // Kafka's timeout_ms bounds the wait for acknowledgement; never wait less than the broker would for its own clients.
        var timeout = TimeSpan.FromMilliseconds(Math.Clamp(request.TimeoutMs, (int)node.Broker.RequestTimeout.TotalMilliseconds, 300_000));

        var topics = request.Topics.Select(async topic => new TopicProduceResponse(topic.Name,
            await Task.WhenAll(topic.Partitions.Select(p => ProducePartitionAsync(node, context, topic.Name, p, acks, timeout, request.TransactionalId))))).ToList();
        var responses = await Task.WhenAll(topics);
        return acks == Acks.None ? null : new ProduceResponseData(responses);
    }

    private static async Task<PartitionProduceResponse> ProducePartitionAsync(KafkaNode node, KafkaRequestContext context, string topic,
        ProduceRequestData.PartitionProduceData partition, Acks acks, TimeSpan timeout, string? transactionalId)
    {
        // Kafka (ReplicaManager.appendToLocalLog): "Cannot append to internal topic"; only the brokers write them.
        if (InternalTopics.IsInternal(topic))
            return Refused(partition, ErrorCode.InvalidTopic, InternalTopics.WriteRefused(topic));
        if (partition.Records is not { } records)
            return Refused(partition, ErrorCode.CorruptMessage, "no records");
        if (RecordBatches.Split(records, out var batches) is { } corrupt)
            return Refused(partition, ErrorCode.CorruptMessage, corrupt);
        // As Kafka (ProduceRequest.validateRecords): a v3+ produce carries exactly one batch per partition.
        if (batches.Count != 1)
            return Refused(partition, ErrorCode.InvalidRecord, $"a produce carries exactly one record batch per partition, not {batches.Count}");
        // Kafka's message.max.bytes, checked here as well as by the owner: a batch the owner would refuse must not
        // travel to it over remoting, whose frames are only so large.
        if (batches[0].Length > node.Settings.MaxBatchBytes)
            return Refused(partition, ErrorCode.MessageTooLarge,
                $"the record batch is {batches[0].Length} bytes, larger than the broker's max-batch-bytes ({node.Settings.MaxBatchBytes})");

        var produce = new ProduceRequest(topic, partition.PartitionIndex, batches[0], acks, context.ClientId, context.ClientAddress, transactionalId);
        if (acks == Acks.None)
        {
            node.Broker.Tell(new ForwardedRequest(produce));
            return new PartitionProduceResponse(partition.PartitionIndex, ErrorCode.None, -1);
        }
        var response = await node.AskOwnerAsync<ProduceResponse>(produce, timeout);
        return response.Error == ErrorCode.None
            ? new PartitionProduceResponse(partition.PartitionIndex, ErrorCode.None, response.BaseOffset, response.LogAppendTime)
            : Refused(partition, response.Error, response.ErrorMessage);
    }

    private static PartitionProduceResponse Refused(ProduceRequestData.PartitionProduceData partition, ErrorCode error, string? reason) =>
        new(partition.PartitionIndex, error, -1, ErrorMessage: reason);

    private static ProduceResponseData Uniform(ProduceRequestData request, ErrorCode error) =>
        new(request.Topics.Select(t => new TopicProduceResponse(t.Name,
            t.Partitions.Select(p => new PartitionProduceResponse(p.PartitionIndex, error, -1)).ToList())).ToList());
}
