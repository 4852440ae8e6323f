using AkkaKafka.Broker.Partition;
using AkkaKafka.Protocol.Records;
using AkkaKafka.Tests.Support;
using Xunit;

namespace AkkaKafka.Tests.Partition;

/// <summary>The partition's in-memory model: offsets, segments, the bounded tail, retention and snapshots. No actors.</summary>
[Trait("Speed", "Fast")]
public sealed class PartitionLogSpecs
{
    /// <summary>Size of a batch holding one value of <see cref="SameSizeValue"/>'s length: every such batch has this size.</summary>
    private static readonly int B = Batches.Of(0, SameSizeValue(0)).Length;

    private static string SameSizeValue(int i) => $"v{i:D4}";

    /// <summary>Feeds a log the way the PartitionActor does: contiguous base offsets, one journal sequence number per event.</summary>
    private sealed class Driver(long tailBytes = long.MaxValue, int segmentBatches = int.MaxValue, long segmentBytes = long.MaxValue)
    {
        public PartitionLog Log { get; } = new(tailBytes, segmentBatches, segmentBytes);
        public long SequenceNr { get; private set; }

        public byte[] Append(params string[] values) => Append(Batches.T0, values);

        public byte[] Append(long timestamp, params string[] values)
        {
            var bytes = Batches.Of(Log.NextOffset, timestamp, values);
            Log.Apply(new BatchAppended(bytes), ++SequenceNr);
            return bytes;
        }

        /// <summary>Appends <paramref name="count"/> one-record batches of identical size <see cref="B"/>.</summary>
        public List<byte[]> AppendSameSize(int count) => Enumerable.Range(0, count).Select(i => Append(SameSizeValue(i))).ToList();

        public void Apply(IPartitionEvent e) => Log.Apply(e, ++SequenceNr);

        /// <summary>Appends one batch whose records have the given timestamps, in order.</summary>
        public byte[] AppendTimed(CompressionType compression, params long[] timestamps)
        {
            var bytes = Batches.Timed(Log.NextOffset, compression, timestamps.Select(t => (t, $"t{t - Batches.T0}")).ToArray());
            Log.Apply(new BatchAppended(bytes), ++SequenceNr);
            return bytes;
        }

        public byte[] AppendTimed(params long[] timestamps) => AppendTimed(CompressionType.None, timestamps);
    }

    private const long T0 = Batches.T0;

    // ---------------- offsets ----------------

    [Fact]
    public void A_new_log_is_empty_at_offset_zero_with_no_leader_epoch()
    {
        var log = new Driver().Log;

        Assert.Equal(0, log.NextOffset);
        Assert.Equal(0, log.LogStartOffset);
        Assert.Equal(-1, log.LeaderEpoch);
        Assert.Equal(0, log.TailStartOffset);
        Assert.Empty(log.Segments);
        Assert.Null(log.ReadTail(0, int.MaxValue));
        Assert.Null(log.FindSegment(0));
    }

