using AkkaKafka.Protocol.Records;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using AkkaKafka.Broker.Controller;
using AkkaKafka.Broker.Group;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Broker.Partition;
using AkkaKafka.Broker.Transactions;
using AkkaKafka.Protocol.Security;
using AkkaKafka.Protocol.Serialization;

namespace AkkaKafka.Broker.Storage;

/// <summary>
/// Binary format of everything the brokers persist: partition and controller events and snapshots.
/// The manifest carries the format version; a stored manifest must stay readable for as long as journals exist.
/// A batch event is stored as the RecordBatch v2 bytes alone, so the journal row is the Kafka batch.
/// </summary>
public sealed class StorageSerializer : SerializerWithStringManifest
{
    public const int Id = 4101;

    internal const string BatchAppendedManifest = "B1";
    internal const string LeaderEpochClaimedManifest = "E1";
    internal const string LogStartOffsetAdvancedManifest = "L1";
    // PS2 added the idempotent producers' state, PS3 the transaction index; PS2 (read with no transactions) and PS1
    // (also no producers) are still read.
    internal const string PartitionSnapshotManifest = "PS3";
    internal const string PartitionSnapshotManifestV2 = "PS2";
    internal const string PartitionSnapshotManifestV1 = "PS1";
    internal const string ProducerIdBlockAllocatedManifest = "PI1";
    internal const string ControllerEpochStartedManifest = "CE1";
    // TC2, TA2 and CS4 add message.timestamp.type; TC1, TA1 and CS3 (read as CreateTime) are still read.
    internal const string TopicCreatedManifest = "TC2";
    internal const string TopicCreatedManifestV1 = "TC1";
    internal const string TopicDeletedManifest = "TD1";
    internal const string PartitionsAssignedManifest = "PA1";
    // CS2 added the brokers' Kafka node ids, CS3 users and ACL rules; CS2 (read with no users and no rules) and CS1
    // (also no node ids) are still read.
    internal const string ControllerSnapshotManifest = "CS4";
    internal const string ControllerSnapshotManifestV3 = "CS3";
    internal const string ControllerSnapshotManifestV2 = "CS2";
    internal const string ControllerSnapshotManifestV1 = "CS1";
    internal const string UserCredentialsSetManifest = "US1";
    internal const string UserDeletedManifest = "UD1";
    internal const string AclAddedManifest = "AA1";
    internal const string AclRemovedManifest = "AR1";
    internal const string PartitionsAddedManifest = "PN1";
    internal const string TopicConfigsAlteredManifest = "TA2";
    internal const string TopicConfigsAlteredManifestV1 = "TA1";
    internal const string NodeIdAssignedManifest = "NI1";
    // GO2 is a transaction's commit (the producer id whose pending offsets it completes); a consumer's is still GO1.
    internal const string OffsetsCommittedManifest = "GO1";
    internal const string TransactionalOffsetsCommittedManifest = "GO2";
    internal const string TransactionalOffsetsPreparedManifest = "GT1";
    internal const string TransactionalOffsetsAbortedManifest = "GA1";
    internal const string GroupRegisteredManifest = "GR1";
    // GS3 adds where each committed offset was written and the pending transactional offsets; GS2 and GS1 are still read.
    internal const string GroupSnapshotManifest = "GS3";
    internal const string GroupSnapshotManifestV2 = "GS2";
    internal const string GroupSnapshotManifestV1 = "GS1";
    internal const string GroupMembershipChangedManifest = "GM1";
    internal const string GroupOffsetsDeletedManifest = "GD1";
    internal const string GroupUnregisteredManifest = "GU1";
    // The transaction coordinator's (TransactionStorage has their layouts).
    internal const string TransactionProducerInitializedManifest = "XI1";
    internal const string TransactionPartitionsAddedManifest = "XP1";
    internal const string TransactionGroupAddedManifest = "XG1";
    internal const string TransactionEndPreparedManifest = "XE1";
    internal const string TransactionEndCompletedManifest = "XC1";
    internal const string TransactionalIdExpiredManifest = "XX1";
    internal const string TransactionSnapshotManifest = "XS1";
    internal const string TransactionalIdRegisteredManifest = "XR1";
    internal const string TransactionalIdsSnapshotManifest = "XRS1";

