using System.Buffers.Binary;
using AkkaKafka.Protocol.Records;
using Xunit;

namespace AkkaKafka.Tests.Records;

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
}
