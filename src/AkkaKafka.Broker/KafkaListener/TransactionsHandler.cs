using Akka.Actor;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// Kafka's DescribeTransactions and ListTransactions, answered by the transaction coordinator (the cluster singleton,
/// reached through this broker: see Transactions/TransactionCoordinatorActor). A coordinator that does not answer in
/// time (failing over) is COORDINATOR_NOT_AVAILABLE, which Kafka's admin client retries.
/// </summary>
internal static class TransactionsHandler
{
    public static async Task<DescribeTransactionsResponseData> DescribeAsync(KafkaNode node, DescribeTransactionsRequestData request)
    {
        var states = await Task.WhenAll(request.TransactionalIds.Select(async id =>
        {
            var described = await AskAsync(node, new DescribeTransaction(id),
                () => new TransactionDescription(id, ErrorCode.CoordinatorNotAvailable, "", 0, -1, -1, -1, []));
            return new DescribeTransactionsResponseData.TransactionState(described.Error, id, described.State, described.TimeoutMs,
                described.StartTimeMs, described.ProducerId, described.ProducerEpoch,
                described.Partitions.GroupBy(p => p.Topic)
                    .Select(t => new DescribeTransactionsResponseData.TopicData(t.Key, t.Select(p => p.Partition).ToList())).ToList());
        }));
        return new DescribeTransactionsResponseData(states);
    }

    public static async Task<ListTransactionsResponseData> ListAsync(KafkaNode node, ListTransactionsRequestData request)
    {
        var listing = await AskAsync(node, new ListTransactions(request.StateFilters, request.ProducerIdFilters, request.DurationFilterMs),
            () => new TransactionListing(ErrorCode.CoordinatorNotAvailable, [], []));
        return new ListTransactionsResponseData(listing.Error, listing.UnknownStates,
            listing.Transactions.Select(t => new ListTransactionsResponseData.TransactionState(t.TransactionalId, t.ProducerId, t.State)).ToList());
    }

    private static async Task<T> AskAsync<T>(KafkaNode node, IAkkaKafkaMessage ask, Func<T> unavailable)
    {
        try
        {
            return await node.Broker.Ask<T>(ask, node.Broker.RequestTimeout);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or TimeoutException)
        {
            return unavailable();
        }
    }
}
