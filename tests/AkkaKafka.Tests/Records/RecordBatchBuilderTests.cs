using System.Buffers.Binary;
using AkkaKafka.Protocol.Records;
using Xunit;
using Record = AkkaKafka.Protocol.Records.Record; // Xunit.Record (Record.Exception) has the same name

namespace AkkaKafka.Tests.Records;

[Trait("Speed", "Fast")]
public sealed class RecordBatchBuilderTests
{
    private const long T0 = 1_700_000_000_000;

    [Fact]
    public void A_built_batch_round_trips_keys_values_headers_and_timestamps()
    {
        var builder = new RecordBatchBuilder();
        builder.Add(T0, BatchBytes.Utf8("k1"), BatchBytes.Utf8("v1"),
            [new RecordHeader("trace", BatchBytes.Utf8("abc")), new RecordHeader("nullable", null), new RecordHeader("ünï", [])]);
        builder.Add(T0 + 5, null, BatchBytes.Utf8("no key"));
        builder.Add(T0 - 3, BatchBytes.Utf8("k3"), []);
        builder.Add(T0 + 2, BatchBytes.Utf8("tombstone"), null);

        var batch = new RecordBatch(builder.Build(baseOffset: 100));
        Record[] records = batch.Records().ToArray();

        Assert.Equal(4, records.Length);
        Assert.Equal([100L, 101L, 102L, 103L], records.Select(r => r.Offset));
        Assert.Equal([T0, T0 + 5, T0 - 3, T0 + 2], records.Select(r => r.Timestamp));

        Assert.Equal(BatchBytes.Utf8("k1"), records[0].Key);
        Assert.Equal(BatchBytes.Utf8("v1"), records[0].Value);
        Assert.Equal(3, records[0].Headers.Count);
        Assert.Equal("trace", records[0].Headers[0].Key);
        Assert.Equal(BatchBytes.Utf8("abc"), records[0].Headers[0].Value);
        Assert.Equal("nullable", records[0].Headers[1].Key);
        Assert.Null(records[0].Headers[1].Value);
        Assert.Equal("ünï", records[0].Headers[2].Key);
        Assert.Equal([], records[0].Headers[2].Value!);

        Assert.Null(records[1].Key);
        Assert.Empty(records[1].Headers);
        Assert.Equal(BatchBytes.Utf8("k3"), records[2].Key);
        Assert.NotNull(records[2].Value);
        Assert.Empty(records[2].Value!);
        Assert.Null(records[3].Value);
    }

    [Fact]
    public void Batch_header_fields_describe_the_records()
    {
        var builder = new RecordBatchBuilder();
        builder.Add(T0 + 10, null, BatchBytes.Utf8("a"));
        builder.Add(T0 + 30, null, BatchBytes.Utf8("b"));
        builder.Add(T0 + 20, null, BatchBytes.Utf8("c"));

        byte[] bytes = builder.Build(baseOffset: 42, partitionLeaderEpoch: 7);
        var batch = new RecordBatch(bytes);

        Assert.Equal(42, batch.BaseOffset);
        Assert.Equal(bytes.Length - 12, batch.Length);
        Assert.Equal(bytes.Length, batch.SizeInBytes);
        Assert.Equal(builder.EstimatedSizeInBytes, bytes.Length);
        Assert.Equal(7, batch.PartitionLeaderEpoch);
        Assert.Equal(2, batch.Magic);
        Assert.Equal(0, batch.Attributes);
        Assert.Equal(0, batch.CompressionCodec);
        Assert.False(batch.IsTransactional);
        Assert.False(batch.IsControl);
        Assert.Equal(2, batch.LastOffsetDelta);
        Assert.Equal(44, batch.LastOffset);
        Assert.Equal(45, batch.NextOffset);
        Assert.Equal(T0 + 10, batch.BaseTimestamp);
        Assert.Equal(T0 + 30, batch.MaxTimestamp);
        Assert.Equal(-1, batch.ProducerId);
        Assert.Equal(-1, batch.ProducerEpoch);
        Assert.Equal(-1, batch.BaseSequence);
        Assert.Equal(3, batch.RecordCount);
        Assert.True(batch.IsCrcValid());
        Assert.Null(RecordBatchValidator.Validate(bytes));
    }

