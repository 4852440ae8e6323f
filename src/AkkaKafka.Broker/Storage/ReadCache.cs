using System.Collections.Concurrent;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Broker.Storage;

/// <summary>
/// The broker's budget for runs of old batches read back from the journal, shared by all its partitions: the bytes
/// of every cached run count against one limit, and adding a run beyond it evicts the oldest runs first (whichever
/// partition holds them). Each partition keeps its own list of <see cref="CachedRange"/>s (only its actor touches
/// it); the cache only knows their order and sizes.
/// </summary>
/// <remarks>
/// Lock-free so no actor ever waits on another: a run is evicted by atomically dropping its batches, and the
/// partition that holds it notices the next time it looks (<see cref="CachedRange.Batches"/> is then null).
/// </remarks>
public sealed class ReadCache
{
    private readonly ConcurrentQueue<CachedRange> _order = new();
    private long _bytes;

    public ReadCache(long budgetBytes)
    {
        BudgetBytes = Math.Max(0, budgetBytes);
    }

    public long BudgetBytes { get; }

    /// <summary>Bytes of batches held now; at most <see cref="BudgetBytes"/> once an <see cref="Add"/> returns.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>
    /// Caches a contiguous run of batches (oldest first) read from a partition's journal, evicting older runs as the
    /// budget needs. Null when the run alone is larger than the budget (or it holds no batch): it is not cached.
    /// </summary>
    public CachedRange? Add(IReadOnlyList<byte[]> batches, long nextSequenceNr)
    {
        if (batches.Count == 0) return null;
        long size = 0;
        foreach (var b in batches) size += b.Length;
        if (size > BudgetBytes) return null;
        var range = new CachedRange(batches, size, nextSequenceNr);
        Interlocked.Add(ref _bytes, size);
        _order.Enqueue(range);
        while (Interlocked.Read(ref _bytes) > BudgetBytes && _order.TryDequeue(out var oldest))
            Release(oldest);
        // Runs their partitions released already are only husks: drop them from the front of the order.
        while (_order.TryPeek(out var head) && head.Batches is null) _order.TryDequeue(out _);
        return range;
    }

    /// <summary>Gives a run's bytes back (its partition stopped, or retention removed its records). Idempotent.</summary>
    public void Release(CachedRange range)
    {
        if (range.TryDrop()) Interlocked.Add(ref _bytes, -range.Bytes);
    }
}

/// <summary>
/// A contiguous run of stored batches of one partition, as one journal read returned them; its batches go away when
/// the shared <see cref="ReadCache"/> evicts it.
/// </summary>
public sealed class CachedRange
{
    private IReadOnlyList<byte[]>? _batches;

    internal CachedRange(IReadOnlyList<byte[]> batches, long bytes, long nextSequenceNr)
    {
        _batches = batches;
        Bytes = bytes;
        NextSequenceNr = nextSequenceNr;
        BaseOffset = new RecordBatch(batches[0]).BaseOffset;
        NextOffset = new RecordBatch(batches[^1]).NextOffset;
    }

    public long BaseOffset { get; }

    /// <summary>The offset after the run's last record: where a sequential reader goes on.</summary>
    public long NextOffset { get; }

    /// <summary>The journal sequence number after the run's last batch: where the next read of this partition starts.</summary>
    public long NextSequenceNr { get; }

    public long Bytes { get; }

    /// <summary>The batches, or null once the run was evicted or released.</summary>
    public IReadOnlyList<byte[]>? Batches => Volatile.Read(ref _batches);

    public bool Holds(long offset) => offset >= BaseOffset && offset < NextOffset && Batches is not null;

    internal bool TryDrop() => Interlocked.Exchange(ref _batches, null) is not null;
}
