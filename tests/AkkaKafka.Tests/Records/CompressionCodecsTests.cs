using System.Buffers.Binary;
using AkkaKafka.Protocol.Records;
using K4os.Compression.LZ4.Streams;
using Xunit;
using Record = AkkaKafka.Protocol.Records.Record; // Xunit.Record (Record.Exception) has the same name

namespace AkkaKafka.Tests.Records;

/// <summary>
/// Kafka's four codecs, both ways: what our builder compresses, our validator and reader inflate; what other Kafka
/// clients write (xerial or raw snappy, LZ4 frames, zstd frames without a content size) reads back too; and
/// garbage or bombs are refused with a reason, never an unexpected exception.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class CompressionCodecsTests
{
    private const long T0 = 1_700_000_000_000;

    public static TheoryData<CompressionType> Codecs => [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

    private static RecordBatchBuilder Filled(CompressionType compression, int count = 200)
    {
        var builder = new RecordBatchBuilder(compression);
        for (int i = 0; i < count; i++)
        {
            builder.Add(T0 + i, BatchBytes.Utf8($"key-{i % 7}"), BatchBytes.Utf8(new string('v', 300) + i),
                [new RecordHeader("i", BitConverter.GetBytes(i))]);
        }

        builder.Add(T0 + count, null, null); // a null key and a tombstone survive compression too
        return builder;
    }

    private static byte[] Section(byte[] batch) => batch[RecordBatch.HeaderSize..];

    /// <summary>Replaces a built batch's records section with <paramref name="section"/> under <paramref name="codec"/>, as another client would write it.</summary>
    private static byte[] WithSection(byte[] uncompressedBatch, CompressionType codec, byte[] section)
    {
        var batch = new byte[RecordBatch.HeaderSize + section.Length];
        uncompressedBatch.AsSpan(0, RecordBatch.HeaderSize).CopyTo(batch);
        section.CopyTo(batch, RecordBatch.HeaderSize);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(8), batch.Length - 12);
        BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(21), (short)codec);
        BatchBytes.FixCrc(batch);
        return batch;
    }

    private static void AssertSameRecords(byte[] expectedBatch, byte[] actualBatch)
    {
        Record[] expected = new RecordBatch(expectedBatch).Records().ToArray();
        Record[] actual = new RecordBatch(actualBatch).Records().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Offset, actual[i].Offset);
            Assert.Equal(expected[i].Timestamp, actual[i].Timestamp);
            Assert.Equal(expected[i].Key, actual[i].Key);
            Assert.Equal(expected[i].Value, actual[i].Value);
            Assert.Equal(expected[i].Headers.Select(h => (h.Key, h.Value)), actual[i].Headers.Select(h => (h.Key, h.Value)));
        }
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void A_batch_built_with_a_codec_names_it_is_smaller_passes_validation_and_reads_back_every_record(CompressionType codec)
    {
        byte[] plain = Filled(CompressionType.None).Build(baseOffset: 40);
        byte[] compressed = Filled(codec).Build(baseOffset: 40);

        var batch = new RecordBatch(compressed);
        Assert.Equal((int)codec, batch.CompressionCodec);
        Assert.True(batch.IsCrcValid());
        Assert.True(compressed.Length < plain.Length / 4, $"{codec}: {compressed.Length} bytes of {plain.Length}");
        Assert.Null(RecordBatchValidator.Validate(compressed));
        AssertSameRecords(plain, compressed);
        Assert.Equal(new RecordBatch(plain).MaxTimestamp, batch.MaxTimestamp);
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Compress_and_decompress_are_inverse_for_empty_small_and_multi_block_inputs(CompressionType codec)
    {
        var random = new Random(7);
        foreach (int size in new[] { 0, 1, 1000, 200_000 })
        {
            var data = new byte[size];
            random.NextBytes(data.AsSpan(0, size / 2)); // half noise, half zeros: incompressible and compressible blocks
            Assert.Equal(data, CompressionCodecs.Decompress(codec, CompressionCodecs.Compress(codec, data)).ToArray());
        }
    }

    [Fact]
    public void Snappy_is_written_in_the_xerial_framing_java_clients_read()
    {
        byte[] section = Section(Filled(CompressionType.Snappy, count: 300).Build());

        Assert.Equal(new byte[] { 0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1 }, section[..16]);
        // Blocks of at most 32 KiB uncompressed, each an int32 big-endian length then a raw snappy block.
        int position = 16, blocks = 0;
        while (position < section.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(section.AsSpan(position));
            Assert.True(Snappier.Snappy.GetUncompressedLength(section.AsSpan(position + 4, length)) <= 32 * 1024);
            position += 4 + length;
            blocks++;
        }

        Assert.Equal(section.Length, position);
        Assert.True(blocks > 1, "300 records of ~300 bytes span several 32 KiB blocks");
    }

    [Fact]
    public void A_raw_snappy_block_as_librdkafka_writes_it_reads_back()
    {
        byte[] plain = Filled(CompressionType.None).Build();
        byte[] raw = WithSection(plain, CompressionType.Snappy, Snappier.Snappy.CompressToArray(Section(plain)));

        Assert.Null(RecordBatchValidator.Validate(raw));
        AssertSameRecords(plain, raw);
    }

    [Fact]
    public void Xerial_snappy_streams_written_one_after_another_read_back_as_one()
    {
        byte[] plain = Filled(CompressionType.None).Build();
        byte[] records = Section(plain);
        int half = records.Length / 2;
        byte[] concatenated = [.. CompressionCodecs.Compress(CompressionType.Snappy, records.AsSpan(0, half)),
            .. CompressionCodecs.Compress(CompressionType.Snappy, records.AsSpan(half))];

        AssertSameRecords(plain, WithSection(plain, CompressionType.Snappy, concatenated));
    }

    [Fact]
    public void Lz4_is_written_as_a_frame_with_independent_64_KiB_blocks_and_a_correct_header_checksum()
    {
        byte[] section = Section(Filled(CompressionType.Lz4).Build());

        Assert.Equal(0x184D2204u, BinaryPrimitives.ReadUInt32LittleEndian(section));
        byte flg = section[4], bd = section[5];
        Assert.Equal(0b01, flg >> 6); // version 1
        Assert.Equal(1, (flg >> 5) & 1); // block independence, which Kafka's Java reader requires
        Assert.Equal(0, (flg >> 3) & 1); // no content size, as Kafka writes
        Assert.Equal(4, (bd >> 4) & 7); // 64 KiB maximum block size
        // KIP-57: the header checksum covers the descriptor only (FLG and BD), not the magic number.
        Assert.Equal((byte)(K4os.Hash.xxHash.XXH32.DigestOf(section.AsSpan(4, 2)) >> 8), section[6]);
    }

    [Fact]
    public void An_lz4_frame_with_linked_blocks_and_checksums_reads_back()
    {
        byte[] plain = Filled(CompressionType.None, count: 400).Build();
        var frame = new MemoryStream();
        using (var encoder = LZ4Stream.Encode(frame, new LZ4EncoderSettings { ChainBlocks = true, BlockChecksum = true, ContentChecksum = true }, leaveOpen: true))
        {
            encoder.Write(Section(plain));
        }

        byte[] batch = WithSection(plain, CompressionType.Lz4, frame.ToArray());
        Assert.Null(RecordBatchValidator.Validate(batch));
        AssertSameRecords(plain, batch);
    }

    [Fact]
    public void Zstd_is_written_as_a_standard_frame_and_a_streamed_frame_without_content_size_reads_back()
    {
        byte[] plain = Filled(CompressionType.None).Build();
        Assert.Equal(0xFD2FB528u, BinaryPrimitives.ReadUInt32LittleEndian(Section(Filled(CompressionType.Zstd).Build())));

        // Java's zstd-jni streams its output, so the frame header carries no content size.
        var streamed = new MemoryStream();
        using (var compressor = new ZstdSharp.CompressionStream(streamed, 3, leaveOpen: true))
        {
            compressor.Write(Section(plain));
        }

        byte[] batch = WithSection(plain, CompressionType.Zstd, streamed.ToArray());
        Assert.Null(RecordBatchValidator.Validate(batch));
        AssertSameRecords(plain, batch);
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void A_batch_that_inflates_beyond_64_MiB_is_refused_not_inflated(CompressionType codec)
    {
        var builder = new RecordBatchBuilder();
        builder.Add(T0, null, new byte[70 * 1024 * 1024]); // zeros: every codec shrinks them to a few MiB at most
        byte[] plain = builder.Build();
        byte[] bomb = WithSection(plain, codec, CompressionCodecs.Compress(codec, Section(plain)));
        Assert.True(bomb.Length < 4 * 1024 * 1024, $"{codec}: {bomb.Length} bytes");

        Assert.Contains("inflates beyond 64 MiB", RecordBatchValidator.Validate(bomb));
        var ex = Assert.Throws<CorruptRecordException>(() => new RecordBatch(bomb).Records().First());
        Assert.Contains("inflates beyond", ex.Message);
    }

    [Fact]
    public void A_snappy_block_declaring_more_than_its_bytes_can_encode_is_refused_before_its_output_is_allocated()
    {
        // 60 MiB declared (a varint) in front of 20 bytes: random bytes read as a length look like this.
        byte[] block = [0x80, 0x80, 0x80, 0x1E, .. Enumerable.Repeat((byte)0x42, 20)];
        byte[] plain = Filled(CompressionType.None, count: 1).Build();
        byte[] batch = WithSection(plain, CompressionType.Snappy, block);

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var why = RecordBatchValidator.Validate(batch);
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        Assert.Contains("more than snappy can encode", why);
        Assert.True(allocated < 1024 * 1024, $"allocated {allocated} bytes to refuse a {batch.Length}-byte batch");
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Garbage_truncated_or_corrupted_sections_are_reported_and_never_throw_anything_else(CompressionType codec)
    {
        var random = new Random(4321 + (int)codec);
        byte[] plain = Filled(CompressionType.None, count: 50).Build();
        byte[] good = Filled(codec, count: 50).Build();
        byte[] section = Section(good);

        for (int round = 0; round < 3000; round++)
        {
            byte[] candidate = (round % 3) switch
            {
                // Pure noise, sometimes starting with the codec's real magic so the decoder gets past the header.
                0 => Noise(random, section, keepHeader: round % 2 == 0),
                // The real section cut short.
                1 => section[..random.Next(section.Length)],
                // The real section with a few bytes changed.
                _ => Flipped(random, section),
            };

            byte[] batch = WithSection(plain, codec, candidate);
            string? reason = RecordBatchValidator.Validate(batch);
            try
            {
                Record[] records = new RecordBatch(batch).Records().ToArray();
                // The validator is the stricter of the two (it also checks offset deltas), so only this way round:
                // what it accepts decodes whole.
                if (reason is null) Assert.Equal(51, records.Length);
            }
            catch (CorruptRecordException)
            {
                Assert.True(reason is not null, $"round {round}: the validator accepted what does not decode");
            }
        }
    }

    private static byte[] Noise(Random random, byte[] section, bool keepHeader)
    {
        var noise = new byte[random.Next(1, 400)];
        random.NextBytes(noise);
        if (keepHeader) section.AsSpan(0, Math.Min(Math.Min(16, noise.Length), section.Length)).CopyTo(noise);
        return noise;
    }

    private static byte[] Flipped(Random random, byte[] section)
    {
        byte[] copy = (byte[])section.Clone();
        for (int f = random.Next(1, 4); f > 0; f--) copy[random.Next(copy.Length)] = (byte)random.Next(256);
        return copy;
    }

    [Fact]
    public void Reading_a_batch_with_a_codec_id_kafka_does_not_define_is_a_corrupt_record()
    {
        byte[] bytes = Filled(CompressionType.None, count: 1).Build();
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(21), 5);
        BatchBytes.FixCrc(bytes);

        Assert.Throws<CorruptRecordException>(() => new RecordBatch(bytes).Records());
        Assert.Contains("unknown compression codec 5", RecordBatchValidator.Validate(bytes));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RecordBatchBuilder((CompressionType)5));
    }

    [Theory]
    [InlineData("none", CompressionType.None)]
    [InlineData("gzip", CompressionType.Gzip)]
    [InlineData("Snappy", CompressionType.Snappy)]
    [InlineData("lz4", CompressionType.Lz4)]
    [InlineData(" zstd ", CompressionType.Zstd)]
    public void Compression_types_parse_from_kafkas_compression_type_names(string name, CompressionType expected)
    {
        Assert.Equal(expected, CompressionTypes.Parse(name));
        Assert.Equal(name.Trim().ToLowerInvariant(), expected.Name());
    }

    [Fact]
    public void An_unknown_compression_type_name_does_not_parse() => Assert.Null(CompressionTypes.Parse("brotli"));
}
