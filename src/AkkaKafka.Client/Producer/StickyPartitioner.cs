using System.Collections.Concurrent;

namespace AkkaKafka.Client.Producer;

/// <summary>
/// Kafka's sticky partitioner (KIP-480) for records with neither key nor partition: they all go to one partition
/// until its batch is closed (full, or taken by the sender), then the next record moves on. Safe from any thread.
/// </summary>
internal sealed class StickyPartitioner
{
    private readonly ConcurrentDictionary<string, StrongBox> _current = new(StringComparer.Ordinal);
    /// <summary>
    /// Starts at a random partition, as Kafka's does: from a fixed start every producer's keyless records (a
    /// `produce` run, each instance of an application) went to the same first partition.
    /// </summary>
    private int _next = Random.Shared.Next();

    /// <summary>The partition keyless records of <paramref name="topic"/> go to now.</summary>
    public int Current(string topic, int partitionCount)
    {
        var box = _current.GetOrAdd(topic, _ => new StrongBox(NextPartition(partitionCount)));
        var p = Volatile.Read(ref box.Partition);
        return p < partitionCount ? p : Move(topic, p, partitionCount);
    }

    /// <summary>
    /// Moves on from <paramref name="previous"/> (whose batch was closed) and returns the new partition. When several
    /// threads notice at once, only the first moves it: the others get the partition it chose.
    /// </summary>
    public int Move(string topic, int previous, int partitionCount)
    {
        var box = _current.GetOrAdd(topic, _ => new StrongBox(previous));
        var next = partitionCount == 1 ? 0 : NextPartition(partitionCount);
        if (next == previous) next = (previous + 1) % partitionCount;
        var seen = Interlocked.CompareExchange(ref box.Partition, next, previous);
        return seen == previous ? next : seen;
    }

    private int NextPartition(int partitionCount) => (int)((uint)Interlocked.Increment(ref _next) % (uint)partitionCount);

    private sealed class StrongBox(int partition)
    {
        public int Partition = partition;
    }
}