    [Fact]
    public void Header_fields_sit_at_the_byte_offsets_of_the_v2_format()
    {
        var builder = new RecordBatchBuilder();
        builder.Add(T0, null, BatchBytes.Utf8("x"));
        builder.Add(T0 + 1, null, BatchBytes.Utf8("y"));
        byte[] bytes = builder.Build(baseOffset: 0x0102030405060708, partitionLeaderEpoch: 0x0A0B0C0D);

        Assert.Equal(0x0102030405060708, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(0)));
        Assert.Equal(bytes.Length - 12, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8)));
        Assert.Equal(0x0A0B0C0D, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(12)));
        Assert.Equal(2, bytes[16]);
        Assert.Equal(Crc32C.Compute(bytes.AsSpan(21)), BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(17)));
        Assert.Equal(0, BinaryPrimitives.ReadInt16BigEndian(bytes.AsSpan(21)));
        Assert.Equal(1, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(23)));
        Assert.Equal(T0, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(27)));
        Assert.Equal(T0 + 1, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(35)));
        Assert.Equal(-1L, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(43)));
        Assert.Equal((short)-1, BinaryPrimitives.ReadInt16BigEndian(bytes.AsSpan(51)));
        Assert.Equal(-1, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(53)));
        Assert.Equal(2, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(57)));
        Assert.Equal(61, RecordBatch.HeaderSize);
    }

    [Fact]
    public void The_crc_covers_attributes_through_the_end_and_nothing_before()
    {
        var builder = new RecordBatchBuilder();
        builder.Add(T0, BatchBytes.Utf8("key"), BatchBytes.Utf8("value"));
        byte[] bytes = builder.Build();
        uint crc = new RecordBatch(bytes).Crc;

        Assert.Equal(Crc32C.Compute(bytes.AsSpan(21)), crc);
        Assert.NotEqual(Crc32C.Compute(bytes.AsSpan(17)), crc);

        // Any byte from attributes on is protected...
        for (int i = 21; i < bytes.Length; i++)
        {
            byte[] copy = (byte[])bytes.Clone();
            copy[i] ^= 0x01;
            Assert.False(new RecordBatch(copy).IsCrcValid(), $"flipping byte {i} went unnoticed");
        }

        // ...while baseOffset and partitionLeaderEpoch are not.
        for (int i = 0; i < 16; i++)
        {
            if (i is >= 8 and < 12)
            {
                continue; // the length field must keep matching the buffer
            }

            byte[] copy = (byte[])bytes.Clone();
            copy[i] ^= 0xFF;
            Assert.True(new RecordBatch(copy).IsCrcValid());
        }
    }

    [Fact]
    public void A_batch_encoded_by_hand_from_the_spec_equals_the_builder_output()
    {
        byte[] expected =
        [
            0, 0, 0, 0, 0, 0, 0, 0,                         // baseOffset 0
            0, 0, 0, 58,                                    // length: 70 bytes - 12
            0xFF, 0xFF, 0xFF, 0xFF,                         // partitionLeaderEpoch -1
            2,                                              // magic
            0xE9, 0x9B, 0x8D, 0xD8,                         // crc-32c of bytes 21..69 (computed independently)
            0, 0,                                           // attributes: no compression, CreateTime
            0, 0, 0, 0,                                     // lastOffsetDelta 0
            0x00, 0x00, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x00, // baseTimestamp 1_700_000_000_000
            0x00, 0x00, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x00, // maxTimestamp
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // producerId -1
            0xFF, 0xFF,                                     // producerEpoch -1
            0xFF, 0xFF, 0xFF, 0xFF,                         // baseSequence -1
            0, 0, 0, 1,                                     // recordCount 1
            0x10,                                           // record length 8 (zigzag 16)
            0x00,                                           // record attributes
            0x00,                                           // timestampDelta 0
            0x00,                                           // offsetDelta 0
            0x02, (byte)'k',                                // key length 1, "k"
            0x02, (byte)'v',                                // value length 1, "v"
            0x00,                                           // header count 0
        ];

        var builder = new RecordBatchBuilder();
        builder.Add(T0, BatchBytes.Utf8("k"), BatchBytes.Utf8("v"));

        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(builder.Build()));
    }

    [Fact]
    public void Many_records_round_trip_in_order()
    {
        var builder = new RecordBatchBuilder();
        for (int i = 0; i < 10_000; i++)
        {
            builder.Add(T0 + i * 1000L, BitConverter.GetBytes(i), BatchBytes.Utf8($"value-{i}"));
        }

        byte[] bytes = builder.Build(baseOffset: 5);
        Assert.Equal(builder.EstimatedSizeInBytes, bytes.Length);
        Assert.Null(RecordBatchValidator.Validate(bytes));

        int n = 0;
        foreach (Record record in new RecordBatch(bytes).Records())
        {
            Assert.Equal(5 + n, record.Offset);
            Assert.Equal(T0 + n * 1000L, record.Timestamp);
            Assert.Equal(n, BitConverter.ToInt32(record.Key));
            Assert.Equal($"value-{n}", System.Text.Encoding.UTF8.GetString(record.Value!));
            n++;
        }

        Assert.Equal(10_000, n);
    }

    [Fact]
    public void Values_larger_than_64_KiB_round_trip()
    {
        var large = new byte[200_000];
        new Random(7).NextBytes(large);
        var builder = new RecordBatchBuilder();
        builder.Add(T0, BatchBytes.Utf8("big"), large);
        builder.Add(T0, null, large[..70_000]);

        byte[] bytes = builder.Build();
        Record[] records = new RecordBatch(bytes).Records().ToArray();

        Assert.Null(RecordBatchValidator.Validate(bytes));
        Assert.Equal(large, records[0].Value);
        Assert.Equal(large[..70_000], records[1].Value);
    }

    [Fact]
    public void Count_and_estimated_size_track_additions_exactly()
    {
        var builder = new RecordBatchBuilder();
        Assert.Equal(0, builder.Count);
        Assert.Equal(RecordBatch.HeaderSize, builder.EstimatedSizeInBytes);

        builder.Add(T0, BatchBytes.Utf8("k"), BatchBytes.Utf8("v"), [new RecordHeader("h", null)]);
        Assert.Equal(1, builder.Count);
        Assert.Equal(builder.Build().Length, builder.EstimatedSizeInBytes);

        builder.Add(T0 - 1_000_000, null, null);
        Assert.Equal(2, builder.Count);
        Assert.Equal(builder.Build().Length, builder.EstimatedSizeInBytes);
    }

    [Fact]
    public void Building_an_empty_batch_is_refused()
    {
        Assert.Throws<InvalidOperationException>(() => new RecordBatchBuilder().Build());
    }
}
