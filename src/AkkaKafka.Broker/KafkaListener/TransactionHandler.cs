using Akka.Actor;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using static AkkaKafka.Protocol.Kafka.Apis.AddPartitionsToTxnResponseData;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// The producer's side of Kafka transactions: AddPartitionsToTxn, AddOffsetsToTxn and EndTxn, each handed to the
/// transaction coordinator singleton (see Transactions/TransactionalIdActor) through this broker, as InitProducerId
/// with a transactional id is. A coordinator that does not answer in time (failing over) is COORDINATOR_NOT_AVAILABLE,
/// which Kafka clients answer by finding the coordinator again and retrying.
/// </summary>
internal static class TransactionHandler
{
    /// <summary>
    /// AddPartitionsToTxn v0–3 (one transaction, the client's) or v4 (a batch, from a broker). Partitions of topics
    /// that do not exist are UNKNOWN_TOPIC_OR_PARTITION and the rest of that transaction OPERATION_NOT_ATTEMPTED, as
    /// Kafka answers, so nothing is added for a partition no marker could ever reach.
    /// </summary>
    public static async Task<AddPartitionsToTxnResponseData> AddPartitionsAsync(KafkaNode node, KafkaRequestContext context, AddPartitionsToTxnRequestData request)
    {
        var metadata = await node.CachedMetadataAsync();
        var results = await Task.WhenAll(request.Transactions.Select(async transaction =>
            new AddPartitionsToTxnResult(transaction.TransactionalId, await AddAsync(node, metadata, context.Version, transaction))));
        return context.Version >= AddPartitionsToTxnRequestData.FirstBatchedVersion
            ? new AddPartitionsToTxnResponseData([], results)
            : new AddPartitionsToTxnResponseData(results.Single().TopicResults, []);
    }

    private static async Task<IReadOnlyList<AddPartitionsToTxnTopicResult>> AddAsync(KafkaNode node, ClusterMetadata metadata, short version,
        AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction transaction)
    {
        var partitions = transaction.Topics.SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Name, p))).ToList();
        var unknown = partitions.Where(p => metadata.Topic(p.Topic) is not { } topic || p.Partition < 0 || p.Partition >= topic.PartitionCount).ToHashSet();
        if (unknown.Count > 0)
            return Results(partitions, p => unknown.Contains(p) ? ErrorCode.UnknownTopicOrPartition : ErrorCode.OperationNotAttempted);

        var asked = new AddPartitionsToTransaction(transaction.TransactionalId, transaction.ProducerId, transaction.ProducerEpoch, partitions, transaction.VerifyOnly);
        var answer = await AskCoordinatorAsync<AddPartitionsToTransactionResult>(node, asked);
        if (answer is null) return Results(partitions, _ => ErrorCode.CoordinatorNotAvailable);
        var errors = answer.Partitions.ToDictionary(p => p.Partition, p => p.Error);
        return Results(partitions, p => ForVersion(errors.GetValueOrDefault(p, ErrorCode.UnknownServerError), version));
    }

    private static IReadOnlyList<AddPartitionsToTxnTopicResult> Results(IReadOnlyList<TopicPartition> partitions, Func<TopicPartition, ErrorCode> error) =>
        partitions.GroupBy(p => p.Topic)
            .Select(topic => new AddPartitionsToTxnTopicResult(topic.Key, topic.Select(p => new AddPartitionsToTxnPartitionResult(p.Partition, error(p))).ToList()))
            .ToList();

    public static async Task<AddOffsetsToTxnResponseData> AddOffsetsAsync(KafkaNode node, KafkaRequestContext context, AddOffsetsToTxnRequestData request)
    {
        var answer = await AskCoordinatorAsync<TransactionRequestResult>(node,
            new AddOffsetsToTransaction(request.TransactionalId, request.ProducerId, request.ProducerEpoch, request.GroupId));
        return new AddOffsetsToTxnResponseData(ForVersion(answer?.Error ?? ErrorCode.CoordinatorNotAvailable, context.Version));
    }

    public static async Task<EndTxnResponseData> EndAsync(KafkaNode node, KafkaRequestContext context, EndTxnRequestData request)
    {
        var answer = await AskCoordinatorAsync<TransactionRequestResult>(node,
            new EndTransaction(request.TransactionalId, request.ProducerId, request.ProducerEpoch, request.Committed));
        return new EndTxnResponseData(ForVersion(answer?.Error ?? ErrorCode.CoordinatorNotAvailable, context.Version));
    }

    /// <summary>PRODUCER_FENCED came with v2 of all three (KIP-588); older clients know the same refusal as INVALID_PRODUCER_EPOCH.</summary>
    private static ErrorCode ForVersion(ErrorCode error, short version) =>
        error == ErrorCode.ProducerFenced && version < 2 ? ErrorCode.InvalidProducerEpoch : error;

    private static async Task<T?> AskCoordinatorAsync<T>(KafkaNode node, ITransactionCommand command) where T : class
    {
        try
        {
            return await node.Broker.Ask<T>(command, node.Broker.RequestTimeout);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or TimeoutException)
        {
            return null;
        }
    }
}
