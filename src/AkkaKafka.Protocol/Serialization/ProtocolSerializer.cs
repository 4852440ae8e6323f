using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Protocol.Serialization;

/// <summary>
/// Binary serializer for every <see cref="IAkkaKafkaMessage"/> (bound in hocon/serialization.hocon).
/// Each manifest names a type and its format version; a changed layout gets a new manifest and the old one stays readable.
/// </summary>
public sealed class ProtocolSerializer : SerializerWithStringManifest
{
    public const int Id = 4100;

    // Manifests are short and stable: they are written with every remote message.
    // ct2, atc2 and the metadata layouts 3 (mr3, mp3, cm3, cs3) add message.timestamp.type; the layouts before it are
    // still read, as CreateTime.
    internal const string CreateTopicManifest = "ct2";
    internal const string CreateTopicManifestV1 = "ct1";

    /// <summary>AlterTopicConfigs' "message.timestamp.type unchanged".</summary>
    private const byte NoTimestampType = 0xFF;
    internal const string DeleteTopicManifest = "dt1";
    internal const string TopicCommandResultManifest = "tr1";
    internal const string GetMetadataManifest = "gm1";
    // Version 2 of the metadata layout adds each broker's Kafka node id and endpoint; version 1 is still read
    // (from a broker not yet upgraded in a rolling restart) with no node ids and no endpoints.
    // mr3 (metadata layout 3) also had room for the topics asked for that the user may not describe, a list now always
    // empty (clients send Kafka's Metadata); mr2 and mr1 are read without it.
    internal const string MetadataResponseManifest = "mr3";
    internal const string MetadataPublishedManifest = "mp3";
    internal const string ClusterMetadataManifest = "cm3";
    internal const string MetadataResponseManifestV2 = "mr2";
    internal const string MetadataPublishedManifestV2 = "mp2";
    internal const string ClusterMetadataManifestV2 = "cm2";
    internal const string ClusterStatusManifestV2 = "cs2";
    internal const string GetClusterStatusManifest = "gs1";
    internal const string ClusterStatusManifest = "cs3";
    internal const string MetadataResponseManifestV1 = "mr1";
    internal const string MetadataPublishedManifestV1 = "mp1";
    internal const string ClusterMetadataManifestV1 = "cm1";
    internal const string ClusterStatusManifestV1 = "cs1";
    internal const string AddPartitionsManifest = "ap1";
    internal const string ProduceRequestManifest = "pq2";
    internal const string ProduceResponseManifest = "pr1";
    // fq2, fr3 and lq2 add the isolation level, the last stable offset and the aborted transactions; fq1, fr2 and lq1
    // (read_uncommitted, no LSO) are still read, from brokers not yet upgraded.
    internal const string FetchRequestManifest = "fq2";
    internal const string FetchRequestManifestV1 = "fq1";
    internal const string FetchResponseManifest = "fr3";
    internal const string FetchResponseManifestV2 = "fr2";
    internal const string ListOffsetsRequestManifest = "lq2";
    internal const string ListOffsetsRequestManifestV1 = "lq1";
    internal const string WriteTxnMarkerManifest = "wtm1";
    internal const string WriteTxnMarkerResponseManifest = "wtmr1";
    internal const string DescribeProducersManifest = "dp1";
    internal const string ProducersDescriptionManifest = "dpr1";
    internal const string ListOffsetsResponseManifest = "lr2";
    /// <summary>Before the found record's timestamp was added; still read, from brokers not yet upgraded.</summary>
    internal const string ListOffsetsResponseV1Manifest = "lr1";
    internal const string ForwardedRequestManifest = "fw2";
    internal const string OffsetCommitManifest = "oc1";
    internal const string OffsetCommitResponseManifest = "ocr1";
    internal const string OffsetFetchManifest = "of1";
    internal const string OffsetFetchResponseManifest = "ofr1";
    internal const string ListGroupsManifest = "gls1";
    internal const string ListGroupsResponseManifest = "glsr1";
    internal const string DescribeGroupManifest = "gd1";
    // gdr2: adds the state, protocol type and protocol, and each member's client host and Kafka bytes (gdr1 is no longer read).
    internal const string GroupDescriptionManifest = "gdr2";
    internal const string JoinClassicGroupManifest = "cgj1";
    internal const string JoinClassicGroupResponseManifest = "cgjr1";
    internal const string SyncClassicGroupManifest = "cgs1";
    internal const string SyncClassicGroupResponseManifest = "cgsr1";
    internal const string ClassicHeartbeatManifest = "cgh1";
    internal const string ClassicHeartbeatResponseManifest = "cghr1";
    internal const string LeaveClassicGroupManifest = "cgl1";
    internal const string LeaveClassicGroupResponseManifest = "cglr1";
    internal const string DeleteGroupManifest = "gdel1";
    internal const string DeleteGroupResponseManifest = "gdelr1";
    internal const string AlterTopicConfigsManifest = "atc2";
    internal const string AlterTopicConfigsManifestV1 = "atc1";
    internal const string InitProducerIdManifest = "ip1";
    internal const string InitProducerIdResultManifest = "ipr1";
    internal const string InitTransactionalProducerManifest = "itp1";
    internal const string CompleteTransactionalOffsetsManifest = "cto1";
    internal const string AddPartitionsToTransactionManifest = "apt1";
    internal const string AddPartitionsToTransactionResultManifest = "aptr1";
    internal const string AddOffsetsToTransactionManifest = "aot1";
    internal const string EndTransactionManifest = "et1";
    internal const string TransactionRequestResultManifest = "trr1";
    internal const string TransactionalOffsetsCompletedManifest = "ctor1";
    internal const string SecurityPublishedManifest = "sp1";
    internal const string UpsertUserManifest = "uu1";
    internal const string DeleteUserManifest = "ud1";
    internal const string AddAclManifest = "aa1";
    internal const string RemoveAclManifest = "ar1";
    internal const string ListAclsManifest = "al1";
    internal const string AclListManifest = "alr1";
    internal const string SecurityCommandResultManifest = "sr1";
    internal const string AuthenticateManifest = "au1";
    internal const string AuthenticatedManifest = "aur1";
    internal const string AsUserManifest = "asu1";
    internal const string RequestRefusedManifest = "rr1";
    // Kafka's own bytes, carried as they are (see KafkaRequestFrame): no layout of ours, so no version of ours either.
    internal const string KafkaRequestFrameManifest = "kq";
    internal const string KafkaResponseFrameManifest = "kr";
    internal const string KafkaFrameAcceptedManifest = "ka";

