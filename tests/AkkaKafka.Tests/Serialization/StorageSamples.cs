using AkkaKafka.Broker.Controller;
using AkkaKafka.Broker.Group;
using AkkaKafka.Broker.Partition;
using AkkaKafka.Broker.Transactions;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Security;
using AkkaKafka.Tests.Support;

namespace AkkaKafka.Tests.Serialization;

/// <summary>At least one instance of every persisted event and snapshot, with the null, empty and extreme values each field allows.</summary>
public static class StorageSamples
{
    // Declared before All: static fields are initialised in order.
    private static readonly DateTime TransactionTime = DateTimeOffset.FromUnixTimeMilliseconds(Batches.T0).UtcDateTime;

    private static readonly GroupMetadata AkkaGroup = new(GroupKind.Akka, 5, "consumer", "akkakafka", null,
    [
        new GroupMemberMetadata("a-1", null, "a", "", 10_000, 10_000, [], [], [new TopicPartition("orders", 0), new TopicPartition("orders", 1)],
            [new TopicPartition("orders", 0)]),
        new GroupMemberMetadata("b-2", null, "b", "", 30_000, 30_000, [], [], [new TopicPartition("orders", 1)], [new TopicPartition("orders", 1)]),
    ], [new PartitionRelease(new TopicPartition("orders", 1), "a-1", 4)]);

    private static readonly GroupMetadata ClassicGroup = new(GroupKind.Classic, 3, "consumer", "range", "rdkafka-1",
    [
        new GroupMemberMetadata("rdkafka-1", "static-1", "rdkafka", "/127.0.0.1", 45_000, 300_000,
            [new GroupProtocolOffer("range", [0, 1, 2]), new GroupProtocolOffer("cooperative-sticky", [])], [9, 8, 7], [], []),
        new GroupMemberMetadata("kcat-2", null, "kcat", "/127.0.0.1", 10_000, 10_000, [new GroupProtocolOffer("range", [])], [], [], []),
    ], []);

