using System.Text;
using AkkaKafka.Client.Consumer;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;
using AkkaKafka.Tests.Support;
using Xunit;

namespace AkkaKafka.Tests.Client;

/// <summary>
/// Which records of a fetch answer the Akka consumer hands to the application, as Kafka's consumer picks them:
/// never a transaction marker; with read_committed, never a record of an aborted transaction; and the next fetch
/// position past everything read, markers and skipped batches included.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class FetchedRecordsSpecs
{
    private const long Committer = 7;
    private const long Aborter = 8;

    private static byte[] Plain(long offset, string value) => Batches.Of(offset, value);

    private static byte[] Transactional(long offset, long producerId, params string[] values) =>
        Batches.Transactional(offset, producerId, 0, (int)offset, values);

    private static byte[] Marker(long offset, long producerId, TransactionResult result) => Batches.Marker(offset, producerId, 0, result);

    /// <summary>
    /// 0 plain, 1-2 committed, 3 aborted, 4 plain, 5 commit marker, 6 abort marker, 7 aborted again (a second aborted
    /// transaction of the same producer, listed separately), 8 abort marker, 9 plain.
    /// </summary>
    private static readonly byte[] Log = FetchBatchesOf(
        Plain(0, "plain-0"), Transactional(1, Committer, "committed-0", "committed-1"), Transactional(3, Aborter, "aborted-0"),
        Plain(4, "plain-1"), Marker(5, Committer, TransactionResult.Commit), Marker(6, Aborter, TransactionResult.Abort),
        Transactional(7, Aborter, "aborted-1"), Marker(8, Aborter, TransactionResult.Abort), Plain(9, "plain-2"));

    private static readonly FetchResponseData.AbortedTransaction[] Aborted = [new(Aborter, 7), new(Aborter, 3)];

    private static byte[] FetchBatchesOf(params byte[][] batches) => batches.SelectMany(b => b).ToArray();

    private static string[] Values(FetchedRecords read) => read.Records.Select(r => Encoding.UTF8.GetString(r.Value!)).ToArray();

    [Fact]
    public void Read_committed_hands_over_committed_and_plain_records_and_no_marker_nor_aborted_record()
    {
        var read = FetchedRecords.Read(Log, 0, IsolationLevel.ReadCommitted, Aborted);

        Assert.Equal(["plain-0", "committed-0", "committed-1", "plain-1", "plain-2"], Values(read));
        Assert.Equal(10, read.Position);
        Assert.Null(read.Corrupt);
    }

    [Fact]
    public void Read_uncommitted_hands_over_every_record_but_never_a_transaction_marker()
    {
        var read = FetchedRecords.Read(Log, 0, IsolationLevel.ReadUncommitted, null);

        Assert.Equal(["plain-0", "committed-0", "committed-1", "aborted-0", "plain-1", "aborted-1", "plain-2"], Values(read));
        Assert.Equal(10, read.Position);
    }

    [Fact]
    public void An_answer_that_ends_with_a_marker_moves_the_position_past_it_so_the_next_fetch_does_not_return_it_again()
    {
        var read = FetchedRecords.Read(FetchBatchesOf(Plain(4, "plain-1"), Marker(5, Committer, TransactionResult.Commit)), 4,
            IsolationLevel.ReadUncommitted, null);

        Assert.Equal(["plain-1"], Values(read));
        Assert.Equal(6, read.Position);
    }

    [Fact]
    public void Records_below_the_fetch_position_are_skipped_even_inside_a_batch()
    {
        var read = FetchedRecords.Read(Log, 2, IsolationLevel.ReadCommitted, Aborted);

        Assert.Equal(["committed-1", "plain-1", "plain-2"], Values(read));
    }

    [Fact]
    public void A_corrupt_batch_stops_the_reading_with_what_came_before_it_handed_over_and_the_position_at_it()
    {
        var corrupt = Plain(4, "plain-1");
        corrupt[RecordBatch.HeaderSize] = 0x7F; // the first record's length varint: far past the batch's end

        var read = FetchedRecords.Read(FetchBatchesOf(Plain(0, "plain-0"), corrupt), 0, IsolationLevel.ReadUncommitted, null);

        Assert.Equal(["plain-0"], Values(read));
        Assert.Equal(1, read.Position);
        Assert.NotNull(read.Corrupt);
    }
}