    public ProtocolSerializer(ExtendedActorSystem system) : base(system) { }

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        ProduceRequest => ProduceRequestManifest,
        ProduceResponse => ProduceResponseManifest,
        FetchRequest => FetchRequestManifest,
        FetchResponse => FetchResponseManifest,
        ListOffsetsRequest => ListOffsetsRequestManifest,
        ListOffsetsResponse => ListOffsetsResponseManifest,
        WriteTxnMarker => WriteTxnMarkerManifest,
        WriteTxnMarkerResponse => WriteTxnMarkerResponseManifest,
        DescribeProducers => DescribeProducersManifest,
        ProducersDescription => ProducersDescriptionManifest,
        ForwardedRequest => ForwardedRequestManifest,
        OffsetCommit => OffsetCommitManifest,
        OffsetCommitResponse => OffsetCommitResponseManifest,
        OffsetFetch => OffsetFetchManifest,
        OffsetFetchResponse => OffsetFetchResponseManifest,
        ListGroups => ListGroupsManifest,
        ListGroupsResponse => ListGroupsResponseManifest,
        DescribeGroup => DescribeGroupManifest,
        GroupDescription => GroupDescriptionManifest,
        JoinClassicGroup => JoinClassicGroupManifest,
        JoinClassicGroupResponse => JoinClassicGroupResponseManifest,
        SyncClassicGroup => SyncClassicGroupManifest,
        SyncClassicGroupResponse => SyncClassicGroupResponseManifest,
        ClassicHeartbeat => ClassicHeartbeatManifest,
        ClassicHeartbeatResponse => ClassicHeartbeatResponseManifest,
        LeaveClassicGroup => LeaveClassicGroupManifest,
        LeaveClassicGroupResponse => LeaveClassicGroupResponseManifest,
        DeleteGroup => DeleteGroupManifest,
        DeleteGroupResponse => DeleteGroupResponseManifest,
        AlterTopicConfigs => AlterTopicConfigsManifest,
        InitProducerId => InitProducerIdManifest,
        InitProducerIdResult => InitProducerIdResultManifest,
        InitTransactionalProducer => InitTransactionalProducerManifest,
        CompleteTransactionalOffsets => CompleteTransactionalOffsetsManifest,
        AddPartitionsToTransaction => AddPartitionsToTransactionManifest,
        AddPartitionsToTransactionResult => AddPartitionsToTransactionResultManifest,
        AddOffsetsToTransaction => AddOffsetsToTransactionManifest,
        EndTransaction => EndTransactionManifest,
        TransactionRequestResult => TransactionRequestResultManifest,
        TransactionalOffsetsCompleted => TransactionalOffsetsCompletedManifest,
        CreateTopic => CreateTopicManifest,
        DeleteTopic => DeleteTopicManifest,
        AddPartitions => AddPartitionsManifest,
        TopicCommandResult => TopicCommandResultManifest,
        GetMetadata => GetMetadataManifest,
        MetadataResponse => MetadataResponseManifest,
        MetadataPublished => MetadataPublishedManifest,
        ClusterMetadata => ClusterMetadataManifest,
        GetClusterStatus => GetClusterStatusManifest,
        ClusterStatus => ClusterStatusManifest,
        SecurityPublished => SecurityPublishedManifest,
        UpsertUser => UpsertUserManifest,
        DeleteUser => DeleteUserManifest,
        AddAcl => AddAclManifest,
        RemoveAcl => RemoveAclManifest,
        ListAcls => ListAclsManifest,
        AclList => AclListManifest,
        SecurityCommandResult => SecurityCommandResultManifest,
        Authenticate => AuthenticateManifest,
        Authenticated => AuthenticatedManifest,
        AsUser => AsUserManifest,
        RequestRefused => RequestRefusedManifest,
        KafkaRequestFrame => KafkaRequestFrameManifest,
        KafkaResponseFrame => KafkaResponseFrameManifest,
        KafkaFrameAccepted => KafkaFrameAcceptedManifest,
        _ => throw new SerializationException($"{nameof(ProtocolSerializer)} cannot serialize {o.GetType()}"),
    };

    public override byte[] ToBinary(object obj)
    {
        // Messages that carry record batches put them last (pq2, fr2, fw2), so the batch is copied once into the result,
        // and a produce's batch is read back as a slice of the payload.
        switch (obj)
        {
            case KafkaRequestFrame m:
                return WholeArray(m.Bytes);
            case KafkaResponseFrame m:
                return WholeArray(m.Bytes);
            case KafkaFrameAccepted:
                return [];
            case ProduceRequest m:
                return WriteProduceHead(new WireWriter(), m).ToArray(m.Batch.Span);
            case FetchResponse m:
                return WriteFetchResponseHead(new WireWriter(), m).ToArray(m.Records);
            case ForwardedRequest { Request: ProduceRequest produce } m:
                return WriteProduceHead(new WireWriter().String(Manifest(m.Request)), produce).ToArray(produce.Batch.Span);
        }
        var w = new WireWriter(128);
        switch (obj)
        {
            case ProduceResponse m:
                w.String(m.Topic).VarInt(m.Partition).Int16((short)m.Error).VarLong(m.BaseOffset).VarLong(m.LogAppendTime).String(m.ErrorMessage);
                break;
            case FetchRequest m:
                w.String(m.Topic).VarInt(m.Partition).VarLong(m.Offset).VarInt(m.MaxBytes).VarInt(m.MaxWaitMs).String(m.ClientId).String(m.ClientAddress)
                    .Byte((byte)m.Isolation);
                break;
            case ListOffsetsRequest m:
                w.String(m.Topic).VarInt(m.Partition).VarLong(m.Timestamp).Byte((byte)m.Isolation);
                break;
            case WriteTxnMarker m:
                w.String(m.Topic).VarInt(m.Partition).VarLong(m.ProducerId).Int16(m.ProducerEpoch).Byte((byte)m.Result).VarInt(m.CoordinatorEpoch);
                break;
            case WriteTxnMarkerResponse m:
                w.String(m.Topic).VarInt(m.Partition).Int16((short)m.Error).VarLong(m.Offset).String(m.ErrorMessage);
                break;
            case DescribeProducers m:
                w.String(m.Topic).VarInt(m.Partition);
                break;
            case ProducersDescription m:
                w.String(m.Topic).VarInt(m.Partition).Int16((short)m.Error).String(m.ErrorMessage);
                w.List(m.Producers, (x, p) => x.VarLong(p.ProducerId).VarInt(p.ProducerEpoch).VarInt(p.LastSequence).VarLong(p.LastTimestamp)
                    .VarInt(p.CoordinatorEpoch).VarLong(p.CurrentTxnStartOffset));
                break;
            case ListOffsetsResponse m:
                w.String(m.Topic).VarInt(m.Partition).Int16((short)m.Error).VarLong(m.Offset).VarLong(m.Timestamp);
                break;
            case ForwardedRequest m:
                w.String(Manifest(m.Request)).Bytes(ToBinary(m.Request));
                return w.ToArray();
            case OffsetCommit m:
                w.String(m.Group).String(m.MemberId).VarInt(m.Generation);
                WriteOffsets(w, m.Offsets);
                w.String(m.ClientAddress);
                break;
            case OffsetCommitResponse m:
                w.String(m.Group).Int16((short)m.Error).String(m.ErrorMessage);
                break;
            case OffsetFetch m:
                w.String(m.Group);
                WritePartitions(w, m.Partitions);
                break;
            case OffsetFetchResponse m:
                w.String(m.Group);
                WriteOffsets(w, m.Offsets);
                break;
            case ListGroups:
                break;
            case ListGroupsResponse m:
                w.List(m.Groups, (x, g) => x.String(g));
                break;
            case DescribeGroup m:
                w.String(m.Group);
                break;
            case GroupDescription m:
                w.String(m.Group).Int16((short)m.Error).VarInt(m.Generation);
                w.List(m.Members, (x, member) =>
                {
                    x.String(member.MemberId).String(member.ClientId);
                    WritePartitions(x, member.Assignment);
                    x.String(member.ClientHost).Bytes(member.Metadata).Bytes(member.AssignmentBytes);
                });
                WriteOffsets(w, m.Committed);
                w.String(m.State).String(m.ProtocolType).String(m.Protocol);
                break;
            case JoinClassicGroup m:
                w.String(m.Group).String(m.MemberId).String(m.GroupInstanceId).String(m.ClientId).String(m.ClientHost)
                    .VarInt(m.SessionTimeoutMs).VarInt(m.RebalanceTimeoutMs).String(m.ProtocolType);
                WriteProtocolOffers(w, m.Protocols);
                w.Bool(m.RequireKnownMemberId);
                break;
            case JoinClassicGroupResponse m:
                w.String(m.Group).Int16((short)m.Error).VarInt(m.GenerationId).String(m.ProtocolType).String(m.ProtocolName)
                    .String(m.LeaderId).String(m.MemberId);
                w.List(m.Members, (x, member) => x.String(member.MemberId).String(member.GroupInstanceId).Bytes(member.Metadata));
                break;
            case SyncClassicGroup m:
                w.String(m.Group).VarInt(m.GenerationId).String(m.MemberId).String(m.GroupInstanceId).String(m.ProtocolType).String(m.ProtocolName);
                w.List(m.Assignments, (x, a) => x.String(a.MemberId).Bytes(a.Assignment));
                break;
            case SyncClassicGroupResponse m:
                w.String(m.Group).Int16((short)m.Error).String(m.ProtocolType).String(m.ProtocolName).Bytes(m.Assignment);
                break;
            case ClassicHeartbeat m:
                w.String(m.Group).VarInt(m.GenerationId).String(m.MemberId).String(m.GroupInstanceId);
                break;
            case ClassicHeartbeatResponse m:
                w.String(m.Group).Int16((short)m.Error);
                break;
            case LeaveClassicGroup m:
                w.String(m.Group).List(m.MemberIds, (x, id) => x.String(id));
                break;
            case LeaveClassicGroupResponse m:
                w.String(m.Group).Int16((short)m.Error).List(m.Members, (x, left) => x.String(left.MemberId).Int16((short)left.Error));
                break;
            case DeleteGroup m:
                w.String(m.Group);
                break;
            case CompleteTransactionalOffsets m:
                w.String(m.Group).VarLong(m.ProducerId).Int16(m.ProducerEpoch).Bool(m.Commit);
                break;
            case TransactionalOffsetsCompleted m:
                w.String(m.Group).Int16((short)m.Error);
                break;
            case AddPartitionsToTransaction m:
                w.String(m.TransactionalId).VarLong(m.ProducerId).Int16(m.ProducerEpoch).Bool(m.VerifyOnly);
                WritePartitions(w, m.Partitions);
                break;
            case AddPartitionsToTransactionResult m:
                w.String(m.TransactionalId).List(m.Partitions, (x, p) => x.String(p.Partition.Topic).VarInt(p.Partition.Partition).Int16((short)p.Error));
                break;
            case AddOffsetsToTransaction m:
                w.String(m.TransactionalId).VarLong(m.ProducerId).Int16(m.ProducerEpoch).String(m.Group);
                break;
            case EndTransaction m:
                w.String(m.TransactionalId).VarLong(m.ProducerId).Int16(m.ProducerEpoch).Bool(m.Commit);
                break;
            case TransactionRequestResult m:
                w.String(m.TransactionalId).Int16((short)m.Error).String(m.ErrorMessage);
                break;
            case DeleteGroupResponse m:
                w.String(m.Group).Int16((short)m.Error);
                break;
            case AlterTopicConfigs m:
                w.String(m.Topic).VarLong(m.RetentionMs).VarLong(m.RetentionBytes).Byte(m.TimestampType is { } type ? (byte)type : NoTimestampType);
                break;
            case CreateTopic m:
                w.String(m.Topic).VarInt(m.Partitions).VarLong(m.RetentionMs).VarLong(m.RetentionBytes).Byte((byte)m.TimestampType);
                break;
            case DeleteTopic m:
                w.String(m.Topic);
                break;
            case AddPartitions m:
                w.String(m.Topic).VarInt(m.TotalCount);
                break;
            case TopicCommandResult m:
                w.String(m.Topic).Int16((short)m.Error).String(m.Message);
                break;
            case GetMetadata m:
                w.Bool(m.Topics is not null);
                if (m.Topics is not null) w.List(m.Topics, (x, t) => x.String(t));
                w.Bool(m.AutoCreateTopics);
                break;
            case MetadataResponse m:
                WriteMetadata(w, m.Metadata);
                // mr3's list of topics the user may not describe: always empty now that only brokers ask (clients send
                // Kafka's Metadata), written so that a broker of the previous version still reads the layout.
                w.List(Array.Empty<string>(), (x, t) => x.String(t));
                break;
            case MetadataPublished m:
                WriteMetadata(w, m.Metadata);
                break;
            case ClusterMetadata m:
                WriteMetadata(w, m);
                break;
            case GetClusterStatus:
                break;
            case InitProducerId m:
                w.String(m.TransactionalId);
                break;
            case InitTransactionalProducer m:
                w.String(m.TransactionalId).VarInt(m.TimeoutMs).Bool(m.Expected is not null);
                if (m.Expected is { } expected) w.VarLong(expected.ProducerId).Int16(expected.Epoch);
                break;
            case InitProducerIdResult m:
                w.Int16((short)m.Error).VarLong(m.ProducerId).Int16(m.ProducerEpoch).String(m.ErrorMessage);
                break;
            case ClusterStatus m:
                w.List(m.Members, (x, s) => x.String(s.Address).String(s.Status).List(s.Roles, (y, r) => y.String(r)).VarInt(s.AgeRank));
                w.String(m.Leader);
                WriteMetadata(w, m.Metadata);
                break;
            case SecurityPublished m:
                SecurityWire.Write(w, m.Security);
                break;
            case UpsertUser m:
                SecurityWire.WriteUser(w, new UserCredentials(m.Name, m.Credentials));
                break;
            case DeleteUser m:
                w.String(m.Name);
                break;
            case AddAcl m:
                SecurityWire.WriteAcl(w, m.Rule);
                break;
            case RemoveAcl m:
                SecurityWire.WriteAcl(w, m.Rule);
                break;
            case ListAcls m:
                w.String(m.User);
                break;
            case AclList m:
                SecurityWire.WriteAcls(w, m.Acls);
                break;
            case SecurityCommandResult m:
                w.Int16((short)m.Error).String(m.Message);
                break;
            case Authenticate m:
                w.String(m.User).String(m.Password);
                break;
            case Authenticated m:
                w.Int16((short)m.Error).String(m.Message).String(m.Token);
                break;
            case AsUser m:
                // The wrapped request as its own manifest and bytes (a produce's batch is copied once more here).
                w.String(m.User).String(m.Token).String(Manifest(m.Request)).Bytes(ToBinary(m.Request));
                break;
            case RequestRefused m:
                w.Int16((short)m.Error).String(m.Message);
                break;
            default:
                throw new SerializationException($"{nameof(ProtocolSerializer)} cannot serialize {obj.GetType()}");
        }
        return w.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (manifest == KafkaRequestFrameManifest) return new KafkaRequestFrame(bytes);
        if (manifest == KafkaResponseFrameManifest) return new KafkaResponseFrame(bytes);
        if (manifest == KafkaFrameAcceptedManifest) return KafkaFrameAccepted.Instance;
        var r = new WireReader(bytes);
        object result = manifest switch
        {
            ProduceRequestManifest => ReadProduce(ref r),
            ProduceResponseManifest => new ProduceResponse(r.String(), r.VarInt(), (ErrorCode)r.Int16(), r.VarLong(), r.VarLong(), r.NullableString()),
            FetchRequestManifest => new FetchRequest(r.String(), r.VarInt(), r.VarLong(), r.VarInt(), r.VarInt(), r.String(), r.NullableString(), (IsolationLevel)r.Byte()),
            FetchRequestManifestV1 => new FetchRequest(r.String(), r.VarInt(), r.VarLong(), r.VarInt(), r.VarInt(), r.String(), r.NullableString()),
            FetchResponseManifest => ReadFetchResponse(ref r),
            FetchResponseManifestV2 => new FetchResponse(r.String(), r.VarInt(), (ErrorCode)r.Int16(), r.VarLong(), r.VarLong(), ErrorMessage: r.NullableString(), Records: r.Bytes()),
            ListOffsetsRequestManifest => new ListOffsetsRequest(r.String(), r.VarInt(), r.VarLong(), (IsolationLevel)r.Byte()),
            ListOffsetsRequestManifestV1 => new ListOffsetsRequest(r.String(), r.VarInt(), r.VarLong()),
            WriteTxnMarkerManifest => new WriteTxnMarker(r.String(), r.VarInt(), r.VarLong(), r.Int16(), (Records.TransactionResult)r.Byte(), r.VarInt()),
            WriteTxnMarkerResponseManifest => new WriteTxnMarkerResponse(r.String(), r.VarInt(), (ErrorCode)r.Int16(), r.VarLong(), r.NullableString()),
            DescribeProducersManifest => new DescribeProducers(r.String(), r.VarInt()),
            ProducersDescriptionManifest => ReadProducersDescription(ref r),
            ListOffsetsResponseManifest => new ListOffsetsResponse(r.String(), r.VarInt(), (ErrorCode)r.Int16(), r.VarLong(), r.VarLong()),
            ListOffsetsResponseV1Manifest => new ListOffsetsResponse(r.String(), r.VarInt(), (ErrorCode)r.Int16(), r.VarLong()),
            ForwardedRequestManifest => ReadForwarded(ref r),
            OffsetCommitManifest => ReadOffsetCommit(ref r),
            OffsetCommitResponseManifest => new OffsetCommitResponse(r.String(), (ErrorCode)r.Int16(), r.NullableString()),
            OffsetFetchManifest => ReadOffsetFetch(ref r),
            OffsetFetchResponseManifest => ReadOffsetFetchResponse(ref r),
            ListGroupsManifest => ListGroups.Instance,
            ListGroupsResponseManifest => ReadListGroupsResponse(ref r),
            DescribeGroupManifest => new DescribeGroup(r.String()),
            GroupDescriptionManifest => ReadGroupDescription(ref r),
            JoinClassicGroupManifest => ReadJoinClassicGroup(ref r),
            JoinClassicGroupResponseManifest => ReadJoinClassicGroupResponse(ref r),
            SyncClassicGroupManifest => ReadSyncClassicGroup(ref r),
            SyncClassicGroupResponseManifest => new SyncClassicGroupResponse(r.String(), (ErrorCode)r.Int16(), r.NullableString(), r.NullableString(), r.Bytes()),
            ClassicHeartbeatManifest => new ClassicHeartbeat(r.String(), r.VarInt(), r.String(), r.NullableString()),
            ClassicHeartbeatResponseManifest => new ClassicHeartbeatResponse(r.String(), (ErrorCode)r.Int16()),
            LeaveClassicGroupManifest => ReadLeaveClassicGroup(ref r),
            LeaveClassicGroupResponseManifest => ReadLeaveClassicGroupResponse(ref r),
            DeleteGroupManifest => new DeleteGroup(r.String()),
            CompleteTransactionalOffsetsManifest => new CompleteTransactionalOffsets(r.String(), r.VarLong(), r.Int16(), r.Bool()),
            TransactionalOffsetsCompletedManifest => new TransactionalOffsetsCompleted(r.String(), (ErrorCode)r.Int16()),
            AddPartitionsToTransactionManifest => ReadAddPartitionsToTransaction(ref r),
            AddPartitionsToTransactionResultManifest => ReadAddPartitionsToTransactionResult(ref r),
            AddOffsetsToTransactionManifest => new AddOffsetsToTransaction(r.String(), r.VarLong(), r.Int16(), r.String()),
            EndTransactionManifest => new EndTransaction(r.String(), r.VarLong(), r.Int16(), r.Bool()),
            TransactionRequestResultManifest => new TransactionRequestResult(r.String(), (ErrorCode)r.Int16(), r.NullableString()),
            AlterTopicConfigsManifest => new AlterTopicConfigs(r.String(), r.VarLong(), r.VarLong(),
                r.Byte() is var type && type != NoTimestampType ? (Records.TimestampType)type : null),
            AlterTopicConfigsManifestV1 => new AlterTopicConfigs(r.String(), r.VarLong(), r.VarLong()),
            DeleteGroupResponseManifest => new DeleteGroupResponse(r.String(), (ErrorCode)r.Int16()),
            CreateTopicManifest => new CreateTopic(r.String(), r.VarInt(), r.VarLong(), r.VarLong(), (Records.TimestampType)r.Byte()),
            CreateTopicManifestV1 => new CreateTopic(r.String(), r.VarInt(), r.VarLong(), r.VarLong()),
            DeleteTopicManifest => new DeleteTopic(r.String()),
            AddPartitionsManifest => new AddPartitions(r.String(), r.VarInt()),
            TopicCommandResultManifest => new TopicCommandResult(r.String(), (ErrorCode)r.Int16(), r.String()),
            GetMetadataManifest => ReadGetMetadata(ref r),
            MetadataResponseManifest => ReadMetadataResponse(ref r),
            MetadataPublishedManifest => new MetadataPublished(ReadMetadata(ref r)),
            ClusterMetadataManifest => ReadMetadata(ref r),
            GetClusterStatusManifest => GetClusterStatus.Instance,
            InitProducerIdManifest => new InitProducerId(r.NullableString()),
            InitTransactionalProducerManifest => new InitTransactionalProducer(r.String(), r.VarInt(),
                r.Bool() ? new ProducerIdAndEpoch(r.VarLong(), r.Int16()) : null),
            InitProducerIdResultManifest => new InitProducerIdResult((ErrorCode)r.Int16(), r.VarLong(), r.Int16(), r.NullableString()),
            ClusterStatusManifest => ReadClusterStatus(ref r),
            MetadataResponseManifestV2 => new MetadataResponse(ReadMetadata(ref r, layout: 2)),
            MetadataPublishedManifestV2 => new MetadataPublished(ReadMetadata(ref r, layout: 2)),
            ClusterMetadataManifestV2 => ReadMetadata(ref r, layout: 2),
            ClusterStatusManifestV2 => ReadClusterStatus(ref r, layout: 2),
            MetadataResponseManifestV1 => new MetadataResponse(ReadMetadata(ref r, layout: 1)),
            MetadataPublishedManifestV1 => new MetadataPublished(ReadMetadata(ref r, layout: 1)),
            ClusterMetadataManifestV1 => ReadMetadata(ref r, layout: 1),
            ClusterStatusManifestV1 => ReadClusterStatus(ref r, layout: 1),
            SecurityPublishedManifest => new SecurityPublished(SecurityWire.Read(ref r)),
            UpsertUserManifest => ReadUpsertUser(ref r),
            DeleteUserManifest => new DeleteUser(r.String()),
            AddAclManifest => new AddAcl(SecurityWire.ReadAcl(ref r)),
            RemoveAclManifest => new RemoveAcl(SecurityWire.ReadAcl(ref r)),
            ListAclsManifest => new ListAcls(r.NullableString()),
            AclListManifest => new AclList(SecurityWire.ReadAcls(ref r)),
            SecurityCommandResultManifest => new SecurityCommandResult((ErrorCode)r.Int16(), r.String()),
            AuthenticateManifest => new Authenticate(r.String(), r.String()),
            AuthenticatedManifest => new Authenticated((ErrorCode)r.Int16(), r.String(), r.String()),
            AsUserManifest => ReadAsUser(ref r),
            RequestRefusedManifest => new RequestRefused((ErrorCode)r.Int16(), r.String()),
            _ => throw new SerializationException($"{nameof(ProtocolSerializer)}: unknown manifest '{manifest}'"),
        };
        r.End();
        return result;
    }

    /// <summary>The bytes as one array, without a copy when they already are one whole array.</summary>
    private static byte[] WholeArray(ReadOnlyMemory<byte> bytes) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : bytes.ToArray();

    private static WireWriter WriteProduceHead(WireWriter w, ProduceRequest m) =>
        w.String(m.Topic).VarInt(m.Partition).Byte((byte)m.Acks).String(m.ClientId).String(m.ClientAddress);

    private static WireWriter WriteFetchResponseHead(WireWriter w, FetchResponse m) =>
        w.String(m.Topic).VarInt(m.Partition).Int16((short)m.Error).VarLong(m.HighWatermark).VarLong(m.LogStartOffset).String(m.ErrorMessage)
            .VarLong(m.LastStableOffset).Bool(m.AbortedTransactions is not null)
            .List(m.AbortedTransactions ?? [], (x, a) => x.VarLong(a.ProducerId).VarLong(a.FirstOffset).VarLong(a.LastOffset));

    private static FetchResponse ReadFetchResponse(ref WireReader r)
    {
        var topic = r.String();
        var partition = r.VarInt();
        var error = (ErrorCode)r.Int16();
        var highWatermark = r.VarLong();
        var logStart = r.VarLong();
        var message = r.NullableString();
        var lastStable = r.VarLong();
        var hasAborted = r.Bool();
        var count = r.Count();
        var aborted = new List<AbortedTransaction>(count);
        for (var i = 0; i < count; i++) aborted.Add(new AbortedTransaction(r.VarLong(), r.VarLong(), r.VarLong()));
        return new FetchResponse(topic, partition, error, highWatermark, logStart, r.Bytes(), message, lastStable, hasAborted ? aborted : null);
    }

    private static ProducersDescription ReadProducersDescription(ref WireReader r)
    {
        var topic = r.String();
        var partition = r.VarInt();
        var error = (ErrorCode)r.Int16();
        var message = r.NullableString();
        var count = r.Count();
        var producers = new List<ActiveProducer>(count);
        for (var i = 0; i < count; i++) producers.Add(new ActiveProducer(r.VarLong(), r.VarInt(), r.VarInt(), r.VarLong(), r.VarInt(), r.VarLong()));
        return new ProducersDescription(topic, partition, error, producers, message);
    }

    private static ProduceRequest ReadProduce(ref WireReader r)
    {
        var topic = r.String();
        var partition = r.VarInt();
        var acks = (Acks)(sbyte)r.Byte();
        var clientId = r.String();
        var clientAddress = r.NullableString();
        return new ProduceRequest(topic, partition, r.BytesMemory(), acks, clientId, clientAddress);
    }

    private AsUser ReadAsUser(ref WireReader r)
    {
        var user = r.String();
        var token = r.String();
        var innerManifest = r.String();
        return new AsUser(user, token, (IAkkaKafkaMessage)FromBinary(r.Bytes(), innerManifest));
    }

    private ForwardedRequest ReadForwarded(ref WireReader r)
    {
        var innerManifest = r.String();
        if (innerManifest == ProduceRequestManifest) return new ForwardedRequest(ReadProduce(ref r));
        var innerBytes = r.Bytes();
        return new ForwardedRequest((IPartitionRequest)FromBinary(innerBytes, innerManifest));
    }

    private static AddPartitionsToTransaction ReadAddPartitionsToTransaction(ref WireReader r)
    {
        var (transactionalId, producerId, producerEpoch, verifyOnly) = (r.String(), r.VarLong(), r.Int16(), r.Bool());
        return new AddPartitionsToTransaction(transactionalId, producerId, producerEpoch, ReadPartitions(ref r), verifyOnly);
    }

    private static AddPartitionsToTransactionResult ReadAddPartitionsToTransactionResult(ref WireReader r)
    {
        var transactionalId = r.String();
        var n = r.Count();
        var partitions = new List<PartitionErrorCode>(n);
        for (var i = 0; i < n; i++) partitions.Add(new PartitionErrorCode(new TopicPartition(r.String(), r.VarInt()), (ErrorCode)r.Int16()));
        return new AddPartitionsToTransactionResult(transactionalId, partitions);
    }

    public static void WritePartitions(WireWriter w, IReadOnlyList<TopicPartition> partitions) =>
        w.List(partitions, (x, tp) => x.String(tp.Topic).VarInt(tp.Partition));

    public static List<TopicPartition> ReadPartitions(ref WireReader r)
    {
        var n = r.Count();
        var list = new List<TopicPartition>(n);
        for (var i = 0; i < n; i++) list.Add(new TopicPartition(r.String(), r.VarInt()));
        return list;
    }

    public static void WriteOffsets(WireWriter w, IReadOnlyList<PartitionOffset> offsets) =>
        w.List(offsets, (x, o) => x.String(o.Topic).VarInt(o.Partition).VarLong(o.Offset));

    public static List<PartitionOffset> ReadOffsets(ref WireReader r)
    {
        var n = r.Count();
        var list = new List<PartitionOffset>(n);
        for (var i = 0; i < n; i++) list.Add(new PartitionOffset(r.String(), r.VarInt(), r.VarLong()));
        return list;
    }

    private static OffsetCommit ReadOffsetCommit(ref WireReader r)
    {
        var group = r.String();
        var memberId = r.String();
        var generation = r.VarInt();
        var offsets = ReadOffsets(ref r);
        return new OffsetCommit(group, memberId, generation, offsets, r.NullableString());
    }

    private static OffsetFetch ReadOffsetFetch(ref WireReader r)
    {
        var group = r.String();
        return new OffsetFetch(group, ReadPartitions(ref r));
    }

    private static OffsetFetchResponse ReadOffsetFetchResponse(ref WireReader r)
    {
        var group = r.String();
        return new OffsetFetchResponse(group, ReadOffsets(ref r));
    }

    private static ListGroupsResponse ReadListGroupsResponse(ref WireReader r) => new(ReadStrings(ref r));

    private static MetadataResponse ReadMetadataResponse(ref WireReader r)
    {
        var response = new MetadataResponse(ReadMetadata(ref r));
        ReadStrings(ref r); // mr3's list that is always empty now (see MetadataResponseManifest)
        return response;
    }

    private static List<string> ReadStrings(ref WireReader r)
    {
        var n = r.Count();
        var strings = new List<string>(n);
        for (var i = 0; i < n; i++) strings.Add(r.String());
        return strings;
    }

    private static GroupDescription ReadGroupDescription(ref WireReader r)
    {
        var group = r.String();
        var error = (ErrorCode)r.Int16();
        var generation = r.VarInt();
        var n = r.Count();
        var members = new List<GroupMemberDescription>(n);
        for (var i = 0; i < n; i++)
        {
            var memberId = r.String();
            var clientId = r.String();
            var assignment = ReadPartitions(ref r);
            members.Add(new GroupMemberDescription(memberId, clientId, assignment, r.String(), r.Bytes(), r.Bytes()));
        }
        var committed = ReadOffsets(ref r);
        return new GroupDescription(group, error, generation, members, committed, r.String(), r.String(), r.String());
    }

    private static JoinClassicGroup ReadJoinClassicGroup(ref WireReader r)
    {
        var group = r.String();
        var memberId = r.String();
        var instanceId = r.NullableString();
        var clientId = r.String();
        var clientHost = r.String();
        var sessionTimeout = r.VarInt();
        var rebalanceTimeout = r.VarInt();
        var protocolType = r.String();
        var protocols = ReadProtocolOffers(ref r);
        return new JoinClassicGroup(group, memberId, instanceId, clientId, clientHost, sessionTimeout, rebalanceTimeout, protocolType, protocols, r.Bool());
    }

    public static void WriteProtocolOffers(WireWriter w, IReadOnlyList<GroupProtocolOffer> protocols) =>
        w.List(protocols, (x, p) => x.String(p.Name).Bytes(p.Metadata));

    public static List<GroupProtocolOffer> ReadProtocolOffers(ref WireReader r)
    {
        var n = r.Count();
        var protocols = new List<GroupProtocolOffer>(n);
        for (var i = 0; i < n; i++) protocols.Add(new GroupProtocolOffer(r.String(), r.Bytes()));
        return protocols;
    }

    private static JoinClassicGroupResponse ReadJoinClassicGroupResponse(ref WireReader r)
    {
        var group = r.String();
        var error = (ErrorCode)r.Int16();
        var generation = r.VarInt();
        var protocolType = r.NullableString();
        var protocolName = r.NullableString();
        var leader = r.String();
        var memberId = r.String();
        var n = r.Count();
        var members = new List<ClassicGroupMember>(n);
        for (var i = 0; i < n; i++) members.Add(new ClassicGroupMember(r.String(), r.NullableString(), r.Bytes()));
        return new JoinClassicGroupResponse(group, error, generation, protocolType, protocolName, leader, memberId, members);
    }

    private static SyncClassicGroup ReadSyncClassicGroup(ref WireReader r)
    {
        var group = r.String();
        var generation = r.VarInt();
        var memberId = r.String();
        var instanceId = r.NullableString();
        var protocolType = r.NullableString();
        var protocolName = r.NullableString();
        var n = r.Count();
        var assignments = new List<MemberAssignment>(n);
        for (var i = 0; i < n; i++) assignments.Add(new MemberAssignment(r.String(), r.Bytes()));
        return new SyncClassicGroup(group, generation, memberId, instanceId, protocolType, protocolName, assignments);
    }

    private static LeaveClassicGroup ReadLeaveClassicGroup(ref WireReader r)
    {
        var group = r.String();
        var n = r.Count();
        var ids = new List<string>(n);
        for (var i = 0; i < n; i++) ids.Add(r.String());
        return new LeaveClassicGroup(group, ids);
    }

    private static LeaveClassicGroupResponse ReadLeaveClassicGroupResponse(ref WireReader r)
    {
        var group = r.String();
        var error = (ErrorCode)r.Int16();
        var n = r.Count();
        var members = new List<MemberLeft>(n);
        for (var i = 0; i < n; i++) members.Add(new MemberLeft(r.String(), (ErrorCode)r.Int16()));
        return new LeaveClassicGroupResponse(group, error, members);
    }

    private static UpsertUser ReadUpsertUser(ref WireReader r)
    {
        var user = SecurityWire.ReadUser(ref r);
        return new UpsertUser(user.Name, user.Credentials);
    }

    private static GetMetadata ReadGetMetadata(ref WireReader r)
    {
        var topics = r.Bool() ? ReadStrings(ref r) : null;
        return new GetMetadata(topics, r.Bool());
    }

    private static ClusterStatus ReadClusterStatus(ref WireReader r, int layout = CurrentMetadataLayout)
    {
        var n = r.Count();
        var members = new List<ClusterMember>(n);
        for (var i = 0; i < n; i++)
        {
            var address = r.String();
            var status = r.String();
            var roleCount = r.Count();
            var roles = new List<string>(roleCount);
            for (var j = 0; j < roleCount; j++) roles.Add(r.String());
            members.Add(new ClusterMember(address, status, roles, r.VarInt()));
        }
        var leader = r.NullableString();
        return new ClusterStatus(members, leader, ReadMetadata(ref r, layout));
    }

    internal static void WriteMetadata(WireWriter w, ClusterMetadata m)
    {
        w.VarLong(m.Version).String(m.Controller);
        w.List(m.Brokers, (x, b) => x.String(b.Id).String(b.Status).VarInt(b.AgeRank).VarInt(b.NodeId).String(b.KafkaEndpoint));
        w.List(m.Topics, (x, t) =>
        {
            x.String(t.Name).VarLong(t.TopicId).VarInt(t.PartitionCount).VarLong(t.RetentionMs).VarLong(t.RetentionBytes).Byte((byte)t.TimestampType);
            x.List(t.Partitions, (y, p) => y.VarInt(p.Partition).String(p.Owner).VarLong(p.Epoch));
        });
    }

    private const int CurrentMetadataLayout = 3;

    /// <param name="layout">1: brokers have no node id and no Kafka endpoint; 2: topics have no message.timestamp.type
    /// (CreateTime); 3: as written now.</param>
    internal static ClusterMetadata ReadMetadata(ref WireReader r, int layout = CurrentMetadataLayout)
    {
        var withKafkaNodes = layout >= 2;
        var version = r.VarLong();
        var controller = r.NullableString();
        var brokerCount = r.Count();
        var brokers = new List<BrokerInfo>(brokerCount);
        for (var i = 0; i < brokerCount; i++)
        {
            var id = r.String();
            var status = r.String();
            var ageRank = r.VarInt();
            brokers.Add(withKafkaNodes
                ? new BrokerInfo(id, status, ageRank, r.VarInt(), r.NullableString())
                : new BrokerInfo(id, status, ageRank));
        }
        var topicCount = r.Count();
        var topics = new List<TopicMetadata>(topicCount);
        for (var i = 0; i < topicCount; i++)
        {
            var name = r.String();
            var topicId = r.VarLong();
            var partitionCount = r.VarInt();
            var retentionMs = r.VarLong();
            var retentionBytes = r.VarLong();
            var timestampType = layout >= 3 ? (Records.TimestampType)r.Byte() : Records.TimestampType.CreateTime;
            var n = r.Count();
            var partitions = new List<PartitionAssignment>(n);
            for (var j = 0; j < n; j++) partitions.Add(new PartitionAssignment(r.VarInt(), r.NullableString(), r.VarLong()));
            topics.Add(new TopicMetadata(name, topicId, partitionCount, retentionMs, retentionBytes, partitions, timestampType));
        }
        return new ClusterMetadata(version, controller, brokers, topics);
    }
}
