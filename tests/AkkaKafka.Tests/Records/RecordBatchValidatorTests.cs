using System.Buffers.Binary;
using AkkaKafka.Protocol.Records;
using Xunit;

namespace AkkaKafka.Tests.Records;

[Trait("Speed", "Fast")]
public sealed class RecordBatchValidatorTests
{
    private const long T0 = 1_700_000_000_000;

    private static byte[] ValidBatch()
    {
        var builder = new RecordBatchBuilder();
        builder.Add(T0, BatchBytes.Utf8("key"), BatchBytes.Utf8("value"), [new RecordHeader("h", BatchBytes.Utf8("1"))]);
        builder.Add(T0 + 1, null, BatchBytes.Utf8("second"));
        builder.Add(T0 + 2, BatchBytes.Utf8("k"), null);
        return builder.Build();
    }

    private static byte[] ValidBatchWith(CompressionType compression)
    {
        var builder = new RecordBatchBuilder(compression);
        builder.Add(T0, BatchBytes.Utf8("key"), BatchBytes.Utf8("value"), [new RecordHeader("h", BatchBytes.Utf8("1"))]);
        builder.Add(T0 + 1, null, BatchBytes.Utf8("second"));
        return builder.Build();
    }

    [Fact]
    public void A_well_formed_batch_passes() => Assert.Null(RecordBatchValidator.Validate(ValidBatch()));

    [Fact]
    public void A_flipped_byte_is_a_crc_mismatch()
    {
        byte[] bytes = ValidBatch();
        bytes[^3] ^= 0x40;
        Assert.Contains("CRC mismatch", RecordBatchValidator.Validate(bytes));
    }

    [Fact]
    public void A_buffer_shorter_than_the_header_is_too_short()
    {
        Assert.Contains("shorter than the 61-byte", RecordBatchValidator.Validate(ValidBatch().AsSpan(0, 60)));
        Assert.Contains("shorter", RecordBatchValidator.Validate([]));
    }

    [Fact]
    public void A_truncated_batch_is_reported()
    {
        byte[] bytes = ValidBatch();
        string? reason = RecordBatchValidator.Validate(bytes.AsSpan(0, bytes.Length - 1));
        Assert.Contains("length field does not match buffer size", reason);
        Assert.Contains("truncated", reason);
    }

    [Fact]
    public void Trailing_bytes_after_the_batch_are_reported()
    {
        string? reason = RecordBatchValidator.Validate(ValidBatch().Concat(new byte[5]).ToArray());
        Assert.Contains("length field does not match buffer size", reason);
        Assert.Contains("5 trailing bytes", reason);
    }

