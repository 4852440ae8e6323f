using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Security;
using AkkaKafka.Tests.Support;

namespace AkkaKafka.Tests.Serialization;

/// <summary>At least one instance of every wire message, with the null, empty and extreme values each field allows.</summary>
public static class ProtocolSamples
{
    private static readonly byte[] Batch = Batches.Of(42, "hello", "world");

    private static readonly ClusterMetadata Metadata = new(
        Version: (7L << 32) + 3,
        Controller: "127.0.0.1:4053",
        Brokers:
        [
            new BrokerInfo("127.0.0.1:4053", "Up", 0, 1, "127.0.0.1:9092"),
            new BrokerInfo("127.0.0.1:4054", "Leaving", 1, int.MaxValue, "kafka-2.example.com:19093"),
            new BrokerInfo("127.0.0.1:4055", "Up", 2, 0, null),
            new BrokerInfo("127.0.0.1:4056", "Up", 3),
        ],
        Topics:
        [
            new TopicMetadata("orders", 12, 3, 604_800_000, -1,
                [new PartitionAssignment(0, "127.0.0.1:4053", 5), new PartitionAssignment(1, null, 0), new PartitionAssignment(2, "127.0.0.1:4054", long.MaxValue)]),
            new TopicMetadata("empty.topic_v2-x", long.MaxValue, 0, -1, 1024, []),
            new TopicMetadata("clock", 7, 0, -1, -1, [], AkkaKafka.Protocol.Records.TimestampType.LogAppendTime),
        ]);

