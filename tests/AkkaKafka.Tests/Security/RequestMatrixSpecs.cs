using System.Text;
using System.Text.RegularExpressions;
using Akka.Actor;
using AkkaKafka.Client;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;
using AkkaKafka.Protocol.Security;
using AkkaKafka.Tests.KafkaClients;
using AkkaKafka.Tests.MultiNode.Support;
using Xunit;

namespace AkkaKafka.Tests.Security;

/// <summary>
/// One broker with security on for both transports: SASL/SCRAM-SHA-256 on the Kafka listener, logins for Akka
/// clients. Users: "admin" (superuser), "member" (the ACLs every client request needs, on topics and groups named
/// "m-…", by prefix), "outsider" (no ACLs). The twin topics "m-wire-t" and "m-akka-t" exist, each holding the same
/// seed batch, so each transport acts on a twin of its own in the same state.
/// </summary>
public sealed class RequestMatrixBroker() : UsersBroker(SaslMechanisms.ScramSha256), IAsyncLifetime
{
    public const string Member = "member";
    public const string Outsider = "outsider";
    public static readonly string[] Users = [Superuser, Member, Outsider];

    /// <summary>The two transports' names, of equal length, so the twin resources' names are of equal length too.</summary>
    public const string WireTwin = "wire";
    public const string AkkaTwin = "akka";

    /// <summary>
    /// What "member" may do: each operation a client request needs (Describe comes with Read, Write, Delete and
    /// Alter), on every topic and group whose name starts with "m-" (a prefixed rule).
    /// </summary>
    public static readonly AclRule[] MemberAcls =
    [
        new(Member, AclResourceType.Topic, "m-*", AclOperation.Write),
        new(Member, AclResourceType.Topic, "m-*", AclOperation.Read),
        new(Member, AclResourceType.Topic, "m-*", AclOperation.Create),
        new(Member, AclResourceType.Topic, "m-*", AclOperation.Delete),
        new(Member, AclResourceType.Topic, "m-*", AclOperation.Alter),
        new(Member, AclResourceType.Group, "m-*", AclOperation.Read),
        new(Member, AclResourceType.Group, "m-*", AclOperation.Delete),
    ];

    public static string TwinTopic(string transport) => $"m-{transport}-t";

    /// <summary>One batch, built once with a fixed timestamp: the same bytes in both twins, so their fetches answer the same bytes.</summary>
    public static readonly byte[] Batch = FixedBatch("matrix");

    private ClusterConnection? _admin;

    public new async Task InitializeAsync()
    {
        await Cluster.StartAllAsync();
        _admin = await ConnectAsync(Superuser, createFirst: true);
        foreach (var user in new[] { Member, Outsider })
            await CreateUserAsync(_admin, user);
        foreach (var rule in MemberAcls)
            await AllowAsync(_admin, rule);
        // Once member can log in as an Akka client, the broker holds it; it logs in on the Kafka port below.
        await (await ConnectAsync(Member)).DisposeAsync();

        using (var admin = await KafkaAsAsync(Superuser))
        {
            await admin.CreateTopicsAsync(Diagnostics, TwinTopic(WireTwin), TwinTopic(AkkaTwin));
            foreach (var topic in new[] { TwinTopic(WireTwin), TwinTopic(AkkaTwin) })
                await Eventually.Async(TimeSpan.FromSeconds(30), async () =>
                {
                    var produced = await admin.AskAsync(ApiKey.Produce, 7, 1, new ProduceRequestData(-1, 10_000, [new(topic, [new(0, Batch)])]),
                        (ref KafkaReader r) => ProduceResponseData.Read(ref r, 7));
                    Assert.Equal(ErrorCode.None, produced.Responses[0].Partitions[0].ErrorCode);
                });
        }
        // The ACLs reach the broker with the users' publication or after it: wait until member sees its topics.
        await Eventually.Async(TimeSpan.FromSeconds(30), async () =>
        {
            using var member = await KafkaAsAsync(Member);
            var metadata = await member.AskAsync(ApiKey.Metadata, 8, 1,
                new MetadataRequestData([new(TwinTopic(WireTwin)), new(TwinTopic(AkkaTwin))], AllowAutoTopicCreation: false),
                (ref KafkaReader r) => MetadataResponseData.Read(ref r, 8));
            Assert.All(metadata.Topics, t => Assert.Equal(ErrorCode.None, t.ErrorCode));
        });
        await AwaitKafkaMetadataAsync();
    }

    private static byte[] FixedBatch(string value)
    {
        var builder = new RecordBatchBuilder();
        builder.Add(1_700_000_000_000, null, Encoding.UTF8.GetBytes(value));
        return builder.Build();
    }

    /// <summary>A raw Kafka connection authenticated as <paramref name="user"/> with SASL/SCRAM-SHA-256, as a Kafka client logs in.</summary>
    public async Task<KafkaWireConnection> KafkaAsAsync(string user)
    {
        var wire = await KafkaWireConnection.OpenAsync(Cluster.KafkaPort(Port));
        try
        {
            await LogInAsync(wire, user);
            return wire;
        }
        catch
        {
            wire.Dispose();
            throw;
        }
    }

