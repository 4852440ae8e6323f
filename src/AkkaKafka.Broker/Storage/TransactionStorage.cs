using System.Collections.Immutable;
using AkkaKafka.Broker.Transactions;
using AkkaKafka.Protocol.Serialization;

namespace AkkaKafka.Broker.Storage;

/// <summary>
/// The binary layout of the transaction coordinator's events and snapshots (a <see cref="TransactionState"/>), kept
/// apart from <see cref="StorageSerializer"/>'s other layouts; times are UTC ticks.
/// </summary>
internal static class TransactionStorage
{
    public static void Write(WireWriter w, ITransactionEvent e)
    {
        switch (e)
        {
            case TransactionProducerInitialized i:
                w.VarLong(i.ProducerId).VarInt(i.ProducerEpoch).VarLong(i.LastProducerId).VarInt(i.LastProducerEpoch).VarInt(i.TimeoutMs).VarLong(i.At.Ticks);
                break;
            case TransactionPartitionsAdded a:
                ProtocolSerializer.WritePartitions(w, a.Partitions);
                w.VarLong(a.At.Ticks);
                break;
            case TransactionGroupAdded g:
                w.String(g.Group).VarLong(g.At.Ticks);
                break;
            case TransactionEndPrepared p:
                w.Bool(p.Commit).VarInt(p.ProducerEpoch).VarLong(p.At.Ticks);
                break;
            case TransactionEndCompleted c:
                w.VarLong(c.At.Ticks);
                break;
            case TransactionalIdExpired x:
                w.VarLong(x.At.Ticks);
                break;
            default:
                throw new ArgumentException($"not a transaction event: {e.GetType().Name}", nameof(e));
        }
    }

    public static TransactionProducerInitialized ReadProducerInitialized(ref WireReader r) =>
        new(r.VarLong(), (short)r.VarInt(), r.VarLong(), (short)r.VarInt(), r.VarInt(), Time(ref r));

    public static TransactionPartitionsAdded ReadPartitionsAdded(ref WireReader r) => new(ProtocolSerializer.ReadPartitions(ref r), Time(ref r));

    public static TransactionGroupAdded ReadGroupAdded(ref WireReader r) => new(r.String(), Time(ref r));

    public static TransactionEndPrepared ReadEndPrepared(ref WireReader r) => new(r.Bool(), (short)r.VarInt(), Time(ref r));

    public static void Write(WireWriter w, TransactionState s)
    {
        w.String(s.TransactionalId).VarLong(s.ProducerId).VarInt(s.ProducerEpoch).VarLong(s.LastProducerId).VarInt(s.LastProducerEpoch)
            .VarInt(s.TimeoutMs).Byte((byte)s.Status);
        ProtocolSerializer.WritePartitions(w, s.Partitions);
        w.List(s.Groups, (x, g) => x.String(g));
        w.Bool(s.StartedAt is not null);
        if (s.StartedAt is { } started) w.VarLong(started.Ticks);
        w.VarLong(s.UpdatedAt.Ticks);
    }

    public static TransactionState ReadState(ref WireReader r)
    {
        var id = r.String();
        var producerId = r.VarLong();
        var epoch = (short)r.VarInt();
        var lastProducerId = r.VarLong();
        var lastEpoch = (short)r.VarInt();
        var timeout = r.VarInt();
        var status = (TransactionStatus)r.Byte();
        if (!Enum.IsDefined(status)) throw new System.Runtime.Serialization.SerializationException($"unknown transaction state {(byte)status}");
        var partitions = ProtocolSerializer.ReadPartitions(ref r);
        var groupCount = r.Count();
        var groups = new List<string>(groupCount);
        for (var i = 0; i < groupCount; i++) groups.Add(r.String());
        DateTime? started = r.Bool() ? Time(ref r) : null;
        var updated = Time(ref r);
        var empty = TransactionState.New(id);
        return empty with
        {
            ProducerId = producerId, ProducerEpoch = epoch, LastProducerId = lastProducerId, LastProducerEpoch = lastEpoch,
            TimeoutMs = timeout, Status = status, Partitions = empty.Partitions.Union(partitions),
            Groups = empty.Groups.Union(groups), StartedAt = started, UpdatedAt = updated,
        };
    }

    public static DateTime Time(ref WireReader r)
    {
        var ticks = r.VarLong();
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
            throw new System.Runtime.Serialization.SerializationException($"time out of range: {ticks} ticks");
        return new DateTime(ticks, DateTimeKind.Utc);
    }
}