    [Fact]
    public void Offsets_run_contiguously_from_zero_across_batches_of_any_size()
    {
        var d = new Driver();
        d.Append("a", "b", "c");
        d.Append("d");
        d.Append("e", "f", "g", "h");

        Assert.Equal(8, d.Log.NextOffset);
        Assert.Equal(0, d.Log.LogStartOffset);
        var all = FetchBatches.Concat(d.Log.ReadTail(0, int.MaxValue)!);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i), Batches.Records(all).Select(r => r.Offset));
        Assert.Equal(["a", "b", "c", "d", "e", "f", "g", "h"], Batches.ValuesOf(all));
    }

    [Fact]
    public void The_leader_epoch_only_grows()
    {
        var d = new Driver();
        d.Apply(new LeaderEpochClaimed(5));
        d.Apply(new LeaderEpochClaimed(3));

        Assert.Equal(5, d.Log.LeaderEpoch);
    }

    // ---------------- segments ----------------

    [Fact]
    public void A_segment_rolls_after_segment_batches_batches()
    {
        var d = new Driver(segmentBatches: 3);
        for (var i = 0; i < 7; i++) d.Append($"a{i}", $"b{i}");

        Assert.Equal([3, 3, 1], d.Log.Segments.Select(s => s.Batches));
        Assert.Equal([(1L, 3L), (4L, 6L), (7L, 7L)], d.Log.Segments.Select(s => (s.FirstSequenceNr, s.LastSequenceNr)));
        Assert.Equal([(0L, 6L), (6L, 12L), (12L, 14L)], d.Log.Segments.Select(s => (s.BaseOffset, s.NextOffset)));
    }

    [Fact]
    public void A_segment_rolls_when_the_next_batch_would_exceed_segment_bytes()
    {
        var d = new Driver(segmentBytes: 2 * B + B / 2);
        d.AppendSameSize(5);

        Assert.Equal([2, 2, 1], d.Log.Segments.Select(s => s.Batches));
        Assert.All(d.Log.Segments, s => Assert.True(s.Bytes <= 2 * B + B / 2));
        Assert.Equal(5L * B, d.Log.SizeInBytes);
    }

    [Fact]
    public void A_batch_larger_than_segment_bytes_gets_a_segment_of_its_own()
    {
        var d = new Driver(segmentBytes: B / 2);
        d.AppendSameSize(3);

        Assert.Equal([1, 1, 1], d.Log.Segments.Select(s => s.Batches));
    }

    [Fact]
    public void Segments_cover_the_log_without_gaps_and_record_their_newest_timestamp()
    {
        var d = new Driver(segmentBatches: 2);
        d.Append(Batches.T0 + 30, "a");
        d.Append(Batches.T0 + 10, "b", "c");
        d.Append(Batches.T0 + 20, "d");

        var segments = d.Log.Segments;
        Assert.Equal(0, segments[0].BaseOffset);
        Assert.Equal(segments[0].NextOffset, segments[1].BaseOffset);
        Assert.Equal(d.Log.NextOffset, segments[^1].NextOffset);
        Assert.Equal([Batches.T0 + 30, Batches.T0 + 20], segments.Select(s => s.MaxTimestamp));
    }

    [Fact]
    public void Find_segment_finds_the_segment_holding_every_offset_of_the_log()
    {
        var d = new Driver(segmentBatches: 2);
        for (var i = 0; i < 41; i++) d.Append(Batches.Values($"r{i}", 1 + i % 4)); // batches of 1 to 4 records

        Assert.Equal(21, d.Log.Segments.Count);
        for (long offset = 0; offset < d.Log.NextOffset; offset++)
        {
            var segment = d.Log.FindSegment(offset);
            Assert.NotNull(segment);
            Assert.InRange(offset, segment.BaseOffset, segment.NextOffset - 1);
        }
        foreach (var segment in d.Log.Segments)
            Assert.Same(segment, d.Log.FindSegment(segment.BaseOffset));
        Assert.Null(d.Log.FindSegment(d.Log.NextOffset));
        Assert.Null(d.Log.FindSegment(-1));
    }

    // ---------------- tail ----------------

    [Fact]
    public void The_tail_keeps_only_the_newest_batches_that_fit_in_tail_bytes()
    {
        var d = new Driver(tailBytes: 2 * B + B / 2);
        d.AppendSameSize(5);

        Assert.Equal(2L * B, d.Log.TailBytes);
        Assert.Equal(3, d.Log.TailStartOffset);
        Assert.Null(d.Log.ReadTail(2, int.MaxValue));
        Assert.Equal([3L, 4L], Batches.BaseOffsetsOf(FetchBatches.Concat(d.Log.ReadTail(3, int.MaxValue)!)));
    }

    [Fact]
    public void The_tail_keeps_the_newest_batch_even_when_it_alone_exceeds_tail_bytes()
    {
        var d = new Driver(tailBytes: 1);
        d.Append("a", "b");
        var newest = d.Append("c", "d", "e");

        Assert.Equal(newest.Length, d.Log.TailBytes);
        Assert.Equal(2, d.Log.TailStartOffset);
        Assert.Equal(newest, Assert.Single(d.Log.ReadTail(2, int.MaxValue)!));
    }

    [Fact]
    public void Reading_the_tail_returns_whole_batches_from_the_one_holding_the_offset()
    {
        var d = new Driver();
        d.Append("a", "b", "c");
        d.Append("d", "e", "f");
        d.Append("g", "h", "i");

        var batches = d.Log.ReadTail(4, int.MaxValue)!;

        Assert.Equal([3L, 6L], Batches.BaseOffsetsOf(FetchBatches.Concat(batches)));
        Assert.Equal(["d", "e", "f", "g", "h", "i"], Batches.ValuesOf(FetchBatches.Concat(batches)));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)] // 2B - 1 bytes: a second batch would not fit
    [InlineData(3, 2)] // exactly 2B bytes
    [InlineData(4, 5)] // no limit to speak of
    public void Reading_the_tail_stays_within_max_bytes_but_returns_at_least_one_batch(int maxBytesCase, int expectedBatches)
    {
        var maxBytes = maxBytesCase switch { 1 => 1, 2 => 2 * B - 1, 3 => 2 * B, _ => int.MaxValue };
        var d = new Driver();
        d.AppendSameSize(5);

        var batches = d.Log.ReadTail(0, maxBytes)!;

        Assert.Equal(expectedBatches, batches.Count);
        Assert.Equal(Enumerable.Range(0, expectedBatches).Select(i => (long)i), Batches.BaseOffsetsOf(FetchBatches.Concat(batches)));
    }

    [Fact]
    public void Reading_the_tail_at_or_past_the_log_end_returns_nothing()
    {
        var d = new Driver();
        d.Append("a", "b");

        Assert.Null(d.Log.ReadTail(2, int.MaxValue));
        Assert.Null(d.Log.ReadTail(3, int.MaxValue));
    }

    // ---------------- retention ----------------

    [Fact]
    public void Retention_by_age_expires_the_oldest_segments_whose_newest_record_is_too_old()
    {
        var d = new Driver(segmentBatches: 1);
        for (var i = 0; i < 4; i++) d.Append(Batches.T0 + i * 1000, $"r{i}");

        var expired = d.Log.ExpiredSegments(nowMs: Batches.T0 + 3500, retentionMs: 2000, retentionBytes: -1);

        // Segments at T0 and T0+1000 are older than now-2000 = T0+1500; the one at T0+2000 is not.
        Assert.Equal(new LogStartOffsetAdvanced(2, 2), expired);
    }

    [Fact]
    public void Retention_by_age_never_expires_the_active_segment()
    {
        var d = new Driver(segmentBatches: 1);
        for (var i = 0; i < 3; i++) d.Append($"r{i}");

        var expired = d.Log.ExpiredSegments(nowMs: Batches.T0 + 1_000_000, retentionMs: 1, retentionBytes: -1);

        Assert.Equal(new LogStartOffsetAdvanced(2, 2), expired);
    }

    [Fact]
    public void Retention_by_size_drops_the_oldest_segments_while_the_rest_still_holds_retention_bytes()
    {
        var d = new Driver(segmentBatches: 1);
        d.AppendSameSize(5);

        var expired = d.Log.ExpiredSegments(nowMs: Batches.T0, retentionMs: -1, retentionBytes: 2 * B);

        Assert.Equal(new LogStartOffsetAdvanced(3, 3), expired);
    }

    [Fact]
    public void Retention_by_size_never_drops_the_active_segment()
    {
        var d = new Driver(segmentBatches: 2);
        d.AppendSameSize(5);

        var expired = d.Log.ExpiredSegments(nowMs: Batches.T0, retentionMs: -1, retentionBytes: 0);

        Assert.Equal(new LogStartOffsetAdvanced(4, 4), expired);
    }

    [Fact]
    public void Nothing_expires_without_limits_within_limits_or_with_a_single_segment()
    {
        var single = new Driver();
        single.AppendSameSize(3);
        var several = new Driver(segmentBatches: 1);
        several.AppendSameSize(3);

        Assert.Null(single.Log.ExpiredSegments(Batches.T0 + 1_000_000, retentionMs: 1, retentionBytes: 0));
        Assert.Null(several.Log.ExpiredSegments(Batches.T0 + 1_000_000, retentionMs: -1, retentionBytes: -1));
        Assert.Null(several.Log.ExpiredSegments(Batches.T0 + 1000, retentionMs: 1_000_000, retentionBytes: 3 * B));
    }

    [Fact]
    public void Advancing_the_log_start_drops_the_segments_and_tail_below_it()
    {
        var d = new Driver(segmentBatches: 1);
        d.AppendSameSize(5);

        d.Apply(d.Log.ExpiredSegments(Batches.T0, -1, 2 * B)!);

        Assert.Equal(3, d.Log.LogStartOffset);
        Assert.Equal(5, d.Log.NextOffset);
        Assert.Equal([3L, 4L], d.Log.Segments.Select(s => s.BaseOffset));
        Assert.Equal(2L * B, d.Log.SizeInBytes);
        Assert.Equal(3, d.Log.TailStartOffset);
        Assert.Null(d.Log.ReadTail(2, int.MaxValue));
        Assert.Null(d.Log.FindSegment(2));
    }

    [Fact]
    public void The_log_start_never_moves_back()
    {
        var d = new Driver(segmentBatches: 1);
        d.AppendSameSize(5);
        d.Apply(new LogStartOffsetAdvanced(3, 3));

        d.Apply(new LogStartOffsetAdvanced(1, 1));

        Assert.Equal(3, d.Log.LogStartOffset);
        Assert.Equal(2, d.Log.Segments.Count);
    }

    // ---------------- snapshots ----------------

    [Fact]
    public void A_log_restored_from_a_snapshot_has_the_same_offsets_epoch_and_index_but_an_empty_tail()
    {
        var d = new Driver(segmentBatches: 2);
        d.Apply(new LeaderEpochClaimed(7));
        d.AppendSameSize(7);
        d.Apply(new LogStartOffsetAdvanced(2, 3));

        var restored = new PartitionLog(long.MaxValue, 2, long.MaxValue);
        restored.Restore(d.Log.ToSnapshot(), T0);

        Assert.Equal(7, restored.NextOffset);
        Assert.Equal(2, restored.LogStartOffset);
        Assert.Equal(7, restored.LeaderEpoch);
        Assert.Equal(d.Log.Segments, restored.Segments);
        Assert.Equal(7, restored.TailStartOffset);
        Assert.Equal(0, restored.TailBytes);
        Assert.Null(restored.ReadTail(2, int.MaxValue));
        Assert.Equal(d.Log.FindSegment(3), restored.FindSegment(3));
    }

    [Fact]
    public void A_restored_log_keeps_appending_after_the_snapshot()
    {
        var d = new Driver(segmentBatches: 2);
        d.AppendSameSize(3);
        var restored = new PartitionLog(long.MaxValue, 2, long.MaxValue);
        restored.Restore(d.Log.ToSnapshot(), T0);

        var next = Batches.Of(restored.NextOffset, "after");
        restored.Apply(new BatchAppended(next), d.SequenceNr + 1);

        Assert.Equal(4, restored.NextOffset);
        Assert.Equal((2L, 4L, 2, 4L), (restored.Segments[^1].BaseOffset, restored.Segments[^1].NextOffset, restored.Segments[^1].Batches, restored.Segments[^1].LastSequenceNr));
        Assert.Equal(3, restored.TailStartOffset);
        Assert.Equal(["after"], Batches.ValuesOf(FetchBatches.Concat(restored.ReadTail(3, int.MaxValue)!)));
    }

    [Fact]
    public void A_snapshot_is_a_copy_that_later_appends_do_not_change()
    {
        var d = new Driver(segmentBatches: 10);
        d.AppendSameSize(2);
        var snapshot = d.Log.ToSnapshot();

        d.AppendSameSize(2);

        Assert.Equal(2, snapshot.NextOffset);
        Assert.Equal(2, Assert.Single(snapshot.Segments).Batches);
    }

    // ---------------- lookup by timestamp ----------------

    [Fact]
    public void A_timestamp_in_the_tail_finds_the_earliest_record_at_or_after_it_with_that_records_timestamp()
    {
        var d = new Driver();
        d.AppendTimed(T0, T0 + 10, T0 + 20); // offsets 0-2
        d.AppendTimed(T0 + 30, T0 + 5, T0 + 40); // offsets 3-5: producers' timestamps need not grow

        Assert.Equal(new TimestampLookup.Found(0, T0), d.Log.LookupTimestamp(T0 - 1000, 0));
        Assert.Equal(new TimestampLookup.Found(0, T0), d.Log.LookupTimestamp(T0, 0));
        Assert.Equal(new TimestampLookup.Found(2, T0 + 20), d.Log.LookupTimestamp(T0 + 11, 0));
        Assert.Equal(new TimestampLookup.Found(3, T0 + 30), d.Log.LookupTimestamp(T0 + 21, 0));
        Assert.Equal(new TimestampLookup.Found(5, T0 + 40), d.Log.LookupTimestamp(T0 + 31, 0));
    }

    [Fact]
    public void A_timestamp_newer_than_every_record_finds_nothing()
    {
        var d = new Driver();
        d.AppendTimed(T0, T0 + 10);

        Assert.Same(TimestampLookup.None.Instance, d.Log.LookupTimestamp(T0 + 11, 0));
        Assert.Same(TimestampLookup.None.Instance, new Driver().Log.LookupTimestamp(T0, 0));
    }

    [Theory]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public void A_timestamp_inside_a_compressed_batch_finds_its_record(CompressionType compression)
    {
        var d = new Driver();
        d.AppendTimed(T0, T0 + 1);
        d.AppendTimed(compression, T0 + 2, T0 + 7, T0 + 9);

        Assert.Equal(new TimestampLookup.Found(3, T0 + 7), d.Log.LookupTimestamp(T0 + 3, 0));
    }

    [Fact]
    public void The_first_segment_that_can_hold_the_timestamp_is_searched_even_when_a_later_one_is_older()
    {
        var d = new Driver(segmentBatches: 1);
        d.AppendTimed(T0 + 100); // segment 0, offset 0
        d.AppendTimed(T0 + 50); // segment 1, offset 1
        d.AppendTimed(T0 + 200); // segment 2, offset 2

        Assert.Equal(new TimestampLookup.Found(0, T0 + 100), d.Log.LookupTimestamp(T0 + 60, 0));
        Assert.Equal(new TimestampLookup.Found(2, T0 + 200), d.Log.LookupTimestamp(T0 + 101, 0));
    }

    [Fact]
    public void A_candidate_older_than_the_tail_is_read_from_its_segment_in_the_journal()
    {
        var d = new Driver(tailBytes: 1, segmentBatches: 2);
        d.AppendTimed(T0); // segment 0: offsets 0-1
        d.AppendTimed(T0 + 10);
        d.AppendTimed(T0 + 20); // segment 1: offsets 2-3
        d.AppendTimed(T0 + 30);
        d.AppendTimed(T0 + 40); // segment 2, the only batch in the tail

        var segment1 = d.Log.Segments[1];
        Assert.Equal(new TimestampLookup.InJournal(segment1, 2), d.Log.LookupTimestamp(T0 + 15, 0));
        // A search that read offset 2 without finding the record goes on from 3, still in the journal.
        Assert.Equal(new TimestampLookup.InJournal(segment1, 3), d.Log.LookupTimestamp(T0 + 15, 3));
        // Segments whose newest record is older are skipped without a journal read: the answer is in the tail.
        Assert.Equal(new TimestampLookup.Found(4, T0 + 40), d.Log.LookupTimestamp(T0 + 31, 0));
    }

    [Fact]
    public void A_restored_log_looks_up_every_timestamp_in_the_journal_until_new_batches_arrive()
    {
        var d = new Driver(segmentBatches: 2);
        d.AppendTimed(T0, T0 + 1);
        d.AppendTimed(T0 + 2);
        var restored = new PartitionLog(long.MaxValue, 2, long.MaxValue);
        restored.Restore(d.Log.ToSnapshot(), T0);

        Assert.Equal(new TimestampLookup.InJournal(restored.Segments[0], 0), restored.LookupTimestamp(T0 + 1, 0));
        Assert.Same(TimestampLookup.None.Instance, restored.LookupTimestamp(T0 + 3, 0));
    }

    [Fact]
    public void A_lookup_never_answers_below_the_log_start()
    {
        var d = new Driver(segmentBatches: 1);
        d.AppendTimed(T0 + 50);
        d.AppendTimed(T0 + 10);
        d.AppendTimed(T0 + 60);
        d.Apply(new LogStartOffsetAdvanced(1, 1));

        Assert.Equal(new TimestampLookup.Found(1, T0 + 10), d.Log.LookupTimestamp(T0, 0));
        Assert.Equal(new TimestampLookup.Found(2, T0 + 60), d.Log.LookupTimestamp(T0 + 20, 0));
    }

    [Fact]
    public void With_log_append_time_every_record_of_a_batch_has_the_append_time()
    {
        var bytes = Batches.Timed(0, (T0, "a"), (T0 + 5, "b"));
        System.Buffers.Binary.BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(21), 0x08);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(35), T0 + 99);

        Assert.Equal(new TimestampLookup.Found(0, T0 + 99), TimestampLookup.FirstInBatches([new RecordBatch(bytes)], T0 + 50, 0));
    }
    // ---------------- logs written before validation on append ----------------

    [Theory]
    [InlineData(CompressionType.None)]
    [InlineData(CompressionType.Lz4)]
    public void A_stored_batch_whose_header_says_max_timestamp_minus_one_is_indexed_by_its_records_newest_timestamp(CompressionType compression)
    {
        // What brokers before validation on append stored from Sarama: the header as it came.
        var d = new Driver(segmentBatches: 2);
        for (var i = 0; i < 5; i++)
        {
            var stored = Batches.WithHeaderMaxTimestamp(
                Batches.Timed(d.Log.NextOffset, compression, (T0 + 10 * i, $"a{i}"), (T0 + 10 * i + 5, $"b{i}")), -1);
            d.Apply(new BatchAppended(stored));
        }

        Assert.Equal([T0 + 15, T0 + 35, T0 + 45], d.Log.Segments.Select(s => s.MaxTimestamp));
        Assert.Null(d.Log.ExpiredSegments(nowMs: T0 + 60_000, retentionMs: 7 * 86_400_000L, retentionBytes: -1));
        Assert.Equal(new TimestampLookup.Found(5, T0 + 25), d.Log.LookupTimestamp(T0 + 21, 0));
    }

    [Fact]
    public void A_snapshot_segment_with_an_unknown_newest_timestamp_counts_as_written_at_recovery()
    {
        // A snapshot taken before validation on append of a segment of Sarama batches only kept their -1.
        var snapshot = new PartitionSnapshot(6, 0, 1,
            [new Segment(1, 3, 0, 3, 300, -1, 3), new Segment(4, 6, 3, 6, 300, T0 + 5, 3), new Segment(7, 7, 6, 6, 0, -1, 0)]);
        var restored = new PartitionLog(long.MaxValue, 3, long.MaxValue);

        restored.Restore(snapshot, recoveredAtMs: T0 + 1000);

        Assert.Equal([T0 + 1000, T0 + 5, T0 + 1000], restored.Segments.Select(s => s.MaxTimestamp));
        Assert.Null(restored.ExpiredSegments(nowMs: T0 + 2000, retentionMs: 1500, retentionBytes: -1));
    }
}