    private static async Task LogInAsync(KafkaWireConnection wire, string user)
    {
        var handshake = await wire.AskAsync(ApiKey.SaslHandshake, 1, 1, new SaslHandshakeRequestData(SaslMechanisms.ScramSha256),
            (ref KafkaReader r) => SaslHandshakeResponseData.Read(ref r, 1));
        Assert.Equal(ErrorCode.None, handshake.ErrorCode);
        var scram = new ScramClient(SaslMechanisms.ScramSha256, user, Password(user), clientNonce: Guid.NewGuid().ToString("N"));
        var first = await wire.AskAsync(ApiKey.SaslAuthenticate, 2, 2, new SaslAuthenticateRequestData(scram.ClientFirst()),
            (ref KafkaReader r) => SaslAuthenticateResponseData.Read(ref r, 2));
        Assert.Equal(ErrorCode.None, first.ErrorCode);
        var final = await wire.AskAsync(ApiKey.SaslAuthenticate, 2, 3, new SaslAuthenticateRequestData(scram.ClientFinal(first.AuthBytes.ToArray())),
            (ref KafkaReader r) => SaslAuthenticateResponseData.Read(ref r, 2));
        Assert.Equal(ErrorCode.None, final.ErrorCode);
        Assert.True(scram.VerifiesServer(final.AuthBytes.ToArray()), "the broker's SCRAM signature");
    }

    public override async Task DisposeAsync()
    {
        if (_admin is not null) await _admin.DisposeAsync();
        await base.DisposeAsync();
    }
}

