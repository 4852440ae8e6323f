using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;

namespace AkkaKafka.Client;

/// <summary>One transactional id as kafka-transactions.sh list shows it: the coordinator is the broker that answered for it.</summary>
public sealed record TransactionListingRow(string TransactionalId, int Coordinator, long ProducerId, string State);

/// <summary>One transactional id as kafka-transactions.sh describe shows it (start and partitions only while a transaction is open).</summary>
public sealed record TransactionDetails(int Coordinator, string TransactionalId, long ProducerId, short ProducerEpoch, string State,
    int TimeoutMs, long? StartTimeMs, IReadOnlyList<TopicPartition> Partitions);

/// <summary>Transactions, as Kafka's kafka-transactions tool reads them: ListTransactions, DescribeTransactions, DescribeProducers.</summary>
public sealed partial class AdminClient
{
    /// <summary>
    /// Every transactional id the coordinator knows (only those the user may describe), optionally only transactions
    /// running longer than <paramref name="durationFilterMs"/> (ListTransactions v1; -1: all).
    /// </summary>
    public async Task<IReadOnlyList<TransactionListingRow>> ListTransactionsAsync(long durationFilterMs = -1, CancellationToken ct = default)
    {
        var response = await UntilCoordinatorAnswersAsync(null, new ListTransactionsRequestData([], [], durationFilterMs),
            ListTransactionsResponseData.Read, r => r.ErrorCode, "list transactions", ct);
        if (response.ErrorCode != ErrorCode.None) throw Refusal(response.ErrorCode, "could not list transactions", null);
        var rows = new List<TransactionListingRow>();
        foreach (var t in response.TransactionStates)
            rows.Add(new TransactionListingRow(t.TransactionalId, await TransactionCoordinatorAsync(t.TransactionalId, ct), t.ProducerId, t.State));
        return rows;
    }

    /// <summary>The coordinator's state of one transactional id; TRANSACTIONAL_ID_NOT_FOUND (and any other refusal) as a <see cref="KafkaException"/>.</summary>
    public async Task<TransactionDetails> DescribeTransactionAsync(string transactionalId, CancellationToken ct = default)
    {
        var response = await UntilCoordinatorAnswersAsync(null, new DescribeTransactionsRequestData([transactionalId]),
            DescribeTransactionsResponseData.Read, r => r.TransactionStates.Single().ErrorCode, "describe transactions", ct);
        var state = response.TransactionStates.Single();
        if (state.ErrorCode != ErrorCode.None) throw Refusal(state.ErrorCode, $"could not describe transactional id '{transactionalId}'", ("describe", transactionalId));
        return new TransactionDetails(await TransactionCoordinatorAsync(transactionalId, ct), transactionalId, state.ProducerId, state.ProducerEpoch,
            state.State, state.TransactionTimeoutMs, state.TransactionStartTimeMs >= 0 ? state.TransactionStartTimeMs : null,
            state.Topics.SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Topic, p))).ToList());
    }

    /// <summary>The producers with state on one partition (Kafka's DescribeProducers), as its owner has them.</summary>
    public async Task<IReadOnlyList<DescribeProducersResponseData.ProducerState>> DescribeProducersAsync(string topic, int partition, CancellationToken ct = default)
    {
        var response = await KafkaAsync(new DescribeProducersRequestData([new(topic, [partition])]), DescribeProducersResponseData.Read, ct);
        var answer = response.Topics.Single().Partitions.Single();
        if (answer.ErrorCode != ErrorCode.None)
            throw Refusal(answer.ErrorCode, $"could not describe the producers of {topic}-{partition}", ("read", topic));
        return answer.ActiveProducers;
    }

    /// <summary>FindCoordinator with key type 1: the node id of the broker that coordinates <paramref name="transactionalId"/>.</summary>
    private async Task<int> TransactionCoordinatorAsync(string transactionalId, CancellationToken ct)
    {
        var found = await KafkaAsync(new FindCoordinatorRequestData(transactionalId, FindCoordinatorRequestData.TransactionKeyType), FindCoordinatorResponseData.Read, ct);
        return found.ErrorCode == ErrorCode.None ? found.NodeId : throw Refusal(found.ErrorCode, $"could not find the coordinator of transactional id '{transactionalId}'", ("describe", transactionalId));
    }
}
