using System.Collections.Concurrent;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Client.Producer;

/// <summary>
/// Kafka's RecordAccumulator: per partition, the open batch and the closed batches waiting to be sent, in order.
/// Callers append on their own thread under a short per-partition lock (no actor message, no Task per record); the
/// <see cref="ProducerActor"/> takes closed batches when the partition has an in-flight slot. The accumulator only
/// reports the two moments the actor must know of: a partition opened a batch (its linger starts) and a batch
/// filled up (it can go at once). Both are reported inside the lock, so the actor hears them in append order.
/// </summary>
internal sealed class RecordAccumulator(int batchSize, Action<TopicPartition, long> batchOpened, Action<TopicPartition> batchFull)
{
    private readonly ConcurrentDictionary<TopicPartition, PartitionDeque> _partitions = new();

    /// <summary>Room a record takes in the buffer: its bytes plus a record's overhead in a batch (varints, attributes).</summary>
    public static long SizeOf(byte[]? key, byte[]? value, IReadOnlyList<RecordHeader>? headers)
    {
        long size = 16 + (key?.Length ?? 0) + (value?.Length ?? 0);
        if (headers is not null)
            foreach (var h in headers)
                size += 8 + h.Key.Length * 3 + (h.Value?.Length ?? 0);
        return size;
    }

    public enum AppendResult
    {
        Appended,
        /// <summary>The partition had no open batch and the caller asked not to open one (the sticky partitioner moves on first).</summary>
        NoOpenBatch,
    }

    /// <summary>Adds a record to the open batch of <paramref name="partition"/>, opening one unless told not to.</summary>
    public AppendResult Append(TopicPartition partition, long timestamp, byte[]? key, byte[]? value, IReadOnlyList<RecordHeader>? headers,
        Completion completion, long reservedBytes, bool abortIfNoOpenBatch = false)
    {
        var deque = _partitions.GetOrAdd(partition, static _ => new PartitionDeque());
        lock (deque)
        {
            var batch = deque.Open;
            if (batch is not null && batch.Count > 0 && batch.EstimatedSize + reservedBytes > batchSize)
            {
                // The record does not fit: the batch goes as it is and the record opens the next one (as Kafka's
                // accumulator does), so no batch is larger than the larger of batch-size and one record, and with
                // records no larger than max-request-size no request is either.
                deque.Closed.Enqueue(batch);
                deque.Open = batch = null;
                batchFull(partition);
            }
            if (batch is null)
            {
                if (abortIfNoOpenBatch) return AppendResult.NoOpenBatch;
                deque.Open = batch = new ProducerBatch(partition, ++deque.Sequence, DateTime.UtcNow);
                batchOpened(partition, batch.Sequence);
            }
            batch.Add(timestamp, key, value, headers, completion, reservedBytes);
            if (batch.EstimatedSize >= batchSize)
            {
                deque.Closed.Enqueue(batch);
                deque.Open = null;
                batchFull(partition);
            }
            return AppendResult.Appended;
        }
    }

    /// <summary>
    /// The next batch to send for a partition: a closed one first (if <paramref name="takeClosed"/> allows: it may not
    /// fit in the request), else the open one when <paramref name="takeOpen"/> says its time has come (it is closed on
    /// the way). Null when there is nothing to take.
    /// </summary>
    public ProducerBatch? TakeNext(TopicPartition partition, Func<ProducerBatch, bool> takeOpen, Func<ProducerBatch, bool>? takeClosed = null)
    {
        if (!_partitions.TryGetValue(partition, out var deque)) return null;
        lock (deque)
        {
            if (deque.Closed.TryPeek(out var closed))
                return takeClosed is null || takeClosed(closed) ? deque.Closed.Dequeue() : null;
            if (deque.Open is { } open && takeOpen(open))
            {
                deque.Open = null;
                return open;
            }
            return null;
        }
    }

    /// <summary>Closes every open batch (flush, close): each partition's batches then all wait to be taken.</summary>
    public IReadOnlyList<TopicPartition> CloseAll()
    {
        var withBatches = new List<TopicPartition>();
        foreach (var (tp, deque) in _partitions)
            lock (deque)
            {
                if (deque.Open is { } open)
                {
                    deque.Closed.Enqueue(open);
                    deque.Open = null;
                }
                if (deque.Closed.Count > 0) withBatches.Add(tp);
            }
        return withBatches;
    }

    /// <summary>Whether no partition holds a record that was not taken yet.</summary>
    public bool IsEmpty
    {
        get
        {
            foreach (var deque in _partitions.Values)
                lock (deque)
                    if (deque.Open is not null || deque.Closed.Count > 0) return false;
            return true;
        }
    }

    /// <summary>
    /// Removes and returns the batches not taken yet that <paramref name="expired"/> says waited too long; a partition's
    /// batches are in the order they were made, so each partition's oldest go, up to the first that may still wait.
    /// </summary>
    public IReadOnlyList<ProducerBatch> RemoveExpired(Func<ProducerBatch, bool> expired)
    {
        var removed = new List<ProducerBatch>();
        foreach (var deque in _partitions.Values)
            lock (deque)
            {
                while (deque.Closed.TryPeek(out var closed) && expired(closed)) removed.Add(deque.Closed.Dequeue());
                if (deque.Closed.Count > 0 || deque.Open is not { } open || !expired(open)) continue;
                removed.Add(open);
                deque.Open = null;
            }
        return removed;
    }

    /// <summary>Whether the partition holds records not taken yet.</summary>
    public bool HasRecords(TopicPartition partition)
    {
        if (!_partitions.TryGetValue(partition, out var deque)) return false;
        lock (deque)
            return deque.Open is not null || deque.Closed.Count > 0;
    }

    /// <summary>The partitions that hold records not taken yet.</summary>
    public IReadOnlyList<TopicPartition> PartitionsWithRecords()
    {
        var withRecords = new List<TopicPartition>();
        foreach (var (tp, deque) in _partitions)
            lock (deque)
                if (deque.Open is not null || deque.Closed.Count > 0) withRecords.Add(tp);
        return withRecords;
    }

    /// <summary>Removes and returns every batch not taken yet (the producer is closing: they fail).</summary>
    public IReadOnlyList<ProducerBatch> RemoveAll()
    {
        var all = new List<ProducerBatch>();
        foreach (var deque in _partitions.Values)
            lock (deque)
            {
                all.AddRange(deque.Closed);
                deque.Closed.Clear();
                if (deque.Open is { } open) all.Add(open);
                deque.Open = null;
            }
        return all;
    }

    private sealed class PartitionDeque
    {
        public ProducerBatch? Open;
        public readonly Queue<ProducerBatch> Closed = new();
        public long Sequence;
    }
}
