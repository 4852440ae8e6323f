namespace AkkaKafka.Client.Producer;

/// <summary>
/// Kafka's buffer.memory: the bytes of records a producer holds from the send until the acknowledgement. A send that
/// finds it used up waits on the caller's thread (never an actor's) until acknowledged batches give room back, for
/// at most max.block; then it fails, so an unreachable cluster cannot make a producer grow without bound.
/// </summary>
internal sealed class BufferMemory(long total)
{
    private readonly object _gate = new();
    private long _available = total;

    public long Total { get; } = total;

    public long Available
    {
        get { lock (_gate) return _available; }
    }

    /// <summary>Takes <paramref name="bytes"/>, waiting up to <paramref name="maxBlock"/> for them; false when they did not come.</summary>
    public bool TryReserve(long bytes, TimeSpan maxBlock)
    {
        // A record larger than the whole buffer is taken when the buffer is empty, rather than never.
        var wanted = Math.Min(bytes, Total);
        lock (_gate)
        {
            if (_available >= wanted)
            {
                _available -= bytes;
                return true;
            }
            var deadline = DateTime.UtcNow + maxBlock;
            while (_available < wanted)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || !Monitor.Wait(_gate, left) && _available < wanted) return false;
            }
            _available -= bytes;
            return true;
        }
    }

    public void Release(long bytes)
    {
        if (bytes == 0) return;
        lock (_gate)
        {
            _available += bytes;
            Monitor.PulseAll(_gate);
        }
    }
}
