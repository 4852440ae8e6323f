using AkkaKafka.Protocol;

namespace AkkaKafka.Client.Consumer;

/// <summary>
/// One stint of this consumer reading one partition: from the moment the partition is assigned until it is revoked
/// (a rebalance, a lost membership, close). Every record put in the application's buffer carries the lease it was
/// fetched under, and positions are kept per lease, never per partition, so that nothing of an ended stint can reach
/// a later commit: the old defect was a per-partition map of positions written by the application's thread, which
/// could keep (or get back) an entry for a partition a rebalance had taken away, and then every later commit of the
/// member was refused.
/// <para>The <see cref="ConsumerActor"/> owns leases: it creates them, decides which ones are committed, and revokes
/// them. The application's thread writes only <see cref="HandedOver"/> (the one value it owns: how far the
/// application has been given records), the actor reads it when it commits. A revoked lease is dropped by the actor
/// at the moment it is revoked, so a write that races with the revoke lands on an object nobody commits.</para>
/// </summary>
internal sealed class PartitionLease(TopicPartition partition)
{
    public const long NothingHandedOver = -1;
    // Stands in _handedOver once the lease is revoked, so a hand-over racing with the revoke fails instead of landing
    // after the revoker read the final position (that record would be handed out and never committed).
    private const long RevokedMark = long.MinValue;
    private long _handedOver = NothingHandedOver;
    // The position when revoked; written and read by the owning actor only.
    private long _final = NothingHandedOver;

    public TopicPartition Partition { get; } = partition;

    /// <summary>The offset after the last record handed to the application under this lease; -1 before the first.</summary>
    public long HandedOver => Volatile.Read(ref _handedOver) is var h && h == RevokedMark ? _final : h;

    /// <summary>Whether the partition was taken away (or the consumer closed): its records still buffered are dropped.</summary>
    public bool Revoked => Volatile.Read(ref _handedOver) == RevokedMark;

    /// <summary>
    /// Called on the application's thread, for records of one lease in offset order: false once the lease is revoked
    /// (the record must not be handed over: its partition's next owner reads it).
    /// </summary>
    public bool TryHandOver(long nextOffset)
    {
        while (true)
        {
            var current = Volatile.Read(ref _handedOver);
            if (current == RevokedMark) return false;
            if (Interlocked.CompareExchange(ref _handedOver, nextOffset, current) == current) return true;
        }
    }

    /// <summary>Ends the lease; answers the offset after the last record handed over (-1: none), final from here on.</summary>
    public long Revoke()
    {
        var last = Interlocked.Exchange(ref _handedOver, RevokedMark);
        if (last != RevokedMark) _final = last;
        return _final;
    }
}

/// <summary>A record in the application's buffer, with the lease it was fetched under.</summary>
internal readonly record struct Delivery(ConsumerRecord Record, PartitionLease Lease);