    public StorageSerializer(ExtendedActorSystem system) : base(system) { }

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        BatchAppended => BatchAppendedManifest,
        LeaderEpochClaimed => LeaderEpochClaimedManifest,
        LogStartOffsetAdvanced => LogStartOffsetAdvancedManifest,
        PartitionSnapshot => PartitionSnapshotManifest,
        ProducerIdBlockAllocated => ProducerIdBlockAllocatedManifest,
        ControllerEpochStarted => ControllerEpochStartedManifest,
        TopicCreated => TopicCreatedManifest,
        TopicDeleted => TopicDeletedManifest,
        PartitionsAssigned => PartitionsAssignedManifest,
        ControllerSnapshot => ControllerSnapshotManifest,
        PartitionsAdded => PartitionsAddedManifest,
        TopicConfigsAltered => TopicConfigsAlteredManifest,
        NodeIdAssigned => NodeIdAssignedManifest,
        OffsetsCommitted { TransactionalProducerId: null } => OffsetsCommittedManifest,
        OffsetsCommitted => TransactionalOffsetsCommittedManifest,
        TransactionalOffsetsPrepared => TransactionalOffsetsPreparedManifest,
        TransactionalOffsetsAborted => TransactionalOffsetsAbortedManifest,
        GroupRegistered => GroupRegisteredManifest,
        GroupSnapshot => GroupSnapshotManifest,
        GroupMembershipChanged => GroupMembershipChangedManifest,
        GroupOffsetsDeleted => GroupOffsetsDeletedManifest,
        GroupUnregistered => GroupUnregisteredManifest,
        UserCredentialsSet => UserCredentialsSetManifest,
        UserDeleted => UserDeletedManifest,
        AclAdded => AclAddedManifest,
        AclRemoved => AclRemovedManifest,
        TransactionProducerInitialized => TransactionProducerInitializedManifest,
        TransactionPartitionsAdded => TransactionPartitionsAddedManifest,
        TransactionGroupAdded => TransactionGroupAddedManifest,
        TransactionEndPrepared => TransactionEndPreparedManifest,
        TransactionEndCompleted => TransactionEndCompletedManifest,
        TransactionalIdExpired => TransactionalIdExpiredManifest,
        TransactionState => TransactionSnapshotManifest,
        TransactionalIdRegistered => TransactionalIdRegisteredManifest,
        TransactionalIdsSnapshot => TransactionalIdsSnapshotManifest,
        _ => throw new SerializationException($"{nameof(StorageSerializer)} cannot serialize {o.GetType()}"),
    };

    public override byte[] ToBinary(object obj)
    {
        if (obj is BatchAppended appended) return appended.Batch;
        var w = new WireWriter();
        switch (obj)
        {
            case LeaderEpochClaimed e:
                w.VarLong(e.Epoch);
                break;
            case LogStartOffsetAdvanced e:
                w.VarLong(e.LogStartOffset).VarLong(e.UpToSequenceNr);
                break;
            case PartitionSnapshot s:
                w.VarLong(s.NextOffset).VarLong(s.LogStartOffset).VarLong(s.LeaderEpoch);
                w.List(s.Segments, (x, g) => x.VarLong(g.FirstSequenceNr).VarLong(g.LastSequenceNr).VarLong(g.BaseOffset)
                    .VarLong(g.NextOffset).VarLong(g.Bytes).VarLong(g.MaxTimestamp).VarInt(g.Batches));
                w.List(s.Producers ?? [], (x, p) => x.VarLong(p.ProducerId).VarInt(p.Epoch)
                    .List(p.Batches, (y, b) => y.VarInt(b.Epoch).VarInt(b.FirstSequence).VarInt(b.LastSequence)
                        .VarLong(b.BaseOffset).VarLong(b.LastOffset).VarLong(b.Timestamp)));
                w.Bool(s.Transactions is not null);
                if (s.Transactions is not { } transactions) break;
                w.List(transactions.Open, (x, o) => x.VarLong(o.ProducerId).VarLong(o.FirstOffset));
                w.List(transactions.Aborted, (x, a) => x.VarLong(a.ProducerId).VarLong(a.FirstOffset).VarLong(a.LastOffset));
                w.List(transactions.CoordinatorEpochs, (x, e) => x.VarLong(e.ProducerId).VarInt(e.CoordinatorEpoch));
                break;
            case ProducerIdBlockAllocated e:
                w.VarLong(e.NextBlockStart);
                break;
            case ControllerEpochStarted e:
                w.VarLong(e.Epoch);
                break;
            case TopicCreated e:
                w.String(e.Name).VarInt(e.Partitions).VarLong(e.RetentionMs).VarLong(e.RetentionBytes).VarLong(e.CreatedAtMs).Byte((byte)e.TimestampType);
                break;
            case TopicDeleted e:
                w.String(e.Name);
                break;
            case PartitionsAssigned e:
                w.List(e.Changes, WriteAssignment);
                break;
            case ControllerSnapshot s:
                w.VarLong(s.ControllerEpoch);
                w.List(s.Topics, (x, t) => x.String(t.Name).VarLong(t.TopicId).VarInt(t.Partitions).VarLong(t.RetentionMs).VarLong(t.RetentionBytes).VarLong(t.CreatedAtMs)
                    .Byte((byte)t.TimestampType));
                w.List(s.Assignment, WriteAssignment);
                w.List(s.NodeIds, WriteNodeId);
                w.List(s.Users, SecurityWire.WriteUser);
                SecurityWire.WriteAcls(w, s.Acls);
                break;
            case UserCredentialsSet e:
                SecurityWire.WriteUser(w, new UserCredentials(e.Name, e.Credentials));
                break;
            case UserDeleted e:
                w.String(e.Name);
                break;
            case AclAdded e:
                SecurityWire.WriteAcl(w, e.Rule);
                break;
            case AclRemoved e:
                SecurityWire.WriteAcl(w, e.Rule);
                break;
            case PartitionsAdded e:
                w.String(e.Topic).VarInt(e.TotalCount);
                break;
            case TopicConfigsAltered e:
                w.String(e.Topic).VarLong(e.RetentionMs).VarLong(e.RetentionBytes).Byte((byte)e.TimestampType);
                break;
            case NodeIdAssigned e:
                WriteNodeId(w, e);
                break;
            case OffsetsCommitted e:
                ProtocolSerializer.WriteOffsets(w, e.Offsets);
                if (e.TransactionalProducerId is { } producerId) w.VarLong(producerId);
                break;
            case TransactionalOffsetsPrepared e:
                w.String(e.TransactionalId).VarLong(e.ProducerId).VarInt(e.ProducerEpoch);
                ProtocolSerializer.WriteOffsets(w, e.Offsets);
                break;
            case TransactionalOffsetsAborted e:
                w.VarLong(e.ProducerId);
                break;
            case ITransactionEvent e:
                TransactionStorage.Write(w, e);
                break;
            case TransactionState s:
                TransactionStorage.Write(w, s);
                break;
            case TransactionalIdRegistered e:
                w.String(e.TransactionalId);
                break;
            case TransactionalIdsSnapshot s:
                w.List(s.TransactionalIds, (x, id) => x.String(id));
                break;
            case GroupRegistered e:
                w.String(e.Group);
                break;
            case GroupSnapshot s:
                ProtocolSerializer.WriteOffsets(w, s.Committed);
                WriteOptionalGroupMetadata(w, s.Akka);
                WriteOptionalGroupMetadata(w, s.Classic);
                w.List(s.CommittedAt, (x, at) => x.VarLong(at));
                w.List(s.Pending, (x, p) =>
                {
                    x.String(p.TransactionalId).VarLong(p.ProducerId).VarInt(p.ProducerEpoch);
                    ProtocolSerializer.WriteOffsets(x, p.Offsets);
                    x.List(p.WrittenAt, (y, at) => y.VarLong(at));
                });
                break;
            case GroupMembershipChanged e:
                WriteGroupMetadata(w, e.Metadata);
                break;
            case GroupOffsetsDeleted:
                break;
            case GroupUnregistered e:
                w.String(e.Group);
                break;
            default:
                throw new SerializationException($"{nameof(StorageSerializer)} cannot serialize {obj.GetType()}");
        }
        return w.ToArray();
    }

    private static void WriteAssignment(WireWriter w, AssignmentEntry a) => w.String(a.Topic).VarInt(a.Partition).String(a.Owner).VarLong(a.Epoch);

    private static AssignmentEntry ReadAssignment(ref WireReader r) => new(r.String(), r.VarInt(), r.NullableString(), r.VarLong());

    private static void WriteOptionalGroupMetadata(WireWriter w, GroupMetadata? m)
    {
        w.Bool(m is not null);
        if (m is not null) WriteGroupMetadata(w, m);
    }

    private static GroupSnapshot ReadGroupSnapshot(ref WireReader r)
    {
        var committed = ProtocolSerializer.ReadOffsets(ref r);
        var akka = ReadOptionalGroupMetadata(ref r);
        var classic = ReadOptionalGroupMetadata(ref r);
        var committedAt = ReadPositions(ref r);
        var count = r.Count();
        var pending = new List<PendingTransactionalOffsets>(count);
        for (var i = 0; i < count; i++)
            pending.Add(new PendingTransactionalOffsets(r.String(), r.VarLong(), (short)r.VarInt(), ProtocolSerializer.ReadOffsets(ref r), ReadPositions(ref r)));
        return new GroupSnapshot(committed, akka, classic, committedAt, pending);
    }

    private static List<long> ReadPositions(ref WireReader r)
    {
        var count = r.Count();
        var positions = new List<long>(count);
        for (var i = 0; i < count; i++) positions.Add(r.VarLong());
        return positions;
    }

    private static GroupMetadata? ReadOptionalGroupMetadata(ref WireReader r) => r.Bool() ? ReadGroupMetadata(ref r) : null;

    private static void WriteGroupMetadata(WireWriter w, GroupMetadata m)
    {
        w.Byte((byte)m.Kind).VarInt(m.Generation).String(m.ProtocolType).String(m.ProtocolName).String(m.Leader);
        w.List(m.Members, (x, member) =>
        {
            x.String(member.MemberId).String(member.GroupInstanceId).String(member.ClientId).String(member.ClientHost)
                .VarInt(member.SessionTimeoutMs).VarInt(member.RebalanceTimeoutMs);
            ProtocolSerializer.WriteProtocolOffers(x, member.Protocols);
            x.Bytes(member.Assignment);
            ProtocolSerializer.WritePartitions(x, member.Subscribed);
            ProtocolSerializer.WritePartitions(x, member.Owned);
        });
        w.List(m.Releasing, (x, release) => x.String(release.Partition.Topic).VarInt(release.Partition.Partition).String(release.Member).VarInt(release.Generation));
    }

    private static GroupMetadata ReadGroupMetadata(ref WireReader r)
    {
        var kind = (GroupKind)r.Byte();
        var generation = r.VarInt();
        var protocolType = r.NullableString();
        var protocolName = r.NullableString();
        var leader = r.NullableString();
        var memberCount = r.Count();
        var members = new List<GroupMemberMetadata>(memberCount);
        for (var i = 0; i < memberCount; i++)
        {
            var (id, instance, client, host) = (r.String(), r.NullableString(), r.String(), r.String());
            var (session, rebalance) = (r.VarInt(), r.VarInt());
            var protocols = ProtocolSerializer.ReadProtocolOffers(ref r);
            var assignment = r.Bytes();
            var subscribed = ProtocolSerializer.ReadPartitions(ref r);
            var owned = ProtocolSerializer.ReadPartitions(ref r);
            members.Add(new GroupMemberMetadata(id, instance, client, host, session, rebalance, protocols, assignment, subscribed, owned));
        }
        var releaseCount = r.Count();
        var releasing = new List<PartitionRelease>(releaseCount);
        for (var i = 0; i < releaseCount; i++)
            releasing.Add(new PartitionRelease(new TopicPartition(r.String(), r.VarInt()), r.String(), r.VarInt()));
        return new GroupMetadata(kind, generation, protocolType, protocolName, leader, members, releasing);
    }

    private static void WriteNodeId(WireWriter w, NodeIdAssigned n) => w.String(n.Broker).VarInt(n.NodeId);

    private static NodeIdAssigned ReadNodeId(ref WireReader r) => new(r.String(), r.VarInt());

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (manifest == BatchAppendedManifest) return new BatchAppended(bytes);
        var r = new WireReader(bytes);
        object result = manifest switch
        {
            LeaderEpochClaimedManifest => new LeaderEpochClaimed(r.VarLong()),
            LogStartOffsetAdvancedManifest => new LogStartOffsetAdvanced(r.VarLong(), r.VarLong()),
            PartitionSnapshotManifest => ReadPartitionSnapshot(ref r, withProducers: true, withTransactions: true),
            PartitionSnapshotManifestV2 => ReadPartitionSnapshot(ref r, withProducers: true),
            PartitionSnapshotManifestV1 => ReadPartitionSnapshot(ref r, withProducers: false),
            ProducerIdBlockAllocatedManifest => new ProducerIdBlockAllocated(r.VarLong()),
            ControllerEpochStartedManifest => new ControllerEpochStarted(r.VarLong()),
            TopicCreatedManifest => new TopicCreated(r.String(), r.VarInt(), r.VarLong(), r.VarLong(), r.VarLong(), (TimestampType)r.Byte()),
            TopicCreatedManifestV1 => new TopicCreated(r.String(), r.VarInt(), r.VarLong(), r.VarLong(), r.VarLong()),
            TopicDeletedManifest => new TopicDeleted(r.String()),
            PartitionsAssignedManifest => new PartitionsAssigned(ReadAssignments(ref r)),
            ControllerSnapshotManifest => ReadControllerSnapshot(ref r, withNodeIds: true, withSecurity: true, withTimestampType: true),
            ControllerSnapshotManifestV3 => ReadControllerSnapshot(ref r, withNodeIds: true, withSecurity: true),
            ControllerSnapshotManifestV2 => ReadControllerSnapshot(ref r, withNodeIds: true, withSecurity: false),
            ControllerSnapshotManifestV1 => ReadControllerSnapshot(ref r, withNodeIds: false, withSecurity: false),
            UserCredentialsSetManifest => ReadUserCredentialsSet(ref r),
            UserDeletedManifest => new UserDeleted(r.String()),
            AclAddedManifest => new AclAdded(SecurityWire.ReadAcl(ref r)),
            AclRemovedManifest => new AclRemoved(SecurityWire.ReadAcl(ref r)),
            PartitionsAddedManifest => new PartitionsAdded(r.String(), r.VarInt()),
            TopicConfigsAlteredManifest => new TopicConfigsAltered(r.String(), r.VarLong(), r.VarLong(), (TimestampType)r.Byte()),
            TopicConfigsAlteredManifestV1 => new TopicConfigsAltered(r.String(), r.VarLong(), r.VarLong()),
            NodeIdAssignedManifest => ReadNodeId(ref r),
            OffsetsCommittedManifest => new OffsetsCommitted(ProtocolSerializer.ReadOffsets(ref r)),
            TransactionalOffsetsCommittedManifest => new OffsetsCommitted(ProtocolSerializer.ReadOffsets(ref r), r.VarLong()),
            TransactionalOffsetsPreparedManifest => new TransactionalOffsetsPrepared(r.String(), r.VarLong(), (short)r.VarInt(), ProtocolSerializer.ReadOffsets(ref r)),
            TransactionalOffsetsAbortedManifest => new TransactionalOffsetsAborted(r.VarLong()),
            GroupRegisteredManifest => new GroupRegistered(r.String()),
            GroupSnapshotManifest => ReadGroupSnapshot(ref r),
            GroupSnapshotManifestV2 => new GroupSnapshot(ProtocolSerializer.ReadOffsets(ref r), ReadOptionalGroupMetadata(ref r), ReadOptionalGroupMetadata(ref r)),
            GroupSnapshotManifestV1 => new GroupSnapshot(ProtocolSerializer.ReadOffsets(ref r)),
            GroupMembershipChangedManifest => new GroupMembershipChanged(ReadGroupMetadata(ref r)),
            GroupOffsetsDeletedManifest => GroupOffsetsDeleted.Instance,
            GroupUnregisteredManifest => new GroupUnregistered(r.String()),
            TransactionProducerInitializedManifest => TransactionStorage.ReadProducerInitialized(ref r),
            TransactionPartitionsAddedManifest => TransactionStorage.ReadPartitionsAdded(ref r),
            TransactionGroupAddedManifest => TransactionStorage.ReadGroupAdded(ref r),
            TransactionEndPreparedManifest => TransactionStorage.ReadEndPrepared(ref r),
            TransactionEndCompletedManifest => new TransactionEndCompleted(TransactionStorage.Time(ref r)),
            TransactionalIdExpiredManifest => new TransactionalIdExpired(TransactionStorage.Time(ref r)),
            TransactionSnapshotManifest => TransactionStorage.ReadState(ref r),
            TransactionalIdRegisteredManifest => new TransactionalIdRegistered(r.String()),
            TransactionalIdsSnapshotManifest => ReadTransactionalIds(ref r),
            _ => throw new SerializationException($"{nameof(StorageSerializer)}: unknown manifest '{manifest}'"),
        };
        r.End();
        return result;
    }

    private static TransactionalIdsSnapshot ReadTransactionalIds(ref WireReader r)
    {
        var n = r.Count();
        var ids = new List<string>(n);
        for (var i = 0; i < n; i++) ids.Add(r.String());
        return new TransactionalIdsSnapshot(ids);
    }

    private static PartitionSnapshot ReadPartitionSnapshot(ref WireReader r, bool withProducers, bool withTransactions = false)
    {
        var next = r.VarLong();
        var start = r.VarLong();
        var epoch = r.VarLong();
        var n = r.Count();
        var segments = new List<Segment>(n);
        for (var i = 0; i < n; i++)
            segments.Add(new Segment(r.VarLong(), r.VarLong(), r.VarLong(), r.VarLong(), r.VarLong(), r.VarLong(), r.VarInt()));
        if (!withProducers) return new PartitionSnapshot(next, start, epoch, segments);
        var producerCount = r.Count();
        var producers = new List<ProducerEntry>(producerCount);
        for (var i = 0; i < producerCount; i++)
        {
            var id = r.VarLong();
            var producerEpoch = (short)r.VarInt();
            var batchCount = r.Count();
            var batches = new List<ProducerBatch>(batchCount);
            for (var j = 0; j < batchCount; j++)
                batches.Add(new ProducerBatch((short)r.VarInt(), r.VarInt(), r.VarInt(), r.VarLong(), r.VarLong(), r.VarLong()));
            producers.Add(new ProducerEntry(id, producerEpoch, batches));
        }
        if (!withTransactions || !r.Bool()) return new PartitionSnapshot(next, start, epoch, segments, producers);
        var openCount = r.Count();
        var open = new List<OpenTransaction>(openCount);
        for (var i = 0; i < openCount; i++) open.Add(new OpenTransaction(r.VarLong(), r.VarLong()));
        var abortedCount = r.Count();
        var aborted = new List<AbortedTransaction>(abortedCount);
        for (var i = 0; i < abortedCount; i++) aborted.Add(new AbortedTransaction(r.VarLong(), r.VarLong(), r.VarLong()));
        var epochCount = r.Count();
        var coordinatorEpochs = new List<ProducerCoordinatorEpoch>(epochCount);
        for (var i = 0; i < epochCount; i++) coordinatorEpochs.Add(new ProducerCoordinatorEpoch(r.VarLong(), r.VarInt()));
        return new PartitionSnapshot(next, start, epoch, segments, producers, new TransactionSnapshot(open, aborted, coordinatorEpochs));
    }

    private static List<AssignmentEntry> ReadAssignments(ref WireReader r)
    {
        var n = r.Count();
        var list = new List<AssignmentEntry>(n);
        for (var i = 0; i < n; i++) list.Add(ReadAssignment(ref r));
        return list;
    }

    private static UserCredentialsSet ReadUserCredentialsSet(ref WireReader r)
    {
        var user = SecurityWire.ReadUser(ref r);
        return new UserCredentialsSet(user.Name, user.Credentials);
    }

    private static ControllerSnapshot ReadControllerSnapshot(ref WireReader r, bool withNodeIds, bool withSecurity, bool withTimestampType = false)
    {
        var epoch = r.VarLong();
        var n = r.Count();
        var topics = new List<TopicConfig>(n);
        for (var i = 0; i < n; i++)
            topics.Add(new TopicConfig(r.String(), r.VarLong(), r.VarInt(), r.VarLong(), r.VarLong(), r.VarLong(),
                withTimestampType ? (TimestampType)r.Byte() : TimestampType.CreateTime));
        var assignment = ReadAssignments(ref r);
        var nodeIds = new List<NodeIdAssigned>();
        if (withNodeIds)
        {
            var count = r.Count();
            for (var i = 0; i < count; i++) nodeIds.Add(ReadNodeId(ref r));
        }
        if (!withSecurity) return new ControllerSnapshot(epoch, topics, assignment, nodeIds);
        var userCount = r.Count();
        var users = new List<UserCredentials>(userCount);
        for (var i = 0; i < userCount; i++) users.Add(SecurityWire.ReadUser(ref r));
        return new ControllerSnapshot(epoch, topics, assignment, nodeIds) { Users = users, Acls = SecurityWire.ReadAcls(ref r) };
    }
}
