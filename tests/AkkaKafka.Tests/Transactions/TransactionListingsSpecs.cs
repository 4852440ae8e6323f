using AkkaKafka.Broker.Transactions;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using Xunit;

namespace AkkaKafka.Tests.Transactions;

/// <summary>What DescribeTransactions and ListTransactions answer about transactional ids, as Kafka's coordinator answers. Pure.</summary>
[Trait("Speed", "Fast")]
public sealed class TransactionListingsSpecs
{
    private static readonly DateTime Now = new(2026, 12, 8, 4, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(15);

    private static TransactionState Initialized(string id, long producerId)
    {
        var state = TransactionState.New(id);
        var init = Assert.IsType<TransactionChanged>(state.InitProducerId(60_000, null, MaxTimeout, Now.AddHours(-1), producerId));
        return init.Events.Aggregate(state, (s, e) => s.Apply(e));
    }

    private static TransactionState Ongoing(string id, long producerId, DateTime since) =>
        Initialized(id, producerId).Apply(new TransactionPartitionsAdded([new TopicPartition("orders", 1), new TopicPartition("orders", 0)], since));

    [Fact]
    public void An_ongoing_transaction_is_described_with_its_state_timeout_start_producer_and_partitions()
    {
        var described = TransactionListings.Describe(Ongoing("payments", 42, Now.AddMinutes(-2)));

        Assert.Equal(new TransactionDescription("payments", ErrorCode.None, "Ongoing", 60_000,
            new DateTimeOffset(Now.AddMinutes(-2)).ToUnixTimeMilliseconds(), 42, 0, described.Partitions), described);
        Assert.Equal([new TopicPartition("orders", 0), new TopicPartition("orders", 1)], described.Partitions);
        Assert.Equal((ErrorCode.None, "Empty", -1L), TransactionListings.Describe(Initialized("idle", 43)) is var idle ? (idle.Error, idle.State, idle.StartTimeMs) : default);
    }

    [Fact]
    public void An_id_no_producer_holds_or_one_expired_is_not_found_as_Kafka_hides_Dead_ones()
    {
        Assert.Equal(ErrorCode.TransactionalIdNotFound, TransactionListings.Describe(TransactionState.New("never")).Error);
        Assert.Equal(ErrorCode.TransactionalIdNotFound, TransactionListings.Describe(Initialized("gone", 1).Apply(new TransactionalIdExpired(Now))).Error);
    }

    [Fact]
    public void Listing_filters_by_state_producer_id_and_duration_and_reports_the_state_filters_that_are_no_Kafka_state()
    {
        TransactionDescription[] all =
        [
            TransactionListings.Describe(Ongoing("long", 1, Now.AddMinutes(-10))),
            TransactionListings.Describe(Ongoing("short", 2, Now.AddSeconds(-5))),
            TransactionListings.Describe(Initialized("idle", 3)),
            TransactionListings.NotFound("never"),
        ];

        Assert.Equal(["idle", "long", "short"], Ids(TransactionListings.List(all, new ListTransactions([], []), Now)));
        Assert.Equal(["long", "short"], Ids(TransactionListings.List(all, new ListTransactions(["Ongoing"], []), Now)));
        Assert.Equal(["idle", "short"], Ids(TransactionListings.List(all, new ListTransactions([], [2, 3]), Now)));
        // Running longer than a minute: the long one, and (as Kafka counts it) one with no transaction open.
        Assert.Equal(["idle", "long"], Ids(TransactionListings.List(all, new ListTransactions([], [], 60_000), Now)));
        var unknown = TransactionListings.List(all, new ListTransactions(["Ongoing", "Bogus", "PrepareEpochFence"], []), Now);
        Assert.Equal(["Bogus"], unknown.UnknownStates);
        Assert.Equal(["long", "short"], Ids(unknown));
    }

    private static List<string> Ids(TransactionListing listing) => listing.Transactions.Select(t => t.TransactionalId).ToList();
}
