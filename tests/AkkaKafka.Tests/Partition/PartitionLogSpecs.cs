using AkkaKafka.Broker.Partition;
using AkkaKafka.Protocol.Records;
using AkkaKafka.Tests.Support;
using Xunit;

namespace AkkaKafka.Tests.Partition;

/// <summary>The partition's in-memory model: offsets, segments, the bounded tail, retention and snapshots. No actors.</summary>
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
    }

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
        var all = JournalReader.Concat(d.Log.ReadTail(0, int.MaxValue)!);
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
        Assert.Equal([3L, 4L], Batches.BaseOffsetsOf(JournalReader.Concat(d.Log.ReadTail(3, int.MaxValue)!)));
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

        Assert.Equal([3L, 6L], Batches.BaseOffsetsOf(JournalReader.Concat(batches)));
        Assert.Equal(["d", "e", "f", "g", "h", "i"], Batches.ValuesOf(JournalReader.Concat(batches)));
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
        Assert.Equal(Enumerable.Range(0, expectedBatches).Select(i => (long)i), Batches.BaseOffsetsOf(JournalReader.Concat(batches)));
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
        restored.Restore(d.Log.ToSnapshot());

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
        restored.Restore(d.Log.ToSnapshot());

        var next = Batches.Of(restored.NextOffset, "after");
        restored.Apply(new BatchAppended(next), d.SequenceNr + 1);

        Assert.Equal(4, restored.NextOffset);
        Assert.Equal((2L, 4L, 2, 4L), (restored.Segments[^1].BaseOffset, restored.Segments[^1].NextOffset, restored.Segments[^1].Batches, restored.Segments[^1].LastSequenceNr));
        Assert.Equal(3, restored.TailStartOffset);
        Assert.Equal(["after"], Batches.ValuesOf(JournalReader.Concat(restored.ReadTail(3, int.MaxValue)!)));
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
}
