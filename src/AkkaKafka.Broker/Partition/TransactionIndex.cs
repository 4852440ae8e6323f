using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Broker.Partition;

/// <summary>A transaction of one producer still open on this partition: from its first transactional batch on.</summary>
public readonly record struct OpenTransaction(long ProducerId, long FirstOffset);

/// <summary>
/// The partition's half of Kafka transactions (KIP-98), as the written log says: per producer id the first offset of
/// its open transaction (its first transactional batch opens one), the coordinator epoch of its last marker, and the
/// aborted transactions. From it come the last stable offset (LSO: the first offset of the earliest open transaction,
/// else the high watermark) and the aborted transactions of a fetched range. It is built from the batches as they
/// are applied (the transactional and control bits and the producer fields are in every header), so recovery rebuilds
/// it by replaying the events after the snapshot, and the snapshot carries it whole (see <see cref="PartitionSnapshot"/>):
/// recovery never reads the records of the batches the snapshot covers.
/// </summary>
/// <remarks>Mutable, like <see cref="PartitionLog"/> which owns it; touched only by the partition's actor thread.</remarks>
public sealed class TransactionIndex
{
    private readonly Dictionary<long, long> _open = new();
    /// <summary>Coordinator epoch of each producer's last marker: a marker from an older coordinator is fenced.</summary>
    private readonly Dictionary<long, int> _coordinatorEpochs = new();
    /// <summary>Ordered by the abort marker's offset (markers are appended in offset order).</summary>
    private readonly List<AbortedTransaction> _aborted = [];

    public IReadOnlyCollection<OpenTransaction> Open => _open.Select(o => new OpenTransaction(o.Key, o.Value)).ToList();

    public IReadOnlyList<AbortedTransaction> Aborted => _aborted;

    /// <summary>The first offset of <paramref name="producerId"/>'s open transaction, or null.</summary>
    public long? OpenFirstOffset(long producerId) => _open.TryGetValue(producerId, out var first) ? first : null;

    /// <summary>The coordinator epoch of the producer's last marker here, -1 when none was written.</summary>
    public int CoordinatorEpoch(long producerId) => _coordinatorEpochs.GetValueOrDefault(producerId, -1);

    /// <summary>The last stable offset: nothing at or above it may be read by a read_committed consumer.</summary>
    public long LastStableOffset(long highWatermark)
    {
        var lso = highWatermark;
        foreach (var first in _open.Values) lso = Math.Min(lso, first);
        return lso;
    }

    /// <summary>A written batch: a transactional batch opens its producer's transaction; a marker closes it.</summary>
    /// <exception cref="CorruptRecordException">A control batch whose record is not a marker (it was checked before it was written).</exception>
    public void Apply(RecordBatch batch)
    {
        if (!batch.IsTransactional || batch.ProducerId < 0) return;
        if (!batch.IsControl)
        {
            _open.TryAdd(batch.ProducerId, batch.BaseOffset);
            return;
        }
        var (result, coordinatorEpoch) = ControlRecords.ReadMarker(batch);
        _coordinatorEpochs[batch.ProducerId] = coordinatorEpoch;
        // A marker for a producer with nothing open here is written all the same (Kafka's coordinator may send it
        // to a partition the producer added but never wrote to); it closes nothing.
        if (!_open.Remove(batch.ProducerId, out var firstOffset)) return;
        if (result == TransactionResult.Abort) _aborted.Add(new AbortedTransaction(batch.ProducerId, firstOffset, batch.BaseOffset));
    }

    /// <summary>
    /// The aborted transactions a fetch of [<paramref name="fromOffset"/>, <paramref name="upToOffset"/>) must report
    /// (Kafka's collectAbortedTxns): those that end at or after the fetch offset and begin before the end of the range.
    /// </summary>
    public List<AbortedTransaction> AbortedIn(long fromOffset, long upToOffset)
    {
        var found = new List<AbortedTransaction>();
        // The list is ordered by the marker's offset: skip those that ended before the range.
        var lo = 0;
        var hi = _aborted.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_aborted[mid].LastOffset < fromOffset) lo = mid + 1;
            else hi = mid;
        }
        for (var i = lo; i < _aborted.Count; i++)
            if (_aborted[i].FirstOffset < upToOffset) found.Add(_aborted[i]);
        return found;
    }

    /// <summary>Retention moved the log start: aborted transactions wholly below it are forgotten, as Kafka's index segments go with their log segments.</summary>
    public void DropBelow(long logStartOffset) => _aborted.RemoveAll(a => a.LastOffset < logStartOffset);

    /// <summary>
    /// Producers forgotten for idling (producer-id-expiration) lose their markers' coordinator epochs, so this stays
    /// bounded by the producers the table keeps; an open transaction is kept, for the LSO must not move past it.
    /// </summary>
    public void ForgetProducersNotIn(ProducerStateTable producers)
    {
        foreach (var id in _coordinatorEpochs.Keys.ToList())
            if (producers.Find(id) is null && !_open.ContainsKey(id)) _coordinatorEpochs.Remove(id);
    }

    public TransactionSnapshot ToSnapshot() => new(Open.ToList(), _aborted.ToList(),
        _coordinatorEpochs.Select(e => new ProducerCoordinatorEpoch(e.Key, e.Value)).ToList());

    public void Restore(TransactionSnapshot? snapshot)
    {
        _open.Clear();
        _aborted.Clear();
        _coordinatorEpochs.Clear();
        if (snapshot is null) return;
        foreach (var open in snapshot.Open) _open[open.ProducerId] = open.FirstOffset;
        _aborted.AddRange(snapshot.Aborted);
        foreach (var e in snapshot.CoordinatorEpochs) _coordinatorEpochs[e.ProducerId] = e.CoordinatorEpoch;
    }
}

public readonly record struct ProducerCoordinatorEpoch(long ProducerId, int CoordinatorEpoch);

/// <summary>The <see cref="TransactionIndex"/> as a partition snapshot keeps it.</summary>
public sealed record TransactionSnapshot(IReadOnlyList<OpenTransaction> Open, IReadOnlyList<AbortedTransaction> Aborted,
    IReadOnlyList<ProducerCoordinatorEpoch> CoordinatorEpochs);
