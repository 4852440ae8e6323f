namespace AkkaKafka.Broker.Controller;

/// <summary>
/// Pure state of producer id allocation: ids are handed out of a block taken in one persisted event
/// (<see cref="ProducerIdBlockAllocated"/>), as Kafka's controller hands brokers blocks of 1000 ids. Only the block's
/// end is persisted; ids of a block not used up before a restart are skipped, never reused.
/// </summary>
public sealed class ProducerIdBlock
{
    public const long BlockSize = 1000;

    private long _next;
    private long _end;

    /// <summary>The first id no block has taken yet; where the next block starts.</summary>
    public long NextBlockStart { get; private set; }

    /// <summary>Replays a persisted block (recovery): nothing of it is handed out again.</summary>
    public void Recover(ProducerIdBlockAllocated e) => NextBlockStart = Math.Max(NextBlockStart, e.NextBlockStart);

    /// <summary>The event to persist before handing out more ids, or null while the block in hand has some left.</summary>
    public ProducerIdBlockAllocated? NeedsBlock() => _next < _end ? null : new ProducerIdBlockAllocated(NextBlockStart + BlockSize);

    /// <summary>The persisted block is now in hand.</summary>
    public void Allocated(ProducerIdBlockAllocated e)
    {
        _next = NextBlockStart;
        _end = e.NextBlockStart;
        NextBlockStart = e.NextBlockStart;
    }

    /// <summary>The next id of the block in hand.</summary>
    /// <exception cref="InvalidOperationException">When the block is used up: persist <see cref="NeedsBlock"/> first.</exception>
    public long Take() => _next < _end ? _next++ : throw new InvalidOperationException("no producer id block in hand");
}