    [Fact]
    public void A_wrong_length_field_is_reported()
    {
        byte[] bytes = ValidBatch();
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), bytes.Length);
        Assert.Contains("length field does not match buffer size", RecordBatchValidator.Validate(bytes));

        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), -1);
        Assert.Contains("length field does not match buffer size", RecordBatchValidator.Validate(bytes));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void A_magic_other_than_2_is_reported(byte magic)
    {
        byte[] bytes = ValidBatch();
        bytes[16] = magic;
        Assert.Contains("magic is " + magic, RecordBatchValidator.Validate(bytes));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_record_count_below_one_is_reported(int count)
    {
        byte[] bytes = ValidBatch();
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(57), count);
        BatchBytes.FixCrc(bytes);
        Assert.Contains("recordCount is " + count, RecordBatchValidator.Validate(bytes));
    }

    [Fact]
    public void A_last_offset_delta_that_disagrees_with_the_count_is_reported()
    {
        byte[] bytes = ValidBatch();
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(23), 5);
        BatchBytes.FixCrc(bytes);
        Assert.Contains("lastOffsetDelta is 5", RecordBatchValidator.Validate(bytes));
    }

    [Fact]
    public void A_record_count_larger_than_the_records_present_is_reported()
    {
        byte[] bytes = ValidBatch();
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(57), 4);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(23), 3);
        BatchBytes.FixCrc(bytes);
        Assert.Contains("records end after 3 of the declared 4", RecordBatchValidator.Validate(bytes));
    }

    [Fact]
    public void Bytes_left_over_after_the_declared_records_are_reported()
    {
        byte[] bytes = ValidBatch();
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(57), 2);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(23), 1);
        BatchBytes.FixCrc(bytes);
        Assert.Contains("trailing bytes after the last of 2 records", RecordBatchValidator.Validate(bytes));
    }

    [Fact]
    public void A_record_whose_value_overruns_it_is_reported()
    {
        var builder = new RecordBatchBuilder();
        builder.Add(T0, null, BatchBytes.Utf8("v"));
        byte[] bytes = builder.Build();
        // Record: [len][attr][tsDelta][offDelta][keyLen=-1][valueLen=1]["v"][headers]; claim a 50-byte value.
        Assert.Equal(0x02, bytes[61 + 5]);
        bytes[61 + 5] = 100;
        BatchBytes.FixCrc(bytes);

        string? reason = RecordBatchValidator.Validate(bytes);
        Assert.Contains("record 0 does not parse", reason);
        Assert.Contains("runs past the record", reason);
    }

    [Fact]
    public void A_record_with_an_unexpected_offset_delta_is_reported()
    {
        var builder = new RecordBatchBuilder();
        builder.Add(T0, null, BatchBytes.Utf8("v"));
        byte[] bytes = builder.Build();
        bytes[61 + 3] = 0x02; // offsetDelta 1 for the only record
        BatchBytes.FixCrc(bytes);

        Assert.Contains("record 0 has offsetDelta 1", RecordBatchValidator.Validate(bytes));
    }

    [Fact]
    public void A_gzip_batch_with_a_garbage_payload_is_reported()
    {
        byte[] bytes = BatchBytes.Gzip(ValidBatch());
        bytes.AsSpan(61, 10).Fill(0x5A);
        BatchBytes.FixCrc(bytes);

        Assert.NotNull(RecordBatchValidator.Validate(bytes));
    }

    [Fact]
    public void A_gzip_batch_that_inflates_beyond_the_limit_is_refused_not_inflated()
    {
        var builder = new RecordBatchBuilder();
        builder.Add(1_700_000_000_000, null, new byte[70 * 1024 * 1024]); // zeros: compresses to a few KiB
        byte[] bomb = BatchBytes.Gzip(builder.Build());
        Assert.True(bomb.Length < 1024 * 1024);

        Assert.Contains("inflates beyond", RecordBatchValidator.Validate(bomb));
    }

    [Fact]
    public void An_unknown_compression_codec_is_reported()
    {
        byte[] bytes = ValidBatch();
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(21), 6);
        BatchBytes.FixCrc(bytes);
        Assert.Contains("unknown compression codec 6", RecordBatchValidator.Validate(bytes));
    }

    [Fact]
    public void Random_corruption_is_reported_and_never_throws()
    {
        var random = new Random(1234);
        byte[] original = ValidBatch();
        byte[] gzipped = BatchBytes.Gzip(original);
        byte[] lz4 = ValidBatchWith(CompressionType.Lz4);

        for (int round = 0; round < 20_000; round++)
        {
            byte[] bytes = (byte[])(round % 4 == 0 ? gzipped : round % 4 == 1 ? lz4 : original).Clone();
            int flips = random.Next(1, 4);
            for (int f = 0; f < flips; f++)
            {
                bytes[random.Next(21, bytes.Length)] = (byte)random.Next(256);
            }

            // Fixing the CRC most of the time pushes the corruption past the checksum into the record walk.
            if (round % 5 != 0)
            {
                BatchBytes.FixCrc(bytes);
            }

            int length = random.Next(8) == 0 ? random.Next(bytes.Length) : bytes.Length;
            string? reason = RecordBatchValidator.Validate(bytes.AsSpan(0, length));

            // Whatever it accepts must also decode without error.
            if (reason is null && new RecordBatch(bytes.AsMemory(0, length)) is var batch)
            {
                Assert.Equal(batch.RecordCount, batch.Records().Count());
            }
        }
    }
    // ---------------- the header's maxTimestamp ----------------

    [Theory]
    [InlineData(CompressionType.None)]
    [InlineData(CompressionType.Snappy)]
    public void Validation_gives_the_newest_record_timestamp_whatever_the_header_says(CompressionType compression)
    {
        var builder = new RecordBatchBuilder(compression);
        builder.Add(T0 + 7, null, BatchBytes.Utf8("a"));
        builder.Add(T0 + 20, null, BatchBytes.Utf8("b"));
        builder.Add(T0 + 3, null, BatchBytes.Utf8("c"));
        var sent = AkkaKafka.Tests.Support.Batches.WithHeaderMaxTimestamp(builder.Build(), -1);

        Assert.Null(RecordBatchValidator.Validate(sent, out var newest));
        Assert.Equal(T0 + 20, newest);
    }

    [Fact]
    public void Setting_the_max_timestamp_rewrites_it_under_a_new_crc_only_when_it_changes()
    {
        var batch = AkkaKafka.Tests.Support.Batches.WithHeaderMaxTimestamp(ValidBatch(), -1);

        Assert.True(RecordBatch.SetMaxTimestamp(batch, TimestampType.CreateTime, T0 + 2));
        var rewritten = new RecordBatch(batch);
        Assert.Equal((T0 + 2, TimestampType.CreateTime, true), (rewritten.MaxTimestamp, rewritten.TimestampType, rewritten.IsCrcValid()));

        var before = (byte[])batch.Clone();
        Assert.False(RecordBatch.SetMaxTimestamp(batch, TimestampType.CreateTime, T0 + 2));
        Assert.Equal(before, batch);
    }

    [Fact]
    public void Setting_log_append_time_flags_the_batch_and_every_record_reads_the_broker_time()
    {
        var batch = ValidBatch();

        Assert.True(RecordBatch.SetMaxTimestamp(batch, TimestampType.LogAppendTime, T0 + 999));

        var stamped = new RecordBatch(batch);
        Assert.Equal((TimestampType.LogAppendTime, true), (stamped.TimestampType, stamped.IsCrcValid()));
        Assert.All(stamped.Records(), r => Assert.Equal(T0 + 999, r.Timestamp));
        Assert.Null(RecordBatchValidator.Validate(batch));
    }
}
