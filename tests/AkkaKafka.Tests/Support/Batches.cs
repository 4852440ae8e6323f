using System.Text;
using AkkaKafka.Protocol.Records;
using Record = AkkaKafka.Protocol.Records.Record;

namespace AkkaKafka.Tests.Support;

/// <summary>Record batches for specs: values are short UTF-8 strings so a failing assertion reads well.</summary>
public static class Batches
{
    public const long T0 = 1_700_000_000_000;

    /// <summary>One batch holding <paramref name="values"/>, all with timestamp <paramref name="timestamp"/>.</summary>
    public static byte[] Of(long baseOffset, long timestamp, params string[] values)
    {
        var builder = new RecordBatchBuilder();
        foreach (var value in values) builder.Add(timestamp, Encoding.UTF8.GetBytes("k-" + value), Encoding.UTF8.GetBytes(value));
        return builder.Build(baseOffset);
    }

    public static byte[] Of(long baseOffset, params string[] values) => Of(baseOffset, T0, values);

    /// <summary>One batch whose records carry their own timestamps (in any order, as producers may set them).</summary>
    public static byte[] Timed(long baseOffset, CompressionType compression, params (long Timestamp, string Value)[] records)
    {
        var builder = new RecordBatchBuilder(compression);
        foreach (var (timestamp, value) in records) builder.Add(timestamp, Encoding.UTF8.GetBytes("k-" + value), Encoding.UTF8.GetBytes(value));
        return builder.Build(baseOffset);
    }

    public static byte[] Timed(long baseOffset, params (long Timestamp, string Value)[] records) => Timed(baseOffset, CompressionType.None, records);

    /// <summary>
    /// <paramref name="batch"/> with a header that misstates its newest timestamp, as Sarama (maxTimestamp -1) or a
    /// careless client sends it; the CRC is made right again, so only the figure is wrong.
    /// </summary>
    public static byte[] WithHeaderMaxTimestamp(byte[] batch, long maxTimestamp)
    {
        var forged = (byte[])batch.Clone();
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(forged.AsSpan(35), maxTimestamp);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(forged.AsSpan(17), Crc32C.Compute(forged.AsSpan(21)));
        return forged;
    }

    /// <summary>One batch of a producer's open transaction (the transactional attribute, the producer id, epoch and sequence set).</summary>
    public static byte[] Transactional(long baseOffset, long producerId, short epoch, int sequence, params string[] values)
    {
        var builder = new RecordBatchBuilder();
        foreach (var value in values) builder.Add(T0, null, Encoding.UTF8.GetBytes(value));
        return ControlRecords.Transactional(builder.Build(baseOffset, producer: new ProducerFields(producerId, epoch, sequence)));
    }

    /// <summary>A transaction marker (a control batch) at <paramref name="baseOffset"/>, as a partition stores it.</summary>
    public static byte[] Marker(long baseOffset, long producerId, short epoch, TransactionResult result, int coordinatorEpoch = 0)
    {
        var marker = ControlRecords.Marker(producerId, epoch, result, coordinatorEpoch, T0);
        RecordBatch.SetBaseOffset(marker, baseOffset);
        return marker;
    }

    /// <summary>A batch as a producer sends it: base offset 0, the broker assigns the real one.</summary>
    public static byte[] Produced(params string[] values) => Of(0, values);

    /// <summary>Values "prefix-0" … "prefix-(count-1)".</summary>
    public static string[] Values(string prefix, int count) => Enumerable.Range(0, count).Select(i => $"{prefix}-{i}").ToArray();

    public static IReadOnlyList<Record> Records(byte[] concatenated) => RecordBatches.ReadRecords(concatenated).ToList();

    public static IReadOnlyList<string> ValuesOf(byte[] concatenated) =>
        RecordBatches.ReadRecords(concatenated).Select(r => Encoding.UTF8.GetString(r.Value!)).ToList();

    public static IReadOnlyList<long> BaseOffsetsOf(byte[] concatenated) =>
        RecordBatches.Read(concatenated).Select(b => b.BaseOffset).ToList();
}
