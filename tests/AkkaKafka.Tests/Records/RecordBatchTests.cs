using System.Buffers.Binary;
using AkkaKafka.Protocol.Records;
using Xunit;
using Record = AkkaKafka.Protocol.Records.Record; // Xunit.Record (Record.Exception) has the same name

namespace AkkaKafka.Tests.Records;

[Trait("Speed", "Fast")]
public sealed class RecordBatchTests
{
    private const long T0 = 1_700_000_000_000;

    [Fact]
    public void Setting_base_offset_and_leader_epoch_does_not_invalidate_the_crc()
    {
        var builder = new RecordBatchBuilder();
        builder.Add(T0, BatchBytes.Utf8("k"), BatchBytes.Utf8("v"));
        builder.Add(T0, BatchBytes.Utf8("k"), BatchBytes.Utf8("w"));
        byte[] bytes = builder.Build();

        RecordBatch.SetBaseOffset(bytes, 1_000_000);
        RecordBatch.SetPartitionLeaderEpoch(bytes, 12);
        var batch = new RecordBatch(bytes);

        Assert.True(batch.IsCrcValid());
        Assert.Null(RecordBatchValidator.Validate(bytes));
        Assert.Equal(1_000_000, batch.BaseOffset);
        Assert.Equal(12, batch.PartitionLeaderEpoch);
        Assert.Equal([1_000_000L, 1_000_001L], batch.Records().Select(r => r.Offset));
    }

    [Fact]
    public void A_gzip_compressed_batch_decodes()
    {
        var builder = new RecordBatchBuilder();
        for (int i = 0; i < 100; i++)
        {
            builder.Add(T0 + i, BatchBytes.Utf8($"key-{i % 3}"), BatchBytes.Utf8(new string('x', 200) + i),
                [new RecordHeader("i", BitConverter.GetBytes(i))]);
        }

        byte[] plain = builder.Build(baseOffset: 10);
        byte[] gzipped = BatchBytes.Gzip(plain);
        var batch = new RecordBatch(gzipped);

        Assert.Equal(1, batch.CompressionCodec);
        Assert.True(gzipped.Length < plain.Length / 4);
        Assert.Null(RecordBatchValidator.Validate(gzipped));

        Record[] expected = new RecordBatch(plain).Records().ToArray();
        Record[] actual = batch.Records().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(10 + i, actual[i].Offset);
            Assert.Equal(expected[i].Timestamp, actual[i].Timestamp);
            Assert.Equal(expected[i].Key, actual[i].Key);
            Assert.Equal(expected[i].Value, actual[i].Value);
            Assert.Equal(expected[i].Headers[0].Value, actual[i].Headers[0].Value);
        }
    }

    [Fact]
    public void LogAppendTime_batches_report_the_append_time_for_every_record()
    {
        var builder = new RecordBatchBuilder();
        builder.Add(T0, null, BatchBytes.Utf8("a"));
        builder.Add(T0 + 7, null, BatchBytes.Utf8("b"));
        byte[] bytes = builder.Build();
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(21), 0x08);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(35), T0 + 999);
        BatchBytes.FixCrc(bytes);

        Assert.All(new RecordBatch(bytes).Records(), r => Assert.Equal(T0 + 999, r.Timestamp));
    }

    [Fact]
    public void Transactional_and_control_bits_are_read_from_attributes()
    {
        var builder = new RecordBatchBuilder();
        builder.Add(T0, null, null);
        byte[] bytes = builder.Build();
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(21), 0x30);

        var batch = new RecordBatch(bytes);
        Assert.True(batch.IsTransactional);
        Assert.True(batch.IsControl);
        Assert.Equal(0, batch.CompressionCodec);
    }

    [Fact]
    public void Wrapping_bytes_that_are_not_one_whole_batch_throws_CorruptRecordException()
    {
        var builder = new RecordBatchBuilder();
        builder.Add(T0, null, BatchBytes.Utf8("v"));
        byte[] bytes = builder.Build();

        Assert.Throws<CorruptRecordException>(() => new RecordBatch(bytes.AsMemory(0, 60)));
        Assert.Throws<CorruptRecordException>(() => new RecordBatch(bytes.AsMemory(0, bytes.Length - 1)));
        Assert.Throws<CorruptRecordException>(() => new RecordBatch(bytes.Concat(new byte[3]).ToArray()));
    }

    [Fact]
    public void Enumerating_records_that_overrun_the_batch_throws_CorruptRecordException()
    {
        var builder = new RecordBatchBuilder();
        builder.Add(T0, null, BatchBytes.Utf8("v"));
        byte[] bytes = builder.Build();
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(57), 2); // claims a second record that is not there

        Assert.Throws<CorruptRecordException>(() => new RecordBatch(bytes).Records().ToArray());
    }

    [Fact]
    public void Setting_fields_on_a_buffer_shorter_than_a_header_is_refused()
    {
        Assert.Throws<ArgumentException>(() => RecordBatch.SetBaseOffset(new byte[10], 1));
        Assert.Throws<ArgumentException>(() => RecordBatch.SetPartitionLeaderEpoch(new byte[10], 1));
    }
}
