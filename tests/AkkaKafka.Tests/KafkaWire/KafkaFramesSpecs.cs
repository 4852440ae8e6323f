using System.Buffers;
using System.Buffers.Binary;
using AkkaKafka.Broker.KafkaListener;
using Xunit;

namespace AkkaKafka.Tests.KafkaWire;

/// <summary>
/// Kafka's framing as the listener reads it off the pipe: an int32 size, then that many bytes. What the read loop
/// does next (wait, close, serve) depends only on this outcome, so every case is pinned here without sockets.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class KafkaFramesSpecs
{
    private const int MaxSize = 1024;

    private static byte[] Frame(int declaredSize, int bodyBytes, byte fill = 0x5A)
    {
        var bytes = new byte[4 + bodyBytes];
        BinaryPrimitives.WriteInt32BigEndian(bytes, declaredSize);
        bytes.AsSpan(4).Fill(fill);
        return bytes;
    }

    [Fact]
    public void Fewer_than_four_bytes_need_more_and_consume_nothing()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0, 0, 0 });
        Assert.Equal(KafkaFrames.Outcome.NeedMore, KafkaFrames.TryRead(ref buffer, MaxSize, out var frame, out _));
        Assert.Empty(frame);
        Assert.Equal(3, buffer.Length);
    }

    [Fact]
    public void A_body_shorter_than_its_size_needs_more_and_consumes_nothing()
    {
        var buffer = new ReadOnlySequence<byte>(Frame(declaredSize: 20, bodyBytes: 19));
        Assert.Equal(KafkaFrames.Outcome.NeedMore, KafkaFrames.TryRead(ref buffer, MaxSize, out _, out var declared));
        Assert.Equal(20, declared);
        Assert.Equal(4 + 19, buffer.Length);
    }

    [Fact]
    public void A_size_above_the_limit_is_too_large_before_any_body_arrives()
    {
        // socket.request.max.bytes: refused on the size alone, so a hostile size never makes the broker buffer it.
        var buffer = new ReadOnlySequence<byte>(Frame(declaredSize: MaxSize + 1, bodyBytes: 0));
        Assert.Equal(KafkaFrames.Outcome.TooLarge, KafkaFrames.TryRead(ref buffer, MaxSize, out _, out var declared));
        Assert.Equal(MaxSize + 1, declared);
    }

    [Fact]
    public void A_negative_size_and_one_smaller_than_a_request_header_are_too_small()
    {
        foreach (var size in new[] { -1, int.MinValue, 0, KafkaFrames.MinRequestSize - 1 })
        {
            var buffer = new ReadOnlySequence<byte>(Frame(size, bodyBytes: 0));
            Assert.Equal(KafkaFrames.Outcome.TooSmall, KafkaFrames.TryRead(ref buffer, MaxSize, out _, out var declared));
            Assert.Equal(size, declared);
        }
    }

    [Fact]
    public void A_frame_of_exactly_its_size_is_copied_out_and_leaves_an_empty_buffer()
    {
        var buffer = new ReadOnlySequence<byte>(Frame(KafkaFrames.MinRequestSize, KafkaFrames.MinRequestSize, fill: 7));
        Assert.Equal(KafkaFrames.Outcome.Frame, KafkaFrames.TryRead(ref buffer, MaxSize, out var frame, out _));
        Assert.Equal(Enumerable.Repeat((byte)7, KafkaFrames.MinRequestSize), frame);
        Assert.Equal(0, buffer.Length);
    }

    [Fact]
    public void A_frame_of_exactly_the_limit_is_accepted()
    {
        var buffer = new ReadOnlySequence<byte>(Frame(MaxSize, MaxSize));
        Assert.Equal(KafkaFrames.Outcome.Frame, KafkaFrames.TryRead(ref buffer, MaxSize, out var frame, out _));
        Assert.Equal(MaxSize, frame.Length);
    }

    [Fact]
    public void Two_frames_in_one_buffer_come_out_one_after_the_other_and_a_partial_third_waits()
    {
        byte[] bytes = [.. Frame(12, 12, fill: 1), .. Frame(15, 15, fill: 2), .. Frame(30, 5, fill: 3)];
        var buffer = new ReadOnlySequence<byte>(bytes);

        Assert.Equal(KafkaFrames.Outcome.Frame, KafkaFrames.TryRead(ref buffer, MaxSize, out var first, out _));
        Assert.Equal(KafkaFrames.Outcome.Frame, KafkaFrames.TryRead(ref buffer, MaxSize, out var second, out _));
        Assert.Equal(KafkaFrames.Outcome.NeedMore, KafkaFrames.TryRead(ref buffer, MaxSize, out _, out _));

        Assert.Equal(Enumerable.Repeat((byte)1, 12), first);
        Assert.Equal(Enumerable.Repeat((byte)2, 15), second);
        Assert.Equal(4 + 5, buffer.Length);
    }

    [Fact]
    public void A_frame_split_across_pipe_segments_reads_as_one()
    {
        // Kestrel's pipe hands over a chain of segments; a frame may straddle them, even in its size field.
        var bytes = Frame(20, 20, fill: 9);
        var buffer = Segments(bytes[..2], bytes[2..11], bytes[11..]);
        Assert.Equal(KafkaFrames.Outcome.Frame, KafkaFrames.TryRead(ref buffer, MaxSize, out var frame, out _));
        Assert.Equal(Enumerable.Repeat((byte)9, 20), frame);
        Assert.Equal(0, buffer.Length);
    }

    [Fact]
    public void The_copied_frame_outlives_the_buffer_it_came_from()
    {
        var bytes = Frame(12, 12, fill: 4);
        var buffer = new ReadOnlySequence<byte>(bytes);
        KafkaFrames.TryRead(ref buffer, MaxSize, out var frame, out _);
        bytes.AsSpan().Clear(); // the pipe reuses its memory once the reader advances
        Assert.Equal(Enumerable.Repeat((byte)4, 12), frame);
    }

    private static ReadOnlySequence<byte> Segments(params byte[][] parts)
    {
        var first = new Segment(parts[0], 0);
        var last = first;
        foreach (var part in parts.Skip(1)) last = last.Append(part);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
