using AkkaKafka.Client;
using AkkaKafka.Client.Producer;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Records;
using Xunit;

namespace AkkaKafka.Tests.Client;

/// <summary>The producer's accumulator, buffer memory and sticky partitioner as plain objects, without actors.</summary>
[Trait("Speed", "Fast")]
public sealed class RecordAccumulatorSpecs
{
    private static readonly TopicPartition P0 = new("t", 0);
    private static readonly byte[] Value = new byte[100];

    private sealed class Nudges
    {
        public readonly List<(TopicPartition Partition, long Sequence)> Opened = [];
        public readonly List<TopicPartition> Full = [];
    }

    private static (RecordAccumulator, Nudges) Accumulator(int batchSize)
    {
        var nudges = new Nudges();
        return (new RecordAccumulator(batchSize, (tp, seq) => nudges.Opened.Add((tp, seq)), tp => nudges.Full.Add(tp)), nudges);
    }

    private static void Append(RecordAccumulator accumulator, TopicPartition tp, DeliveryCallback? callback = null) =>
        accumulator.Append(tp, 0, null, Value, null, Completion.Of(callback), RecordAccumulator.SizeOf(null, Value, null));

    [Fact]
    public void Records_of_a_partition_gather_in_its_open_batch_until_it_reaches_the_batch_size()
    {
        var (accumulator, nudges) = Accumulator(batchSize: 1024);
        for (var i = 0; i < 20; i++) Append(accumulator, P0);

        // ~108 bytes a record after a 61-byte header: a ninth record would take a batch past the batch size, so it
        // opens the next batch instead; 8 and 8 go, 4 stay open.
        Assert.Equal([(P0, 1L), (P0, 2L), (P0, 3L)], nudges.Opened);
        Assert.Equal([P0, P0], nudges.Full);
        var first = accumulator.TakeNext(P0, _ => false)!;
        var second = accumulator.TakeNext(P0, _ => false)!;
        Assert.Equal((1L, 2L), (first.Sequence, second.Sequence));
        Assert.InRange(first.EstimatedSize, 1024 - RecordAccumulator.SizeOf(null, Value, null), 1024);
        Assert.Equal(4, 20 - first.Count - second.Count);
        Assert.Null(accumulator.TakeNext(P0, _ => false)); // the open batch stays until its linger is over
        var open = accumulator.TakeNext(P0, _ => true)!;
        Assert.Equal(4, open.Count);
        Assert.True(accumulator.IsEmpty);
    }

    [Fact]
    public void A_closed_batch_is_a_valid_record_batch_holding_the_records_in_append_order()
    {
        var (accumulator, _) = Accumulator(batchSize: 64 * 1024);
        for (var i = 0; i < 5; i++)
            accumulator.Append(P0, 1000 + i, null, [(byte)i], null, Completion.None, 20);
        var batch = accumulator.TakeNext(P0, _ => true)!;

        var records = RecordBatches.ReadRecords(batch.Bytes).ToList();
        Assert.Equal([0L, 1, 2, 3, 4], records.Select(r => r.Offset));
        Assert.Equal([0, 1, 2, 3, 4], records.Select(r => (int)r.Value![0]));
        Assert.Equal(100, batch.ReservedBytes);
    }

    [Fact]
    public void Records_that_asked_for_a_callback_learn_their_offset_from_the_batch_base_offset_and_their_index()
    {
        var (accumulator, _) = Accumulator(batchSize: 64 * 1024);
        var heard = new List<(string Who, long Offset)>();
        Append(accumulator, P0, (md, _) => heard.Add(("first", md!.Offset)));
        Append(accumulator, P0); // asks for nothing
        accumulator.Append(P0, 0, null, Value, null, Completion.Of((state, md, _) => heard.Add(($"state {state}", md!.Offset)), 42), 1);
        var batch = accumulator.TakeNext(P0, _ => true)!;

        batch.Complete(baseOffset: 500);

        Assert.Equal([("first", 500L), ("state 42", 502L)], heard);
    }