    public static readonly IReadOnlyDictionary<string, object> All = new Dictionary<string, object>
    {
        ["batch appended"] = new BatchAppended(Batches.Of(1000, "a", "b", "c")),
        ["leader epoch claimed"] = new LeaderEpochClaimed(7),
        ["leader epoch claimed, max"] = new LeaderEpochClaimed(long.MaxValue),
        ["log start offset advanced"] = new LogStartOffsetAdvanced(123_456, 789),
        ["partition snapshot, empty"] = new PartitionSnapshot(0, 0, -1, [], []),
        ["partition snapshot"] = new PartitionSnapshot(5000, 1000, 3,
        [
            new Segment(10, 20, 1000, 3000, 64 * 1024 * 1024L, Batches.T0, 11),
            new Segment(21, 21, 3000, 5000, 1, long.MinValue, int.MaxValue),
        ],
        [
            new ProducerEntry(0, 0, [new ProducerBatch(0, 0, 9, 1000, 1009, Batches.T0)]),
            new ProducerEntry(long.MaxValue, short.MaxValue,
                [new ProducerBatch(short.MaxValue, int.MaxValue - 1, 1, 4990, 4992, long.MinValue), new ProducerBatch(short.MaxValue, 2, 2, 4993, 4993, long.MaxValue)]),
        ]),
        ["partition snapshot, transactions"] = new PartitionSnapshot(90, 0, 1, [new Segment(1, 9, 0, 90, 9000, Batches.T0, 9)],
            [new ProducerEntry(7, 2, [new ProducerBatch(2, 0, 9, 60, 69, Batches.T0)])],
            new TransactionSnapshot([new OpenTransaction(7, 60), new OpenTransaction(long.MaxValue, long.MaxValue)],
                [new AbortedTransaction(8, 10, 40), new AbortedTransaction(0, 0, long.MaxValue)],
                [new ProducerCoordinatorEpoch(7, 0), new ProducerCoordinatorEpoch(8, int.MaxValue)])),
        ["partition snapshot, no transactions"] = new PartitionSnapshot(0, 0, -1, [], [], new TransactionSnapshot([], [], [])),
        ["producer id block allocated"] = new ProducerIdBlockAllocated(1000),
        ["producer id block allocated, max"] = new ProducerIdBlockAllocated(long.MaxValue),
        ["controller epoch started"] = new ControllerEpochStarted(1),
        ["topic created"] = new TopicCreated("orders", 3, 604_800_000, -1, Batches.T0),
        ["topic created, extreme"] = new TopicCreated("x", 10_000, long.MaxValue, long.MinValue, 0),
        ["topic created, log append time"] = new TopicCreated("clock", 1, -1, -1, Batches.T0, AkkaKafka.Protocol.Records.TimestampType.LogAppendTime),
        ["topic deleted"] = new TopicDeleted("orders"),
        ["partitions assigned"] = new PartitionsAssigned(
        [
            new AssignmentEntry("orders", 0, "127.0.0.1:4053", 12),
            new AssignmentEntry("orders", 1, null, 0),
        ]),
        ["partitions assigned, none"] = new PartitionsAssigned([]),
        ["controller snapshot, empty"] = new ControllerSnapshot(0, [], [], []),
        ["controller snapshot"] = new ControllerSnapshot(4,
            [new TopicConfig("orders", 2, 2, -1, 1 << 30, Batches.T0), new TopicConfig("payments", 9, 1, 1000, -1, 0, AkkaKafka.Protocol.Records.TimestampType.LogAppendTime)],
            [new AssignmentEntry("orders", 0, "127.0.0.1:4053", 3), new AssignmentEntry("orders", 1, null, 1), new AssignmentEntry("payments", 0, "127.0.0.1:4054", 4)],
            [new NodeIdAssigned("127.0.0.1:4053", 1), new NodeIdAssigned("127.0.0.1:4054", 0), new NodeIdAssigned("10.0.0.9:4053", int.MaxValue)]),
        ["partitions added"] = new PartitionsAdded("orders", 12),
        ["partitions added, extreme"] = new PartitionsAdded("x", int.MaxValue),
        ["topic configs altered"] = new TopicConfigsAltered("orders", 60_000, -1),
        ["topic configs altered, extreme"] = new TopicConfigsAltered("x", long.MaxValue, 0),
        ["topic configs altered, log append time"] = new TopicConfigsAltered("clock", -1, -1, AkkaKafka.Protocol.Records.TimestampType.LogAppendTime),
        ["node id assigned"] = new NodeIdAssigned("127.0.0.1:4053", 1),
        ["node id assigned, zero"] = new NodeIdAssigned("kafka-1.example.com:4053", 0),
        ["offsets committed"] = new OffsetsCommitted([new PartitionOffset("orders", 0, 42), new PartitionOffset("payments", 3, 0)]),
        ["group registered"] = new GroupRegistered("billing"),
        ["group snapshot"] = new GroupSnapshot([new PartitionOffset("orders", 1, long.MaxValue)]),
        ["group snapshot with membership"] = new GroupSnapshot([new PartitionOffset("orders", 1, 3)], AkkaGroup, ClassicGroup),
        ["group snapshot with pending transactional offsets"] = new GroupSnapshot([new PartitionOffset("orders", 1, 3), new PartitionOffset("orders", 2, 0)], null, ClassicGroup,
            [17, long.MaxValue], [new PendingTransactionalOffsets("tx-1", long.MaxValue, short.MaxValue, [new PartitionOffset("orders", 1, 9)], [18]),
                new PendingTransactionalOffsets("", 0, 0, [], [])]),
        ["transactional offsets prepared"] = new TransactionalOffsetsPrepared("tx-1", 4_000, 7, [new PartitionOffset("orders", 0, 43), new PartitionOffset("payments", 3, long.MaxValue)]),
        ["transactional offsets prepared, nothing"] = new TransactionalOffsetsPrepared("", 0, short.MaxValue, []),
        ["offsets committed by a transaction"] = new OffsetsCommitted([new PartitionOffset("orders", 0, 43)], long.MaxValue),
        ["transactional offsets aborted"] = new TransactionalOffsetsAborted(4_000),
        ["group membership changed, Akka"] = new GroupMembershipChanged(AkkaGroup),
        ["group membership changed, classic"] = new GroupMembershipChanged(ClassicGroup),
        ["group membership changed, classic and empty"] = new GroupMembershipChanged(new GroupMetadata(GroupKind.Classic, 8, "consumer", null, null, [], [])),
        ["group offsets deleted"] = GroupOffsetsDeleted.Instance,
        ["group unregistered"] = new GroupUnregistered("billing"),
        ["controller snapshot, users and acls"] = new ControllerSnapshot(5, [], [], [])
        {
            Users = [SecuritySamples.Alice, new UserCredentials("nobody", [])],
            Acls = SecuritySamples.Rules,
        },
        ["user credentials set"] = new UserCredentialsSet("alice", SecuritySamples.Alice.Credentials),
        ["user deleted"] = new UserDeleted("alice"),
        ["acl added"] = new AclAdded(SecuritySamples.Rules[0]),
        ["acl removed"] = new AclRemoved(SecuritySamples.Rules[^1]),
        ["transaction producer initialized"] = new TransactionProducerInitialized(7, 0, -1, -1, 60_000, TransactionTime),
        ["transaction producer initialized, extreme"] = new TransactionProducerInitialized(long.MaxValue, short.MaxValue, long.MaxValue - 1,
            short.MaxValue - 1, int.MaxValue, DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc)),
        ["transaction partitions added"] = new TransactionPartitionsAdded([new TopicPartition("orders", 0), new TopicPartition("payments", int.MaxValue)], TransactionTime),
        ["transaction group added"] = new TransactionGroupAdded("enrich", TransactionTime),
        ["transaction end prepared, commit"] = new TransactionEndPrepared(true, 3, TransactionTime),
        ["transaction end prepared, fencing abort"] = new TransactionEndPrepared(false, short.MaxValue, TransactionTime),
        ["transaction end completed"] = new TransactionEndCompleted(TransactionTime),
        ["transactional id expired"] = new TransactionalIdExpired(TransactionTime),
        ["transactional id registered"] = new TransactionalIdRegistered("app-1"),
        ["transactional ids snapshot"] = new TransactionalIdsSnapshot(["app-1", "", "payments-enricher-7"]),
        ["transactional ids snapshot, none"] = new TransactionalIdsSnapshot([]),
        ["transaction snapshot, new"] = TransactionState.New("app-1"),
        ["transaction snapshot, committing"] = TransactionState.New("app-1")
            .Apply(new TransactionProducerInitialized(7, 2, 6, short.MaxValue - 1, 60_000, TransactionTime))
            .Apply(new TransactionPartitionsAdded([new TopicPartition("payments", 1), new TopicPartition("orders", 0)], TransactionTime))
            .Apply(new TransactionGroupAdded("enrich", TransactionTime))
            .Apply(new TransactionEndPrepared(true, 2, TransactionTime.AddSeconds(1))),
    };

    public static IEnumerable<object[]> Names => All.Keys.Select(k => new object[] { k });

    /// <summary>Samples whose bytes have a structure the serializer itself reads (a batch event is the batch bytes as they are).</summary>
    public static IEnumerable<object[]> StructuredNames => All.Where(kv => kv.Value is not BatchAppended).Select(kv => new object[] { kv.Key });
}
