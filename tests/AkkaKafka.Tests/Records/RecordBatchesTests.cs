using System.Buffers.Binary;
using AkkaKafka.Protocol.Records;
using Xunit;

namespace AkkaKafka.Tests.Records;

[Trait("Speed", "Fast")]
public sealed class RecordBatchesTests
{
    private const long T0 = 1_700_000_000_000;

    private static byte[] Batch(long baseOffset, params string[] values)
    {
        var builder = new RecordBatchBuilder();
        foreach (string value in values)
        {
            builder.Add(T0, null, BatchBytes.Utf8(value));
        }

        return builder.Build(baseOffset);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(30)]
    [InlineData(61)]
    public void Reading_concatenated_batches_stops_silently_at_a_partial_last_batch(int partialBytes)
    {
        byte[] first = Batch(0, "a", "b");
        byte[] second = Batch(2, "c");
        byte[] third = Batch(3, "d", "e", "f");
        byte[] buffer = [.. first, .. second, .. third.AsSpan(0, partialBytes)];

        RecordBatch[] batches = RecordBatches.Read(buffer).ToArray();

        Assert.Equal(2, batches.Length);
        Assert.Equal(0, batches[0].BaseOffset);
        Assert.Equal(first.Length, batches[0].SizeInBytes);
        Assert.Equal(2, batches[1].BaseOffset);
        Assert.Equal(second, batches[1].Bytes.ToArray());
        Assert.Equal(["a", "b", "c"], RecordBatches.ReadRecords(buffer).Select(r => System.Text.Encoding.UTF8.GetString(r.Value!)));
        Assert.Equal([0L, 1L, 2L], RecordBatches.ReadRecords(buffer).Select(r => r.Offset));
    }

    [Fact]
    public void Reading_whole_batches_yields_every_one()
    {
        byte[] buffer = [.. Batch(0, "a"), .. Batch(1, "b"), .. Batch(2, "c")];
        Assert.Equal([0L, 1L, 2L], RecordBatches.Read(buffer).Select(b => b.BaseOffset));
        Assert.Empty(RecordBatches.Read(ReadOnlyMemory<byte>.Empty));
    }

    [Fact]
    public void An_impossible_length_field_is_corruption_not_a_partial_batch()
    {
        byte[] buffer = [.. Batch(0, "a"), .. Batch(1, "b")];
        int second = buffer.Length / 2;
        BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(second + 8), 10);

        Assert.Throws<CorruptRecordException>(() => RecordBatches.Read(buffer).ToArray());
    }

    [Fact]
    public void A_complete_batch_with_another_magic_is_rejected()
    {
        byte[] buffer = Batch(0, "a");
        buffer[16] = 1;

        Assert.Throws<CorruptRecordException>(() => RecordBatches.Read(buffer).ToArray());
    }

    // ---------------- splitting a produce request's records ----------------

    [Fact]
    public void Splitting_one_batch_yields_it_whole()
    {
        byte[] one = Batch(0, "a", "b");

        Assert.Null(RecordBatches.Split(one, out IReadOnlyList<ReadOnlyMemory<byte>> batches));

        Assert.Equal(one, Assert.Single(batches).ToArray());
    }

    [Fact]
    public void Splitting_batches_back_to_back_yields_each_as_a_slice_of_the_same_buffer()
    {
        byte[] first = Batch(0, "a"), second = Batch(1, "b", "c"), third = Batch(3, "d");
        byte[] records = [.. first, .. second, .. third];

        Assert.Null(RecordBatches.Split(records, out IReadOnlyList<ReadOnlyMemory<byte>> batches));

        Assert.Equal([first, second, third], batches.Select(b => b.ToArray()));
        Assert.All(batches, b => Assert.Null(RecordBatchValidator.Validate(b.Span)));
        // Slices, not copies: each batch points into the request's own array.
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(batches[1], out ArraySegment<byte> segment));
        Assert.Same(records, segment.Array);
        Assert.Equal(first.Length, segment.Offset);
    }

    [Fact]
    public void Splitting_empty_records_is_refused() =>
        Assert.Contains("records are empty", RecordBatches.Split(ReadOnlyMemory<byte>.Empty, out _));

    [Fact]
    public void Splitting_records_whose_last_batch_is_cut_short_is_refused_with_no_batches()
    {
        byte[] records = [.. Batch(0, "a"), .. Batch(1, "b")];

        string? reason = RecordBatches.Split(records.AsMemory(0, records.Length - 1), out IReadOnlyList<ReadOnlyMemory<byte>> batches);

        Assert.Contains("batch 1", reason);
        Assert.Contains("truncated", reason);
        Assert.Empty(batches);
    }

    [Fact]
    public void Splitting_records_with_a_few_stray_bytes_after_the_last_batch_is_refused()
    {
        byte[] records = [.. Batch(0, "a"), 0, 0, 0, 0, 0];

        Assert.Contains("5 bytes after batch 1 are too few", RecordBatches.Split(records, out _));
    }

    [Fact]
    public void Splitting_a_batch_whose_length_is_below_a_v2_header_is_refused()
    {
        byte[] records = Batch(0, "a");
        BinaryPrimitives.WriteInt32BigEndian(records.AsSpan(8), 4);

        Assert.Contains("below the minimum 49", RecordBatches.Split(records, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Splitting_an_old_message_set_names_its_magic(byte magic)
    {
        // A magic 0 message as old clients frame it: offset, size, then crc, magic, attributes, key -1, value "v".
        byte[] message = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 15, 1, 2, 3, 4, magic, 0, 255, 255, 255, 255, 0, 0, 0, 1, (byte)'v'];

        string? reason = RecordBatches.Split(message, out _);

        Assert.Contains($"magic {magic}", reason);
        Assert.Contains("only the v2 record batch format", reason);
    }
}