    [Fact]
    public void A_failed_batch_tells_every_record_that_asked_why()
    {
        var (accumulator, _) = Accumulator(batchSize: 64 * 1024);
        var errors = new List<Exception?>();
        for (var i = 0; i < 3; i++) Append(accumulator, P0, (md, e) => errors.Add(md is null ? e : null));
        var batch = accumulator.TakeNext(P0, _ => true)!;
        var failure = new KafkaException(ErrorCode.RequestTimedOut, "gone");

        batch.Fail(failure);

        Assert.Equal([failure, failure, failure], errors);
    }

    [Fact]
    public void A_callback_that_throws_does_not_keep_the_other_records_from_theirs()
    {
        var (accumulator, _) = Accumulator(batchSize: 64 * 1024);
        var heard = 0;
        Append(accumulator, P0, (_, _) => throw new InvalidOperationException("application bug"));
        Append(accumulator, P0, (_, _) => heard++);
        accumulator.TakeNext(P0, _ => true)!.Complete(0);
        Assert.Equal(1, heard);
    }

    [Fact]
    public void Flushing_closes_every_open_batch_so_each_partition_can_send_it()
    {
        var (accumulator, _) = Accumulator(batchSize: 64 * 1024);
        var p1 = new TopicPartition("t", 1);
        Append(accumulator, P0);
        Append(accumulator, p1);

        Assert.Equal([P0, p1], accumulator.CloseAll().OrderBy(tp => tp.Partition));
        Assert.NotNull(accumulator.TakeNext(P0, _ => false));
        Assert.NotNull(accumulator.TakeNext(p1, _ => false));
        Assert.True(accumulator.IsEmpty);
    }

    [Fact]
    public void A_sticky_append_does_not_open_a_batch_so_that_the_partitioner_can_move_on_first()
    {
        var (accumulator, nudges) = Accumulator(batchSize: 64 * 1024);
        var result = accumulator.Append(P0, 0, null, Value, null, Completion.None, 1, abortIfNoOpenBatch: true);
        Assert.Equal(RecordAccumulator.AppendResult.NoOpenBatch, result);
        Assert.Empty(nudges.Opened);
        Assert.True(accumulator.IsEmpty);
    }

    [Fact]
    public void The_sticky_partitioner_stays_on_a_partition_until_asked_to_move_and_then_moves_once_for_everyone()
    {
        var sticky = new StickyPartitioner();
        var p = sticky.Current("t", 3);
        Assert.Equal(p, sticky.Current("t", 3));

        var moved = sticky.Move("t", p, 3);
        Assert.NotEqual(p, moved);
        // A second thread that saw the old partition's batch close too follows the first move instead of moving again.
        Assert.Equal(moved, sticky.Move("t", p, 3));
        Assert.Equal(moved, sticky.Current("t", 3));
    }

    [Fact]
    public async Task Buffer_memory_lets_a_send_wait_for_room_and_go_on_when_acknowledged_batches_give_it_back()
    {
        var memory = new BufferMemory(1000);
        Assert.True(memory.TryReserve(800, TimeSpan.Zero));
        var waiting = Task.Run(() => memory.TryReserve(500, TimeSpan.FromSeconds(30)));
        Assert.NotSame(waiting, await Task.WhenAny(waiting, Task.Delay(50)));

        memory.Release(800);

        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(500, memory.Available);
    }

    [Fact]
    public void Buffer_memory_refuses_a_send_when_no_room_comes_within_max_block()
    {
        var memory = new BufferMemory(1000);
        Assert.True(memory.TryReserve(1000, TimeSpan.Zero));
        Assert.False(memory.TryReserve(1, TimeSpan.FromMilliseconds(20)));
        Assert.Equal(0, memory.Available);
    }

    [Fact]
    public void A_record_larger_than_the_whole_buffer_goes_when_the_buffer_is_empty_rather_than_never()
    {
        var memory = new BufferMemory(1000);
        Assert.True(memory.TryReserve(5000, TimeSpan.Zero));
        Assert.False(memory.TryReserve(1, TimeSpan.Zero));
        memory.Release(5000);
        Assert.Equal(1000, memory.Available);
    }
}
