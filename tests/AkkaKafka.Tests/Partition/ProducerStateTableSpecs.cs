using AkkaKafka.Broker.Partition;
using AkkaKafka.Protocol;
using Xunit;

namespace AkkaKafka.Tests.Partition;

/// <summary>Kafka's idempotent producer rules, as one partition applies them to arriving batches.</summary>
[Trait("Speed", "Fast")]
public sealed class ProducerStateTableSpecs
{
    private const long Producer = 7;
    private const long Now = 1_700_000_000_000;

    /// <summary>Accepts and records a batch of <paramref name="count"/> records at <paramref name="offset"/>.</summary>
    private static void Written(ProducerStateTable table, short epoch, int firstSequence, int count, long offset, long timestamp = Now)
    {
        var lastSequence = ProducerStateTable.LastSequenceOf(firstSequence, count - 1);
        Assert.IsType<ProducerAppendCheck.Append>(table.Check(Producer, epoch, firstSequence, lastSequence));
        table.Record(Producer, new ProducerBatch(epoch, firstSequence, lastSequence, offset, offset + count - 1, timestamp));
    }

    private static ErrorCode RefusedWith(ProducerAppendCheck check) => Assert.IsType<ProducerAppendCheck.Refused>(check).Error;

    [Fact]
    public void A_new_producer_starts_at_sequence_zero()
    {
        var table = new ProducerStateTable();

        Assert.IsType<ProducerAppendCheck.Append>(table.Check(Producer, 0, 0, 4));
    }

    [Fact]
    public void A_producer_the_partition_does_not_know_may_not_start_past_sequence_zero()
    {
        Assert.Equal(ErrorCode.UnknownProducerId, RefusedWith(new ProducerStateTable().Check(Producer, 0, 5, 9)));
    }

    [Fact]
    public void The_next_batch_continues_at_the_last_sequence_plus_one()
    {
        var table = new ProducerStateTable();
        Written(table, 0, 0, 5, offset: 0);

        Assert.IsType<ProducerAppendCheck.Append>(table.Check(Producer, 0, 5, 9));
    }

    [Fact]
    public void A_gap_in_the_sequence_is_out_of_order()
    {
        var table = new ProducerStateTable();
        Written(table, 0, 0, 5, offset: 0);

        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, RefusedWith(table.Check(Producer, 0, 6, 9)));
    }

    [Fact]
    public void A_retry_of_a_batch_written_before_the_last_five_is_a_duplicate_whose_offset_is_no_longer_known()
    {
        // Found by the 100-round chaos run: a producer's answer was lost, six newer batches of it were written, then the
        // retry came; refused as out of order, it was written again under a new producer id.
        var table = new ProducerStateTable();
        for (var i = 0; i < 7; i++) Written(table, 0, i * 2, 2, offset: 100 + i * 2);

        Assert.Equal(ErrorCode.DuplicateSequenceNumber, RefusedWith(table.Check(Producer, 0, 0, 1)));
        Assert.Equal(ErrorCode.DuplicateSequenceNumber, RefusedWith(table.Check(Producer, 0, 2, 3)));
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, RefusedWith(table.Check(Producer, 0, 15, 16)));
    }

    [Fact]
    public void A_retry_of_one_of_the_last_five_batches_is_a_duplicate_answered_with_its_original_offset()
    {
        var table = new ProducerStateTable();
        for (var i = 0; i < 5; i++) Written(table, 0, i * 2, 2, offset: 100 + i * 2);

        var duplicate = Assert.IsType<ProducerAppendCheck.Duplicate>(table.Check(Producer, 0, 4, 5));

        Assert.Equal(104, duplicate.Original.BaseOffset);
    }

    [Fact]
    public void Only_five_batches_are_remembered_so_an_older_retry_is_a_duplicate_without_its_offset()
    {
        var table = new ProducerStateTable();
        for (var i = 0; i < 6; i++) Written(table, 0, i, 1, offset: i);

        Assert.Equal(ErrorCode.DuplicateSequenceNumber, RefusedWith(table.Check(Producer, 0, 0, 0)));
        Assert.IsType<ProducerAppendCheck.Duplicate>(table.Check(Producer, 0, 1, 1));
        Assert.Equal(5, table.Find(Producer)!.Batches.Count);
    }

    [Fact]
    public void An_older_epoch_is_fenced()
    {
        var table = new ProducerStateTable();
        Written(table, 3, 0, 1, offset: 0);

        Assert.Equal(ErrorCode.InvalidProducerEpoch, RefusedWith(table.Check(Producer, 2, 1, 1)));
    }

    [Fact]
    public void A_newer_epoch_starts_again_at_sequence_zero_and_forgets_the_older_epochs_batches()
    {
        var table = new ProducerStateTable();
        Written(table, 0, 0, 3, offset: 0);

        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, RefusedWith(table.Check(Producer, 1, 3, 3)));
        Written(table, 1, 0, 1, offset: 3);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, RefusedWith(table.Check(Producer, 0, 0, 2)));
        Assert.Single(table.Find(Producer)!.Batches);
    }

    [Fact]
    public void Sequences_wrap_from_int_max_to_zero()
    {
        Assert.Equal(1, ProducerStateTable.LastSequenceOf(int.MaxValue - 1, 3));
        var table = new ProducerStateTable();
        table.Record(Producer, new ProducerBatch(0, int.MaxValue - 1, 1, 0, 2, Now));

        Assert.IsType<ProducerAppendCheck.Append>(table.Check(Producer, 0, 2, 2));
    }

    [Fact]
    public void Recording_the_same_batch_twice_keeps_it_once()
    {
        var table = new ProducerStateTable();
        var batch = new ProducerBatch(0, 0, 0, 10, 10, Now);
        table.Record(Producer, batch);
        table.Record(Producer, batch);

        Assert.Single(table.Find(Producer)!.Batches);
    }

    [Fact]
    public void A_producer_idle_longer_than_the_expiration_is_forgotten_and_others_are_kept()
    {
        var table = new ProducerStateTable();
        Written(table, 0, 0, 1, offset: 0, timestamp: Now - 90_000);
        table.Record(8, new ProducerBatch(0, 0, 0, 1, 1, Now - 10_000));

        Assert.Equal(1, table.Expire(Now, expirationMs: 60_000));

        Assert.Null(table.Find(Producer));
        Assert.NotNull(table.Find(8));
    }

    [Fact]
    public void A_batch_without_an_epoch_or_a_sequence_is_invalid()
    {
        Assert.Equal(ErrorCode.InvalidRecord, RefusedWith(new ProducerStateTable().Check(Producer, -1, 0, 0)));
        Assert.Equal(ErrorCode.InvalidRecord, RefusedWith(new ProducerStateTable().Check(Producer, 0, -1, 0)));
    }
}