    public static readonly IReadOnlyDictionary<string, object> All = new Dictionary<string, object>
    {
        ["produce, acks all"] = new ProduceRequest("orders", 2, Batch, Acks.All, "client-1"),
        ["produce, acks leader"] = new ProduceRequest("orders", 0, Batch, Acks.Leader, "c"),
        ["produce, acks none, empty client id"] = new ProduceRequest("orders", int.MaxValue, Batch, Acks.None, ""),
        ["produce response"] = new ProduceResponse("orders", 2, ErrorCode.None, 1234567890123, 1_700_000_000_000),
        ["produce response, error"] = new ProduceResponse("orders", 2, ErrorCode.KafkaStorageError, -1, -1, "journal write failed: boom"),
        ["fetch"] = new FetchRequest("orders", 1, long.MaxValue - 1, 1 << 20, 30_000, "consumer-ü"),
        ["fetch response"] = new FetchResponse("orders", 1, ErrorCode.None, 44, 0, Batch),
        ["fetch response, error and no records"] = new FetchResponse("orders", 1, ErrorCode.OffsetOutOfRange, -1, long.MinValue, [], "offset 9 is outside [0, 4]"),
        ["list offsets, latest"] = new ListOffsetsRequest("orders", 0, ListOffsetsRequest.Latest),
        ["list offsets, earliest"] = new ListOffsetsRequest("orders", 0, ListOffsetsRequest.Earliest),
        ["list offsets, by time"] = new ListOffsetsRequest("orders", 0, 1_700_000_000_000),
        ["fetch, read committed"] = new FetchRequest("orders", 1, 7, 1 << 20, 500, "consumer", null, IsolationLevel.ReadCommitted),
        ["fetch response, transactions"] = new FetchResponse("orders", 1, ErrorCode.None, 44, 0, Batch, null, 40,
            [new AbortedTransaction(7, 10, 20), new AbortedTransaction(long.MaxValue, 0, long.MaxValue)]),
        ["fetch response, read committed, none aborted"] = new FetchResponse("orders", 1, ErrorCode.None, 44, 0, [], null, 44, []),
        ["list offsets, latest, read committed"] = new ListOffsetsRequest("orders", 0, ListOffsetsRequest.Latest, IsolationLevel.ReadCommitted),
        ["write txn marker, commit"] = new WriteTxnMarker("orders", 3, 4242, 7, AkkaKafka.Protocol.Records.TransactionResult.Commit, 12),
        ["write txn marker, abort, extreme"] = new WriteTxnMarker("orders", int.MaxValue, long.MaxValue, short.MaxValue, AkkaKafka.Protocol.Records.TransactionResult.Abort, int.MaxValue),
        ["write txn marker response"] = new WriteTxnMarkerResponse("orders", 3, ErrorCode.None, 1234),
        ["write txn marker response, fenced"] = new WriteTxnMarkerResponse("orders", 3, ErrorCode.InvalidProducerEpoch, -1, "producer 4242: marker epoch 6 is older than the current epoch 7"),
        ["forwarded write txn marker"] = new ForwardedRequest(new WriteTxnMarker("orders", 0, 1, 0, AkkaKafka.Protocol.Records.TransactionResult.Abort, 0)),
        ["describe producers"] = new DescribeProducers("orders", 2),
        ["forwarded describe producers"] = new ForwardedRequest(new DescribeProducers("orders", 0)),
        ["producers description"] = new ProducersDescription("orders", 2, ErrorCode.None,
            [new ActiveProducer(4242, 7, 99, 1_700_000_000_000, 3, 120), new ActiveProducer(long.MaxValue, short.MaxValue, int.MaxValue, long.MinValue, -1, -1)]),
        ["producers description, error"] = new ProducersDescription("orders", 2, ErrorCode.NotLeaderOrFollower, [], "not the owner"),
        ["list offsets response"] = new ListOffsetsResponse("orders", 0, ErrorCode.NotLeaderOrFollower, 17),
        ["list offsets response, by time"] = new ListOffsetsResponse("orders", 0, ErrorCode.None, 42, 1_700_000_000_123),
        ["forwarded produce"] = new ForwardedRequest(new ProduceRequest("orders", 1, Batch, Acks.All, "client-1")),
        ["forwarded fetch"] = new ForwardedRequest(new FetchRequest("orders", 1, 0, 100, 0, "consumer")),
        ["forwarded list offsets"] = new ForwardedRequest(new ListOffsetsRequest("orders", 1, ListOffsetsRequest.Earliest)),
        ["create topic, default retention"] = new CreateTopic("orders", 3),
        ["create topic, explicit retention"] = new CreateTopic("orders", 10_000, -1, long.MaxValue),
        ["create topic, log append time"] = new CreateTopic("clock", 1, TimestampType: AkkaKafka.Protocol.Records.TimestampType.LogAppendTime),
        ["delete topic"] = new DeleteTopic("orders"),
        ["create internal topic"] = new CreateInternalTopic("__consumer_offsets", 10_000),
        ["add partitions"] = new AddPartitions("orders", 12),
        ["add partitions, extreme"] = new AddPartitions("", int.MinValue),
        ["topic command result"] = new TopicCommandResult("orders", ErrorCode.None, "Created topic orders with 3 partitions."),
        ["topic command result, error"] = new TopicCommandResult("bad name", ErrorCode.InvalidTopic, ""),
        ["get metadata, all topics"] = new GetMetadata(),
        ["get metadata, no topics"] = new GetMetadata([], false),
        ["get metadata, auto-create"] = new GetMetadata(["orders", "payments"], true),
        ["metadata response"] = new MetadataResponse(Metadata),
        ["metadata response, empty"] = new MetadataResponse(ClusterMetadata.Empty),
        ["metadata published"] = new MetadataPublished(Metadata),
        ["cluster metadata"] = Metadata,
        ["cluster metadata, no controller"] = Metadata with { Controller = null, Brokers = [] },
        ["get cluster status"] = GetClusterStatus.Instance,
        ["init producer id"] = new InitProducerId(),
        ["init producer id, transactional"] = new InitProducerId("tx-1"),
        ["init transactional producer"] = new InitTransactionalProducer("tx-1", 60_000),
        ["init transactional producer, KIP-360"] = new InitTransactionalProducer("tx-1", int.MaxValue, new ProducerIdAndEpoch(long.MaxValue, short.MaxValue)),
        ["init producer id result"] = new InitProducerIdResult(ErrorCode.None, long.MaxValue, short.MaxValue),
        ["init producer id result, refused"] = new InitProducerIdResult(ErrorCode.TransactionalIdAuthorizationFailed, -1, -1, "no transactions"),
        ["cluster status"] = new ClusterStatus(
            [new ClusterMember("akka.tcp://akkakafka@127.0.0.1:4053", "Up", ["broker", "dc-default"], 0), new ClusterMember("akka.tcp://akkakafka@127.0.0.1:4054", "Up (unreachable)", [], 1)],
            "127.0.0.1:4053", Metadata),
        ["cluster status, no leader"] = new ClusterStatus([], null, ClusterMetadata.Empty),
        ["produce with client address"] = new ProduceRequest("orders", 2, Batch, Acks.All, "client-1", "127.0.0.1:40123"),
        ["fetch with client address"] = new FetchRequest("orders", 1, 0, 1 << 20, 500, "consumer", "127.0.0.1:40124"),
        ["offset commit"] = new OffsetCommit("g", "m", 3, [new PartitionOffset("orders", 0, 42), new PartitionOffset("orders", 1, long.MaxValue)], "127.0.0.1:40125"),
        ["offset commit, no address"] = new OffsetCommit("g", "m", 0, []),
        ["offset commit response"] = new OffsetCommitResponse("g", ErrorCode.IllegalGeneration, "orders-1 is no longer assigned to m"),
        ["offset fetch"] = new OffsetFetch("g", [new TopicPartition("orders", 0)]),
        ["offset fetch response"] = new OffsetFetchResponse("g", [new PartitionOffset("orders", 0, -1)]),
        ["list groups"] = ListGroups.Instance,
        ["list groups response"] = new ListGroupsResponse(["a", "b"]),
        ["describe group"] = new DescribeGroup("g"),
        ["group description"] = new GroupDescription("g", ErrorCode.None, 7,
            [new GroupMemberDescription("m1", "c1", [new TopicPartition("orders", 0)]), new GroupMemberDescription("m2", "c2", [])],
            [new PartitionOffset("orders", 0, 10)]),
        ["group description, classic members"] = new GroupDescription("g", ErrorCode.None, int.MaxValue,
            [new GroupMemberDescription("rdkafka-1", "rdkafka", [new TopicPartition("orders", 2)], "/10.0.0.7", [0, 3, 1, 255], [0, 0, 0, 0, 0, 0, 255, 255, 255, 255])],
            [], GroupStates.CompletingRebalance, "consumer", "range"),
        ["group description, unknown group"] = new GroupDescription("nope", ErrorCode.InvalidRequest, 0, [], []),
        ["join classic group, new member"] = new JoinClassicGroup("g", "", null, "rdkafka", "/127.0.0.1", 45_000, -1, "consumer",
            [new GroupProtocolOffer("range", [0, 3, 0, 0, 0, 1]), new GroupProtocolOffer("roundrobin", [])], true),
        ["join classic group, static member"] = new JoinClassicGroup("g", "rdkafka-abc", "instance-ü", "", "", int.MaxValue, int.MaxValue, "consumer", [], false),
        ["join classic group response, leader"] = new JoinClassicGroupResponse("g", ErrorCode.None, 4, "consumer", "range", "m1", "m1",
            [new ClassicGroupMember("m1", null, [1, 2, 3]), new ClassicGroupMember("m2", "i2", [])]),
        ["join classic group response, member id required"] = new JoinClassicGroupResponse("g", ErrorCode.MemberIdRequired, -1, null, null, "", "rdkafka-abc", []),
        ["sync classic group, leader"] = new SyncClassicGroup("g", 4, "m1", null, "consumer", "range",
            [new MemberAssignment("m1", [0, 3, 0, 0, 0, 0, 255, 255, 255, 255]), new MemberAssignment("m2", [])]),
        ["sync classic group, follower"] = new SyncClassicGroup("g", 0, "m2", "i2", null, null, []),
        ["sync classic group response"] = new SyncClassicGroupResponse("g", ErrorCode.None, "consumer", "range", [9, 8, 7]),
        ["sync classic group response, error"] = new SyncClassicGroupResponse("g", ErrorCode.RebalanceInProgress, null, null, []),
        ["classic heartbeat"] = new ClassicHeartbeat("g", -1, "m1", null),
        ["classic heartbeat response"] = new ClassicHeartbeatResponse("g", ErrorCode.RebalanceInProgress),
        ["leave classic group"] = new LeaveClassicGroup("g", ["m1", "m2"]),
        ["leave classic group response"] = new LeaveClassicGroupResponse("g", ErrorCode.None, [new MemberLeft("m1", ErrorCode.None), new MemberLeft("x", ErrorCode.UnknownMemberId)]),
        ["delete group"] = new DeleteGroup("g"),
        ["delete group response"] = new DeleteGroupResponse("g", ErrorCode.NonEmptyGroup),
        ["complete transactional offsets"] = new CompleteTransactionalOffsets("g", long.MaxValue, short.MaxValue, Commit: true),
        ["add partitions to transaction"] = new AddPartitionsToTransaction("tx-1", long.MaxValue, short.MaxValue, [new("orders", 0), new("payments", int.MaxValue)]),
        ["verify partitions in transaction"] = new AddPartitionsToTransaction("tx-1", 7, 0, [new("orders", 3)], VerifyOnly: true),
        ["partitions added to transaction"] = new AddPartitionsToTransactionResult("tx-1",
            [new(new("orders", 0), ErrorCode.None), new(new("payments", 1), ErrorCode.InvalidTxnState)]),
        ["transactional offsets completed"] = new TransactionalOffsetsCompleted("g", ErrorCode.CoordinatorLoadInProgress),
        ["alter topic configs"] = new AlterTopicConfigs("orders", 60_000),
        ["alter topic configs, defaults and extremes"] = new AlterTopicConfigs("o", CreateTopic.UseDefault, long.MaxValue),
        ["alter topic configs, log append time"] = new AlterTopicConfigs("clock", TimestampType: AkkaKafka.Protocol.Records.TimestampType.LogAppendTime),
        ["alter topic configs, back to create time"] = new AlterTopicConfigs("clock", TimestampType: AkkaKafka.Protocol.Records.TimestampType.CreateTime),
        ["authenticate"] = new Authenticate("bob", "pässwörd:with colon"),
        ["authenticated"] = new Authenticated(ErrorCode.None, "authenticated as bob", "SCRAM-SHA-256:q83vEjRWeJA="),
        ["authenticated, refused"] = new Authenticated(ErrorCode.SaslAuthenticationFailed, "unknown user or wrong password", ""),
        ["as user, create topic"] = new AsUser("bob", "SCRAM-SHA-512:AAE=", new CreateTopic("orders", 3)),
        ["as user, forwarded fetch"] = new AsUser("bob", "t", new ForwardedRequest(new FetchRequest("orders", 1, 42, 1024, 500, "c1"))),
        ["kafka request frame"] = AkkaKafka.Protocol.Messages.KafkaEnvelope.Request(
            new AkkaKafka.Protocol.Kafka.Apis.MetadataRequestData([new("orders")], AllowAutoTopicCreation: false), 8, "cli-1", correlationId: 7),
        ["as user, kafka request frame"] = new AsUser("bob", "t", new KafkaRequestFrame(new byte[] { 0, 18, 0, 3, 0, 0, 0, 1, 0, 1, (byte)'c' })),
        ["kafka response frame"] = new KafkaResponseFrame(new byte[] { 0, 0, 0, 7, 0, 0 }),
        ["kafka frame accepted"] = KafkaFrameAccepted.Instance,
        ["request refused"] = new RequestRefused(ErrorCode.GroupAuthorizationFailed, "GROUP_AUTHORIZATION_FAILED: user 'bob' may not read group 'g'"),
        ["security published"] = new SecurityPublished(new SecurityMetadata((3L << 32) + 1, [SecuritySamples.Alice], SecuritySamples.Rules)),
        ["security published, empty"] = new SecurityPublished(SecurityMetadata.Empty),
        ["upsert user"] = new UpsertUser("alice", SecuritySamples.Alice.Credentials),
        ["delete user"] = new DeleteUser("alice"),
        ["add acl"] = new AddAcl(SecuritySamples.Rules[0]),
        ["remove acl"] = new RemoveAcl(SecuritySamples.Rules[^1]),
        ["list acls"] = new ListAcls(),
        ["list acls, one user"] = new ListAcls("alice"),
        ["acl list"] = new AclList(SecuritySamples.Rules),
        ["security command result"] = new SecurityCommandResult(ErrorCode.None, "Created user alice (SCRAM-SHA-256, SCRAM-SHA-512)."),
        ["security command result, refused"] = new SecurityCommandResult(ErrorCode.ResourceNotFound, "user 'x' does not exist"),
    };

    public static IEnumerable<object[]> Names => All.Keys.Select(k => new object[] { k });

    /// <summary>
    /// The samples with a layout of ours: Kafka's own bytes (KafkaRequestFrame, KafkaResponseFrame) are carried as they
    /// are (and the receipt KafkaFrameAccepted has no bytes at all), and a cut one is refused by the Kafka decoder that reads it (CORRUPT_MESSAGE), not by this serializer.
    /// </summary>
    public static IEnumerable<object[]> StructuredNames => All.Where(kv => kv.Value is not (KafkaRequestFrame or KafkaResponseFrame or KafkaFrameAccepted)).Select(kv => new object[] { kv.Key });
}