/// <summary>
/// One request contract: every Kafka API this broker serves, asked the same way by the same user, gets the same
/// answer over the Kafka listener (SASL/SCRAM) and from an Akka client (<see cref="KafkaRequestFrame"/> as its
/// session's user): one set of handlers and one authorization serve both. The table below is the rule book: for each
/// request, what the superuser, a user with the ACLs it needs and a user without any get (Kafka's error names).
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class RequestMatrixSpecs(RequestMatrixBroker broker) : IClassFixture<RequestMatrixBroker>
{
    private const string ClientId = "matrix-spec";

    /// <summary>
    /// One transport's resources for one user, and what that user's group membership learnt on it (member id,
    /// generation). Names differ between the transports only in "wire"/"akka", of equal length.
    /// </summary>
    private sealed class Twin(string transport, string user)
    {
        public string Topic { get; } = RequestMatrixBroker.TwinTopic(transport);
        public string Group { get; } = $"m-{transport}-g";
        /// <summary>The topic this user creates, grows and deletes (the other users' runs must not find it).</summary>
        public string UsersTopic { get; } = $"m-{transport}-{user}";
        public string MemberId { get; set; } = "";
        public int Generation { get; set; } = -1;
    }

    private sealed record Row(ApiKey Api, string Request, Func<Twin, IKafkaRequest> Build, Func<Twin, IKafkaResponse, string> Outcome,
        string Superuser, string Member, string Outsider)
    {
        /// <summary>What the next rows need from this answer (the group membership).</summary>
        public Action<Twin, IKafkaResponse>? Remember { get; init; }

        /// <summary>Fields of the decoded answer that legitimately differ between the two runs (blanked before comparing).</summary>
        public Func<IKafkaResponse, IKafkaResponse>? Normalise { get; init; }

        public string Expected(string user) => user switch
        {
            RequestMatrixBroker.Superuser => Superuser,
            RequestMatrixBroker.Member => Member,
            _ => Outsider,
        };
    }

    private static Row Of<T>(ApiKey api, string request, Func<Twin, IKafkaRequest> build, Func<Twin, T, string> outcome,
        string superuser, string member, string outsider) where T : IKafkaResponse =>
        new(api, request, build, (twin, response) => outcome(twin, (T)response), superuser, member, outsider);

    private static Func<Twin, T, string> Code<T>(Func<T, ErrorCode> pick) => (_, response) => Kafka(pick(response));

    /// <summary>An error code by its Kafka name (TOPIC_AUTHORIZATION_FAILED), as Kafka's documentation and tools print it.</summary>
    private static string Kafka(ErrorCode code) => Regex.Replace(code.ToString(), "(?<=[a-z0-9])([A-Z])", "_$1").ToUpperInvariant();

    private const string None = "NONE";
    private const string TopicDenied = "TOPIC_AUTHORIZATION_FAILED";
    private const string GroupDenied = "GROUP_AUTHORIZATION_FAILED";
    private const string ClusterDenied = "CLUSTER_AUTHORIZATION_FAILED";

    private static readonly byte[] Subscription = "matrix subscription"u8.ToArray();
    private static readonly byte[] Assignment = "matrix assignment"u8.ToArray();

    /// <summary>
    /// Every client request, in the order one user runs them (state carries over: the group's member joins before it
    /// syncs, the user's topic exists before it grows). Each user runs all of them, superuser first; each transport
    /// on its own twin, so both see the same state. Versions: the newest this broker speaks (what Akka clients send).
    /// </summary>
    private static readonly Row[] Rows =
    [
        Of<ApiVersionsResponseData>(ApiKey.ApiVersions, "the versions of every API",
            _ => new ApiVersionsRequestData(ClientId, "1.0"), Code<ApiVersionsResponseData>(r => r.ErrorCode),
            None, None, None),
        Of<MetadataResponseData>(ApiKey.Metadata, "the twin topic, without auto-creation",
            t => new MetadataRequestData([new(t.Topic)], AllowAutoTopicCreation: false), Code<MetadataResponseData>(r => r.Topics.Single().ErrorCode),
            None, None, TopicDenied) with
        {
            Normalise = r => (MetadataResponseData)r is var m
                ? m with
                {
                    Brokers = WithoutPorts(m.Brokers),
                    Topics = m.Topics.Select(t => t with { Partitions = t.Partitions.Select(p => p with { LeaderEpoch = 0 }).ToList() }).ToList(),
                }
                : r,
        },
        Of<DescribeClusterResponseData>(ApiKey.DescribeCluster, "the cluster, with the user's authorized operations",
            _ => new DescribeClusterRequestData(IncludeClusterAuthorizedOperations: true),
            // Served to every user, as in Kafka; the operations the answer grants are the user's own (Describe: bit 8).
            (_, r) => r.ErrorCode != ErrorCode.None ? Kafka(r.ErrorCode) : (r.ClusterAuthorizedOperations & 1 << 8) != 0 ? "NONE+DESCRIBE" : None,
            "NONE+DESCRIBE", None, None) with
        {
            Normalise = r => (DescribeClusterResponseData)r is var d ? d with { Brokers = d.Brokers.Select(b => b with { Port = 0 }).ToList() } : r,
        },
        Of<ProduceResponseData>(ApiKey.Produce, "a batch to the twin topic, acks=all",
            t => new ProduceRequestData(-1, 10_000, [new(t.Topic, [new(0, RequestMatrixBroker.Batch)])]),
            Code<ProduceResponseData>(r => r.Responses.Single().Partitions.Single().ErrorCode),
            None, None, TopicDenied),
        Of<FetchResponseData>(ApiKey.Fetch, "the twin topic from offset 0",
            t => new FetchRequestData(-1, 0, 0, [new(t.Topic, [new(0, 0, 1 << 20)])]),
            Code<FetchResponseData>(r => r.Responses.Single().Partitions.Single().ErrorCode),
            None, None, TopicDenied) with
        {
            Normalise = r => (FetchResponseData)r is var f
                ? f with { Responses = f.Responses.Select(t => t with { Partitions = t.Partitions.Select(p => p with { Records = WithoutLeaderEpochs(p.Records) }).ToList() }).ToList() }
                : r,
        },
        Of<ListOffsetsResponseData>(ApiKey.ListOffsets, "the twin topic's latest offset",
            t => new ListOffsetsRequestData(-1, [new(t.Topic, [new(0, -1)])]),
            Code<ListOffsetsResponseData>(r => r.Topics.Single().Partitions.Single().ErrorCode),
            None, None, TopicDenied),
        Of<InitProducerIdResponseData>(ApiKey.InitProducerId, "an idempotent producer's id (Write on some topic)",
            _ => new InitProducerIdRequestData(null, 60_000), Code<InitProducerIdResponseData>(r => r.ErrorCode),
            None, None, ClusterDenied) with
        {
            // A counter: the second of two idempotent producers gets the next id.
            Normalise = r => ((InitProducerIdResponseData)r) with { ProducerId = 0 },
        },
        // A marker for a partition the twin topic does not have: the rule (ClusterAction, brokers only) is what is
        // checked here, and nothing is written; the broker-level transaction spec writes real markers.
        Of<WriteTxnMarkersResponseData>(ApiKey.WriteTxnMarkers, "a commit marker for partition 99 of the twin topic (CLUSTER_ACTION)",
            t => new WriteTxnMarkersRequestData([new(4242, 0, true, [new(t.Topic, [99])], 0)]),
            Code<WriteTxnMarkersResponseData>(r => r.Markers.Single().Topics.Single().Partitions.Single().ErrorCode),
            "UNKNOWN_TOPIC_OR_PARTITION", ClusterDenied, ClusterDenied),
        // The producer's transaction requests for a transactional id no producer holds: the rules are what is checked
        // here (INVALID_PRODUCER_ID_MAPPING once allowed); TransactionalProducerSpecs runs real transactions. The newest
        // AddPartitionsToTxn is the brokers' batched form (CLUSTER_ACTION).
        Of<AddPartitionsToTxnResponseData>(ApiKey.AddPartitionsToTxn, "the twin topic's partition 0 into a transaction (brokers' form)",
            t => new AddPartitionsToTxnRequestData([new(t.Group + "-tx", 4242, 0, VerifyOnly: false, [new(t.Topic, [0])])]),
            Code<AddPartitionsToTxnResponseData>(r => r.ErrorCode != ErrorCode.None ? r.ErrorCode
                : r.ResultsByTransaction.Single().TopicResults.Single().ResultsByPartition.Single().PartitionErrorCode),
            "INVALID_PRODUCER_ID_MAPPING", ClusterDenied, ClusterDenied),
        Of<AddOffsetsToTxnResponseData>(ApiKey.AddOffsetsToTxn, "the twin group's offsets into a transaction (READ on the group)",
            t => new AddOffsetsToTxnRequestData(t.Group + "-tx", 4242, 0, t.Group), Code<AddOffsetsToTxnResponseData>(r => r.ErrorCode),
            "INVALID_PRODUCER_ID_MAPPING", "INVALID_PRODUCER_ID_MAPPING", GroupDenied),
        Of<EndTxnResponseData>(ApiKey.EndTxn, "commit a transaction",
            t => new EndTxnRequestData(t.Group + "-tx", 4242, 0, Committed: true), Code<EndTxnResponseData>(r => r.ErrorCode),
            "INVALID_PRODUCER_ID_MAPPING", "INVALID_PRODUCER_ID_MAPPING", "INVALID_PRODUCER_ID_MAPPING"),
        Of<DescribeProducersResponseData>(ApiKey.DescribeProducers, "the producers of the twin topic's partition 0 (READ on the topic)",
            t => new DescribeProducersRequestData([new(t.Topic, [0])]),
            (_, r) => r.Topics.Single().Partitions.Single() is var p ? $"{Kafka(p.ErrorCode)}, {p.ActiveProducers.Count} producer(s)" : "",
            $"{None}, 0 producer(s)", $"{None}, 0 producer(s)", $"{TopicDenied}, 0 producer(s)"),
        Of<OffsetCommitResponseData>(ApiKey.OffsetCommit, "offset 1 of the twin topic for the twin group, outside a generation",
            t => new OffsetCommitRequestData(t.Group, [new OffsetCommitRequestTopic(t.Topic, [new OffsetCommitRequestPartition(0, 1, null)])]),
            Code<OffsetCommitResponseData>(r => r.Topics.Single().Partitions.Single().ErrorCode),
            None, None, GroupDenied),
        Of<OffsetFetchResponseData>(ApiKey.OffsetFetch, "the twin group's offset of the twin topic",
            t => new OffsetFetchRequestData(t.Group, [new OffsetFetchRequestTopic(t.Topic, [0])]),
            Code<OffsetFetchResponseData>(r => r.ErrorCode != ErrorCode.None ? r.ErrorCode : r.Topics.Single().Partitions.Single().ErrorCode),
            None, None, GroupDenied),
        Of<FindCoordinatorResponseData>(ApiKey.FindCoordinator, "the twin group's coordinator",
            t => new FindCoordinatorRequestData(t.Group), Code<FindCoordinatorResponseData>(r => r.ErrorCode),
            None, None, GroupDenied),
        Of<JoinGroupResponseData>(ApiKey.JoinGroup, "the twin group, as a new member without an id",
            t => new JoinGroupRequestData(t.Group, 30_000, "", "consumer", [new("range", Subscription)], RebalanceTimeoutMs: 30_000),
            Code<JoinGroupResponseData>(r => r.ErrorCode),
            "MEMBER_ID_REQUIRED", "MEMBER_ID_REQUIRED", GroupDenied) with
        {
            Remember = (t, r) => t.MemberId = ((JoinGroupResponseData)r).MemberId,
        },
        Of<JoinGroupResponseData>(ApiKey.JoinGroup, "the twin group, with the member id it was given",
            t => new JoinGroupRequestData(t.Group, 30_000, t.MemberId, "consumer", [new("range", Subscription)], RebalanceTimeoutMs: 30_000),
            Code<JoinGroupResponseData>(r => r.ErrorCode),
            None, None, GroupDenied) with
        {
            Remember = (t, r) => t.Generation = ((JoinGroupResponseData)r).GenerationId,
        },
        Of<SyncGroupResponseData>(ApiKey.SyncGroup, "the leader's assignment",
            t => new SyncGroupRequestData(t.Group, t.Generation, t.MemberId, [new(t.MemberId, Assignment)]),
            Code<SyncGroupResponseData>(r => r.ErrorCode),
            None, None, GroupDenied),
        Of<HeartbeatResponseData>(ApiKey.Heartbeat, "the member's",
            t => new HeartbeatRequestData(t.Group, t.Generation, t.MemberId), Code<HeartbeatResponseData>(r => r.ErrorCode),
            None, None, GroupDenied),
        Of<DescribeGroupsResponseData>(ApiKey.DescribeGroups, "the twin group",
            t => new DescribeGroupsRequestData([t.Group]),
            (_, r) => r.Groups.Single() is { ErrorCode: ErrorCode.None } g ? $"{None}, {g.GroupState}" : Kafka(r.Groups.Single().ErrorCode),
            $"{None}, Stable", $"{None}, Stable", GroupDenied),
        Of<ListGroupsResponseData>(ApiKey.ListGroups, "all groups (only those the user may describe are listed)",
            _ => new ListGroupsRequestData(),
            (t, r) => $"{Kafka(r.ErrorCode)}, {(r.Groups.Any(g => g.GroupId == t.Group) ? "group listed" : "group hidden")}",
            $"{None}, group listed", $"{None}, group listed", $"{None}, group hidden"),
        Of<LeaveGroupResponseData>(ApiKey.LeaveGroup, "the member",
            t => new LeaveGroupRequestData(t.Group, "", [new LeaveGroupMemberIdentity(t.MemberId)]), Code<LeaveGroupResponseData>(r => r.ErrorCode),
            None, None, GroupDenied),
        Of<DeleteGroupsResponseData>(ApiKey.DeleteGroups, "the twin group, now empty",
            t => new DeleteGroupsRequestData([t.Group]), Code<DeleteGroupsResponseData>(r => r.Results.Single().ErrorCode),
            None, None, GroupDenied),
        Of<CreateTopicsResponseData>(ApiKey.CreateTopics, "the user's topic",
            t => new CreateTopicsRequestData([new(t.UsersTopic, 1, 1, [], [])], TimeoutMs: 30_000),
            Code<CreateTopicsResponseData>(r => r.Topics.Single().ErrorCode),
            None, None, TopicDenied),
        Of<CreatePartitionsResponseData>(ApiKey.CreatePartitions, "the user's topic to 2 partitions",
            t => new CreatePartitionsRequestData([new(t.UsersTopic, 2)], 30_000), Code<CreatePartitionsResponseData>(r => r.Results.Single().ErrorCode),
            None, None, TopicDenied),
        Of<IncrementalAlterConfigsResponseData>(ApiKey.IncrementalAlterConfigs, "SET retention.ms of the twin topic",
            t => new IncrementalAlterConfigsRequestData([new(2, t.Topic, [new("retention.ms", 0, "3600000")])]),
            Code<IncrementalAlterConfigsResponseData>(r => r.Responses.Single().ErrorCode),
            None, None, TopicDenied),
        Of<DescribeConfigsResponseData>(ApiKey.DescribeConfigs, "every config of the twin topic",
            t => new DescribeConfigsRequestData([new(2, t.Topic, null)]), Code<DescribeConfigsResponseData>(r => r.Results.Single().ErrorCode),
            None, None, TopicDenied),
        Of<CreateAclsResponseData>(ApiKey.CreateAcls, "READ on the user's topic for User:nobody (ALTER on CLUSTER)",
            t => new CreateAclsRequestData([NobodyReads(t)]), Code<CreateAclsResponseData>(r => r.Results.Single().ErrorCode),
            None, ClusterDenied, ClusterDenied),
        Of<DescribeAclsResponseData>(ApiKey.DescribeAcls, "the literal ACLs on the user's topic (DESCRIBE on CLUSTER)",
            t => new DescribeAclsRequestData(NobodyReads(t) with { Principal = null, Host = null, Operation = KafkaAclCodes.Any, PermissionType = KafkaAclCodes.Any }),
            (_, r) => $"{Kafka(r.ErrorCode)}, {r.Resources.Sum(res => res.Acls.Count)} ACL(s)",
            $"{None}, 1 ACL(s)", $"{ClusterDenied}, 0 ACL(s)", $"{ClusterDenied}, 0 ACL(s)"),
        Of<DeleteAclsResponseData>(ApiKey.DeleteAcls, "every ACL of User:nobody on the user's topic (ALTER on CLUSTER)",
            t => new DeleteAclsRequestData([NobodyReads(t) with { Operation = KafkaAclCodes.Any, PatternType = KafkaAclCodes.Any }]),
            (_, r) => $"{Kafka(r.FilterResults.Single().ErrorCode)}, {r.FilterResults.Single().MatchingAcls.Count(m => m.ErrorCode == ErrorCode.None)} deleted",
            $"{None}, 1 deleted", $"{ClusterDenied}, 0 deleted", $"{ClusterDenied}, 0 deleted"),
        Of<AlterUserScramCredentialsResponseData>(ApiKey.AlterUserScramCredentials, "a SCRAM-SHA-256 credential for a user named as the user's topic",
            t => new AlterUserScramCredentialsRequestData([], [new(t.UsersTopic, KafkaScramMechanisms.ScramSha256, 4096, new byte[16], new byte[32])]),
            Code<AlterUserScramCredentialsResponseData>(r => r.Results.Single().ErrorCode),
            None, ClusterDenied, ClusterDenied),
        Of<DescribeUserScramCredentialsResponseData>(ApiKey.DescribeUserScramCredentials, "the credentials of user member",
            _ => new DescribeUserScramCredentialsRequestData([RequestMatrixBroker.Member]),
            (_, r) => $"{Kafka(r.ErrorCode)}, {r.Results.Sum(u => u.CredentialInfos.Count)} credential(s)",
            $"{None}, 1 credential(s)", $"{ClusterDenied}, 0 credential(s)", $"{ClusterDenied}, 0 credential(s)"),
        Of<DeleteTopicsResponseData>(ApiKey.DeleteTopics, "the user's topic",
            t => new DeleteTopicsRequestData([t.UsersTopic], 30_000), Code<DeleteTopicsResponseData>(r => r.Responses.Single().ErrorCode),
            None, None, TopicDenied),
    ];

    /// <summary>An allow rule for nobody who logs in here: it changes no other row's outcome.</summary>
    private static AclBinding NobodyReads(Twin t) =>
        new(KafkaAclCodes.TopicResource, t.UsersTopic, KafkaAclCodes.LiteralPattern, "User:nobody", "*", KafkaAclCodes.ReadOperation, KafkaAclCodes.Allow);

    [Fact]
    public void The_matrix_has_a_row_for_every_Kafka_API_the_broker_serves_but_the_Kafka_transports_own_login()
    {
        // A new API fails here until it has its row: it is then checked on both transports, for all three users.
        var served = KafkaApis.Supported.Select(s => s.Key).Where(k => !KafkaApis.IsSasl(k)).Order();
        Assert.Equal(served, Rows.Select(r => r.Api).Distinct().Order());
    }

    [Fact]
    public async Task Every_Kafka_API_answers_every_user_the_same_over_the_Kafka_listener_and_as_an_Akka_client()
    {
        var outcomes = new List<(Row Row, string User, string Wire, string Akka, string? Difference)>();
        foreach (var user in RequestMatrixBroker.Users)
        {
            using var wire = await broker.KafkaAsAsync(user);
            await using var akka = await broker.ConnectAsync(user);
            var wireTwin = new Twin(RequestMatrixBroker.WireTwin, user);
            var akkaTwin = new Twin(RequestMatrixBroker.AkkaTwin, user);
            for (var i = 0; i < Rows.Length; i++)
            {
                var row = Rows[i];
                var version = KafkaEnvelope.NewestVersion(row.Api);
                // The same correlation id on both: it comes back in both answers.
                var correlationId = 100 + i;
                var wireRequest = KafkaWireConnection.Frame(row.Api, version, correlationId, row.Build(wireTwin), ClientId);
                var akkaRequest = KafkaWireConnection.Frame(row.Api, version, correlationId, row.Build(akkaTwin), ClientId)[4..];

                await wire.SendAsync(wireRequest);
                var wireAnswer = await wire.ReceiveFrameAsync() ?? throw new EndOfStreamException($"{row.Api}: the broker closed the Kafka connection of {user}");
                var akkaAnswer = await akka.AskAsync<IAkkaKafkaMessage>(new KafkaRequestFrame(akkaRequest)) switch
                {
                    KafkaResponseFrame frame => frame.Bytes.ToArray(),
                    var other => throw new InvalidOperationException($"{row.Api}: the Akka path answered {other}"),
                };
                var wireResponse = Decode(row.Api, version, wireAnswer);
                var akkaResponse = Decode(row.Api, version, akkaAnswer);
                row.Remember?.Invoke(wireTwin, wireResponse);
                row.Remember?.Invoke(akkaTwin, akkaResponse);

                string[] memberIds = [wireTwin.MemberId, akkaTwin.MemberId];
                Assert.Equal(Comparable(wireRequest[4..], memberIds), Comparable(akkaRequest, memberIds));
                var wireBytes = Comparable(row.Normalise is { } n ? Encode(row.Api, version, correlationId, n(wireResponse)) : wireAnswer, memberIds);
                var akkaBytes = Comparable(row.Normalise is { } m ? Encode(row.Api, version, correlationId, m(akkaResponse)) : akkaAnswer, memberIds);
                var difference = wireBytes.AsSpan().SequenceEqual(akkaBytes) ? null : $"answers differ:\n  wire {Convert.ToHexString(wireBytes)}\n  akka {Convert.ToHexString(akkaBytes)}";
                outcomes.Add((row, user, row.Outcome(wireTwin, wireResponse), row.Outcome(akkaTwin, akkaResponse), difference));
            }
        }

        var table = string.Join("\n", outcomes.Select(o =>
            $"{o.Row.Api,-24}{o.Row.Request,-58}{o.User,-9} wire={o.Wire,-30} akka={o.Akka,-30} expected={o.Row.Expected(o.User)}" +
            (o.Difference is null ? "" : $"   <- {o.Difference}")));
        Assert.True(outcomes.All(o => o.Difference is null && o.Wire == o.Akka), $"the transports disagree:\n{table}");
        Assert.True(outcomes.All(o => o.Wire == o.Row.Expected(o.User)), $"not the expected outcomes:\n{table}");
    }

    /// <summary>
    /// The bytes of a request or answer with what legitimately differs between the two runs blanked, nothing else:
    /// the twin names ("m-wire-…" and "m-akka-…", both read as "m-twin-…": each transport acts on its own twin, and
    /// ListGroups lists both twins' groups on both), and the member ids the coordinator generated (Kafka's client id
    /// plus a random UUID: one per JoinGroup). Rows blank more in the decoded answer where they must (<see cref="Row.Normalise"/>):
    /// the brokers' ports (Metadata, DescribeCluster: each transport's own endpoints), the partition leader epoch (Metadata, and the batches Fetch returns), which the controller numbers cluster-wide,
    /// so the twin assigned second has the next one; the producer id (InitProducerId), a counter. Not blanked: the
    /// correlation id (both frames carry the same) and the throttle time (no quotas here: 0 on both, so a difference
    /// there would be real).
    /// </summary>
    private static byte[] Comparable(byte[] bytes, IEnumerable<string> memberIds)
    {
        var copy = bytes.ToArray();
        Blank(copy, "m-wire-", "m-twin-");
        Blank(copy, "m-akka-", "m-twin-");
        foreach (var memberId in memberIds.Where(id => id.Length > 0))
            Blank(copy, memberId, new string('#', memberId.Length));
        return copy;
    }

    private static void Blank(byte[] bytes, string from, string to)
    {
        var pattern = Encoding.UTF8.GetBytes(from);
        var replacement = Encoding.UTF8.GetBytes(to);
        for (var at = bytes.AsSpan().IndexOf(pattern); at >= 0;)
        {
            replacement.CopyTo(bytes.AsSpan(at));
            var next = bytes.AsSpan(at + pattern.Length).IndexOf(pattern);
            at = next < 0 ? -1 : at + pattern.Length + next;
        }
    }

    /// <summary>
    /// The brokers without their ports: each broker answers with its endpoint on the listener the request came by (as
    /// Kafka's brokers do), its Kafka port on the Kafka listener, its remoting port on the Akka transport.
    /// </summary>
    private static IReadOnlyList<MetadataResponseData.MetadataResponseBroker> WithoutPorts(IReadOnlyList<MetadataResponseData.MetadataResponseBroker> brokers) =>
        brokers.Select(b => b with { Port = 0 }).ToList();

    /// <summary>Record batches with each batch's partition leader epoch zeroed (bytes 12–15 of a v2 batch header, after base offset and length).</summary>
    private static ReadOnlyMemory<byte>? WithoutLeaderEpochs(ReadOnlyMemory<byte>? records)
    {
        if (records is not { } bytes) return null;
        var copy = bytes.ToArray();
        for (var at = 0; at + 16 <= copy.Length; at += 12 + System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(copy.AsSpan(at + 8)))
            copy.AsSpan(at + 12, 4).Clear();
        return copy;
    }

    private static IKafkaResponse Decode(ApiKey api, short version, byte[] answer)
    {
        var reader = new KafkaReader(answer);
        ResponseHeader.Read(ref reader, api, version);
        IKafkaResponse response = api switch
        {
            ApiKey.ApiVersions => ApiVersionsResponseData.Read(ref reader, version),
            ApiKey.Metadata => MetadataResponseData.Read(ref reader, version),
            ApiKey.Produce => ProduceResponseData.Read(ref reader, version),
            ApiKey.Fetch => FetchResponseData.Read(ref reader, version),
            ApiKey.ListOffsets => ListOffsetsResponseData.Read(ref reader, version),
            ApiKey.InitProducerId => InitProducerIdResponseData.Read(ref reader, version),
            ApiKey.WriteTxnMarkers => WriteTxnMarkersResponseData.Read(ref reader, version),
            ApiKey.DescribeProducers => DescribeProducersResponseData.Read(ref reader, version),
            ApiKey.AddPartitionsToTxn => AddPartitionsToTxnResponseData.Read(ref reader, version),
            ApiKey.AddOffsetsToTxn => AddOffsetsToTxnResponseData.Read(ref reader, version),
            ApiKey.EndTxn => EndTxnResponseData.Read(ref reader, version),
            ApiKey.OffsetCommit => OffsetCommitResponseData.Read(ref reader, version),
            ApiKey.OffsetFetch => OffsetFetchResponseData.Read(ref reader, version),
            ApiKey.FindCoordinator => FindCoordinatorResponseData.Read(ref reader, version),
            ApiKey.JoinGroup => JoinGroupResponseData.Read(ref reader, version),
            ApiKey.SyncGroup => SyncGroupResponseData.Read(ref reader, version),
            ApiKey.Heartbeat => HeartbeatResponseData.Read(ref reader, version),
            ApiKey.DescribeGroups => DescribeGroupsResponseData.Read(ref reader, version),
            ApiKey.ListGroups => ListGroupsResponseData.Read(ref reader, version),
            ApiKey.LeaveGroup => LeaveGroupResponseData.Read(ref reader, version),
            ApiKey.DeleteGroups => DeleteGroupsResponseData.Read(ref reader, version),
            ApiKey.CreateTopics => CreateTopicsResponseData.Read(ref reader, version),
            ApiKey.CreatePartitions => CreatePartitionsResponseData.Read(ref reader, version),
            ApiKey.IncrementalAlterConfigs => IncrementalAlterConfigsResponseData.Read(ref reader, version),
            ApiKey.DescribeConfigs => DescribeConfigsResponseData.Read(ref reader, version),
            ApiKey.DeleteTopics => DeleteTopicsResponseData.Read(ref reader, version),
            ApiKey.CreateAcls => CreateAclsResponseData.Read(ref reader, version),
            ApiKey.DescribeAcls => DescribeAclsResponseData.Read(ref reader, version),
            ApiKey.DeleteAcls => DeleteAclsResponseData.Read(ref reader, version),
            ApiKey.AlterUserScramCredentials => AlterUserScramCredentialsResponseData.Read(ref reader, version),
            ApiKey.DescribeUserScramCredentials => DescribeUserScramCredentialsResponseData.Read(ref reader, version),
            ApiKey.DescribeCluster => DescribeClusterResponseData.Read(ref reader, version),
            _ => throw new ArgumentException($"no reader for {api}: add one with its row"),
        };
        reader.ExpectEnd($"{api} v{version} response");
        return response;
    }

    private static byte[] Encode(ApiKey api, short version, int correlationId, IKafkaResponse response)
    {
        var writer = new KafkaWriter(512);
        ResponseHeader.Write(writer, api, version, correlationId);
        response.Write(writer, version);
        return writer.ToArray();
    }

    // The Akka transport's own edges: what the Kafka listener answers by closing the connection has no connection to
    // close there, and Kafka's login is not the Akka clients' login.

    [Fact]
    public async Task A_version_the_broker_does_not_speak_is_answered_UNSUPPORTED_VERSION_as_on_the_Kafka_listener()
    {
        using var wire = await broker.KafkaAsAsync(RequestMatrixBroker.Member);
        await using var akka = await broker.ConnectAsync(RequestMatrixBroker.Member);
        foreach (var api in new[] { ApiKey.Metadata, ApiKey.ApiVersions })
        {
            var request = KafkaWireConnection.Frame(api, 99, 7, null, ClientId);
            await wire.SendAsync(request);
            var onTheWire = await wire.ReceiveFrameAsync();
            var answer = Assert.IsType<KafkaResponseFrame>(await akka.AskAsync<IAkkaKafkaMessage>(new KafkaRequestFrame(request[4..])));

            Assert.Equal(Convert.ToHexString(onTheWire!), Convert.ToHexString(answer.Bytes.Span));
        }
        // ApiVersions is answered as v0 whatever was asked, with its own range, so the client can retry with a version it knows (KIP-511).
        var versions = Assert.IsType<KafkaResponseFrame>(await akka.AskAsync<IAkkaKafkaMessage>(
            new KafkaRequestFrame(KafkaWireConnection.Frame(ApiKey.ApiVersions, 99, 8, null, ClientId)[4..])));
        var (correlationId, v0) = KafkaWireConnection.Parse(versions.Bytes.ToArray(), ApiKey.ApiVersions, 0, (ref KafkaReader r) => ApiVersionsResponseData.Read(ref r, 0));
        Assert.Equal(8, correlationId);
        Assert.Equal(ErrorCode.UnsupportedVersion, v0.ErrorCode);
        Assert.Equal(new ApiVersionRange((short)ApiKey.ApiVersions, 0, KafkaEnvelope.NewestVersion(ApiKey.ApiVersions)), v0.ApiKeys.Single());
    }

    [Fact]
    public async Task Unreadable_bytes_are_refused_CORRUPT_MESSAGE_where_the_Kafka_listener_closes_the_connection()
    {
        await using var akka = await broker.ConnectAsync(RequestMatrixBroker.Member);
        var metadata = KafkaWireConnection.Frame(ApiKey.Metadata, 8, 9, new MetadataRequestData([new(RequestMatrixBroker.TwinTopic(RequestMatrixBroker.AkkaTwin))]), ClientId);
        byte[][] unreadable =
        [
            [0x00, 0x03, 0x00], // not even a header
            metadata[4..^3], // a header, and a body cut short
        ];
        foreach (var bytes in unreadable)
        {
            var refused = await Assert.ThrowsAsync<KafkaException>(() => akka.AskAsync<IAkkaKafkaMessage>(new KafkaRequestFrame(bytes)));
            Assert.Equal(ErrorCode.CorruptMessage, refused.Error);
            Assert.StartsWith("CORRUPT_MESSAGE: ", refused.Message);

            using var wire = await broker.KafkaAsAsync(RequestMatrixBroker.Member);
            var framed = new byte[bytes.Length + 4];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(framed, bytes.Length);
            bytes.CopyTo(framed, 4);
            await wire.SendAsync(framed);
            Assert.True(await wire.IsClosedByBrokerAsync(), "the Kafka listener closes a connection that sent unreadable bytes");
        }
    }

    [Fact]
    public async Task Kafkas_SASL_exchange_is_refused_ILLEGAL_SASL_STATE_on_the_Akka_path_whose_clients_log_in_with_their_session()
    {
        await using var akka = await broker.ConnectAsync(RequestMatrixBroker.Member);
        IKafkaRequest[] logins = [new SaslHandshakeRequestData(SaslMechanisms.ScramSha256), new SaslAuthenticateRequestData("n,,n=member,r=abc"u8.ToArray())];
        foreach (var login in logins)
        {
            var frame = KafkaEnvelope.Request(login, KafkaEnvelope.NewestVersion(login.ApiKey), ClientId);
            var refused = await Assert.ThrowsAsync<KafkaException>(() => akka.AskAsync<IAkkaKafkaMessage>(frame));
            Assert.Equal(ErrorCode.IllegalSaslState, refused.Error);
        }
    }

    [Fact]
    public async Task A_Kafka_request_without_a_session_is_refused_SASL_AUTHENTICATION_FAILED_on_a_secured_cluster()
    {
        await using var anonymous = await broker.ConnectAsync(null);
        var frame = KafkaEnvelope.Request(new MetadataRequestData([new(RequestMatrixBroker.TwinTopic(RequestMatrixBroker.AkkaTwin))]), KafkaEnvelope.NewestVersion(ApiKey.Metadata), ClientId);

        var refused = await Assert.ThrowsAsync<KafkaException>(() => anonymous.AskAsync<IAkkaKafkaMessage>(frame));

        Assert.Equal(ErrorCode.SaslAuthenticationFailed, refused.Error);
    }

    [Fact]
    public async Task An_acks_0_produce_is_stored_and_not_answered_over_either_transport()
    {
        using var wire = await broker.KafkaAsAsync(RequestMatrixBroker.Member);
        await using var akka = await broker.ConnectAsync(RequestMatrixBroker.Member);
        // Every answer the Akka client gets for its frames arrives in one inbox, as every answer of a Kafka connection on it:
        // the produce's answer would be there too.
        var inbox = Inbox.Create(akka.System);
        var transports = new (string Twin, Func<byte[], Task> Send, Func<Task<byte[]>> Receive)[]
        {
            (RequestMatrixBroker.WireTwin, frame => wire.SendAsync(frame),
                async () => await wire.ReceiveFrameAsync() ?? throw new EndOfStreamException("the broker closed the Kafka connection")),
            (RequestMatrixBroker.AkkaTwin, frame =>
                {
                    inbox.Send(akka.ClusterClient, akka.ToBrokerAsUser(new KafkaRequestFrame(frame[4..])));
                    return Task.CompletedTask;
                },
                async () => Assert.IsType<KafkaResponseFrame>(await inbox.ReceiveAsync(KafkaWireConnection.Timeout)).Bytes.ToArray()),
        };
        var created = await Ask<CreateTopicsResponseData>(akka, new CreateTopicsRequestData(
            transports.Select(t => new CreateTopicsRequestData.CreatableTopic($"m-{t.Twin}-acks0", 1, 1, [], [])).ToList(), TimeoutMs: 30_000), 1);
        Assert.All(created.Topics, t => Assert.Equal(ErrorCode.None, t.ErrorCode));

        foreach (var (twin, send, receive) in transports)
        {
            var topic = $"m-{twin}-acks0";
            const int produceCorrelationId = 1_000_000;
            var answered = new List<int>();
            var correlationId = 0;
            async Task<long> LatestOffset()
            {
                var asked = ++correlationId;
                var version = KafkaEnvelope.NewestVersion(ApiKey.ListOffsets);
                await send(KafkaWireConnection.Frame(ApiKey.ListOffsets, version, asked, new ListOffsetsRequestData(-1, [new(topic, [new(0, -1)])]), ClientId));
                while (true)
                {
                    var answer = await receive();
                    var answeredId = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(answer);
                    answered.Add(answeredId);
                    if (answeredId != asked) continue; // an earlier attempt's late answer
                    var partition = ((ListOffsetsResponseData)Decode(ApiKey.ListOffsets, version, answer)).Topics.Single().Partitions.Single();
                    return partition.ErrorCode == ErrorCode.None ? partition.Offset : throw new InvalidOperationException($"{topic}-0: {partition.ErrorCode}");
                }
            }

            // acks=0 to a partition that has not started is lost, as with Kafka: start once it answers.
            Assert.Equal(0, await Eventually.Async(TimeSpan.FromSeconds(30), LatestOffset));
            await send(KafkaWireConnection.Frame(ApiKey.Produce, KafkaEnvelope.NewestVersion(ApiKey.Produce), produceCorrelationId,
                new ProduceRequestData(0, 10_000, [new(topic, [new(0, RequestMatrixBroker.Batch)])]), ClientId));
            Assert.Equal(1, await Eventually.Async(TimeSpan.FromSeconds(30), async () =>
                await LatestOffset() is var latest && latest == 1 ? latest : throw new InvalidOperationException($"{topic}-0 ends at {latest}: the acks=0 batch is not stored")));
            // One more exchange after the record is stored: an answer to the produce, sent once it was stored, would be in by then.
            await LatestOffset();
            Assert.DoesNotContain(produceCorrelationId, answered);
        }
    }

    private static async Task<T> Ask<T>(ClusterConnection akka, IKafkaRequest request, int correlationId) where T : IKafkaResponse
    {
        var version = KafkaEnvelope.NewestVersion(request.ApiKey);
        var frame = Assert.IsType<KafkaResponseFrame>(await akka.AskAsync<IAkkaKafkaMessage>(KafkaEnvelope.Request(request, version, ClientId, correlationId)));
        return (T)Decode(request.ApiKey, version, frame.Bytes.ToArray());
    }
}
