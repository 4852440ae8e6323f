using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Transactions;

/// <summary>
/// What DescribeTransactions and ListTransactions answer about transactional ids, as Kafka's coordinator answers
/// (TransactionCoordinator.handleDescribeTransactions, TransactionStateManager.listTransactionStates). Pure.
/// </summary>
public static class TransactionListings
{
    /// <summary>Kafka's state names: those of <see cref="TransactionStatus"/> and PrepareEpochFence, which this coordinator never is in (it fences in one step).</summary>
    private static readonly HashSet<string> KnownStates =
        [.. Enum.GetNames<TransactionStatus>(), "PrepareEpochFence"];

    public static TransactionDescription NotFound(string transactionalId) =>
        new(transactionalId, ErrorCode.TransactionalIdNotFound, "", 0, -1, -1, -1, []);

    /// <summary>
    /// The id's state for DescribeTransactions: TRANSACTIONAL_ID_NOT_FOUND when no producer holds it (never initialized,
    /// or Dead: being expired, as Kafka hides it), else the state with the transaction's start (-1 when none is open).
    /// </summary>
    public static TransactionDescription Describe(TransactionState state) => !state.HasProducer
        ? NotFound(state.TransactionalId)
        : new(state.TransactionalId, ErrorCode.None, state.Status.ToString(), state.TimeoutMs,
            state.StartedAt is { } started ? new DateTimeOffset(started, TimeSpan.Zero).ToUnixTimeMilliseconds() : -1,
            state.ProducerId, state.ProducerEpoch, state.Partitions.ToList());

    /// <summary>
    /// ListTransactions over the ids described: those not found are left out (as Kafka leaves Dead ones out), then the
    /// producer id, state and duration filters (a transaction runs longer than the duration when it started more than
    /// that long before <paramref name="now"/>; one with no open transaction counts as started at -1, as Kafka's does),
    /// sorted by id. State filters that are no Kafka state are reported, and match nothing.
    /// </summary>
    public static TransactionListing List(IEnumerable<TransactionDescription> described, ListTransactions request, DateTime now)
    {
        var unknown = request.States.Where(s => !KnownStates.Contains(s)).Distinct().ToList();
        var nowMs = new DateTimeOffset(now, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var listed = described
            .Where(d => d.Error == ErrorCode.None)
            .Where(d => request.ProducerIds.Count == 0 || request.ProducerIds.Contains(d.ProducerId))
            .Where(d => request.States.Count == 0 || request.States.Contains(d.State))
            .Where(d => request.DurationFilterMs < 0 || nowMs - d.StartTimeMs > request.DurationFilterMs)
            .OrderBy(d => d.TransactionalId, StringComparer.Ordinal)
            .Select(d => new ListedTransaction(d.TransactionalId, d.ProducerId, d.State))
            .ToList();
        return new TransactionListing(ErrorCode.None, unknown, listed);
    }
}
