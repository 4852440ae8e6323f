using Akka.Actor;
using AkkaKafka.Broker.Storage;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Broker.Partition;

/// <summary>
/// A partition's reads of records older than its in-memory tail: the runs of batches it holds in the broker's shared
/// <see cref="ReadCache"/>, the journal reads in flight with the fetches waiting on each, and when a sequential reader
/// should have the next run prefetched. No actor, no I/O: only the PartitionActor touches it, from its own thread.
/// </summary>
public sealed class PartitionReads
{
    private readonly ReadCache _cache;
    /// <summary>Cached runs, by base offset. Runs may overlap (a fetch's read and a prefetch); any holder serves.</summary>
    private readonly List<CachedRange> _ranges = [];
    /// <summary>Journal reads in flight, by the offset they start at, with the fetches waiting for them.</summary>
    private readonly Dictionary<long, List<PendingFetch>> _inFlight = [];

    public PartitionReads(ReadCache cache)
    {
        _cache = cache;
    }

    public int ReadsInFlight => _inFlight.Count;

    /// <summary>Whole batches from the cache, from the one holding <paramref name="offset"/>, up to <paramref name="maxBytes"/> (see <see cref="FetchBatches"/>); null on a miss.</summary>
    public List<byte[]>? Read(long offset, int maxBytes)
    {
        DropEvicted();
        return Find(offset) is null ? null : FetchBatches.Take(CachedFrom(offset), maxBytes);
    }

    /// <summary>Batches from the cache starting with the one holding <paramref name="offset"/>, across adjoining runs.</summary>
    private IEnumerable<byte[]> CachedFrom(long offset)
    {
        var position = offset;
        while (Find(position) is { } range && range.Batches is { } batches)
        {
            for (var i = IndexOfBatchHolding(batches, position); i < batches.Count; i++) yield return batches[i];
            position = range.NextOffset;
        }
    }

    /// <summary>
    /// Where to prefetch for a sequential reader now at <paramref name="position"/>: the end of the cached run it reads
    /// when fewer than <paramref name="aheadBytes"/> are cached beyond it, unless a read from there is in flight already.
    /// </summary>
    public (long Offset, long SequenceNr)? PrefetchFrom(long position, long aheadBytes)
    {
        if (aheadBytes <= 0) return null;
        DropEvicted();
        long ahead = 0;
        CachedRange? last = null;
        for (var range = Find(position); range is not null; range = Find(range.NextOffset))
        {
            var batches = range.Batches;
            if (batches is null) break;
            for (var i = IndexOfBatchHolding(batches, Math.Max(position, range.BaseOffset)); i < batches.Count; i++)
                ahead += batches[i].Length;
            last = range;
            if (ahead >= aheadBytes) return null;
        }
        if (last is null || _inFlight.ContainsKey(last.NextOffset)) return null;
        return (last.NextOffset, last.NextSequenceNr);
    }

    /// <summary>Caches what a journal read returned (not when it is larger than the whole budget).</summary>
    public void Add(JournalRange read)
    {
        var range = _cache.Add(read.Batches, read.NextSequenceNr);
        if (range is null) return;
        var at = _ranges.FindIndex(r => r.BaseOffset > range.BaseOffset);
        _ranges.Insert(at < 0 ? _ranges.Count : at, range);
    }

    /// <summary>Whole batches from a journal read's result for a fetch that waited on it; empty when the read does not hold the offset.</summary>
    public static List<byte[]> Take(IReadOnlyList<byte[]> batches, long offset, int maxBytes)
    {
        if (batches.Count == 0 || new RecordBatch(batches[0]).BaseOffset > offset || new RecordBatch(batches[^1]).NextOffset <= offset) return [];
        return FetchBatches.Take(batches.Skip(IndexOfBatchHolding(batches, offset)), maxBytes);
    }

    /// <summary>True when a read starting at <paramref name="offset"/> is in flight: the fetch waits for it instead of reading again.</summary>
    public bool TryJoin(PendingFetch fetch)
    {
        if (!_inFlight.TryGetValue(fetch.Request.Offset, out var waiting)) return false;
        waiting.Add(fetch);
        return true;
    }

    public void Started(long offset, PendingFetch? fetch) => _inFlight[offset] = fetch is null ? [] : [fetch];

    /// <summary>The read starting at <paramref name="offset"/> finished: the fetches that waited for it.</summary>
    public List<PendingFetch> Finished(long offset) => _inFlight.Remove(offset, out var waiting) ? waiting : [];

    /// <summary>Retention moved the log start: runs wholly below it go, giving their bytes back to the budget.</summary>
    public void DropBelow(long logStartOffset)
    {
        foreach (var range in _ranges.Where(r => r.NextOffset <= logStartOffset)) _cache.Release(range);
        _ranges.RemoveAll(r => r.NextOffset <= logStartOffset);
    }

    /// <summary>The partition stops (moved, deleted, restarted): all its runs give their bytes back.</summary>
    public void Clear()
    {
        foreach (var range in _ranges) _cache.Release(range);
        _ranges.Clear();
    }

    private CachedRange? Find(long offset)
    {
        foreach (var range in _ranges)
            if (range.Holds(offset)) return range;
        return null;
    }

    private void DropEvicted() => _ranges.RemoveAll(r => r.Batches is null);

    /// <summary>Binary search over a run's batches (ordered, contiguous) for the one holding <paramref name="offset"/>.</summary>
    private static int IndexOfBatchHolding(IReadOnlyList<byte[]> batches, long offset)
    {
        int lo = 0, hi = batches.Count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (new RecordBatch(batches[mid]).NextOffset <= offset) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}

/// <summary>A fetch waiting for a journal read.</summary>
public sealed record PendingFetch(FetchRequest Request, IActorRef ReplyTo);
