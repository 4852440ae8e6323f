using System.Text;
using AkkaKafka.Client;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Security;
using AkkaKafka.Tests.EndToEnd;
using AkkaKafka.Tests.KafkaClients;
using AkkaKafka.Tests.MultiNode.Support;
using Xunit;

namespace AkkaKafka.Tests.Security;

/// <summary>
/// One broker with security on for both transports: SASL/PLAIN on the Kafka listener, logins for Akka clients. Users:
/// "admin" (superuser), "owner" (All on topics "secret*" and on group "readers"), "viewer" (Describe on topic "secret"
/// only), "groupie" (Read on group "readers" only), "nobody" (no ACLs). Topic "secret" holds a record, group "readers" has a committed offset on it, and each
/// (transport, user) has a topic of its own to try to delete.
/// </summary>
public sealed class AclMatrixBroker() : UsersBroker(SaslMechanisms.Plain), IAsyncLifetime
{
    public static readonly string[] Users = ["admin", "owner", "viewer", "groupie", "nobody"];
    public static readonly string[] Transports = ["kafka", "akka"];
    public const string Topic = "secret";
    public const string Group = "readers";

    public static string DeletableTopic(string transport, string user) => $"secret-del-{transport}-{user}";

    private ClusterConnection? _admin;

    public new async Task InitializeAsync()
    {
        await Cluster.StartAllAsync();
        _admin = await ConnectAsync("admin", createFirst: true);
        foreach (var user in Users.Skip(1))
            await CreateUserAsync(_admin, user);
        foreach (var rule in new[]
                 {
                     new AclRule("owner", AclResourceType.Topic, "secret*", AclOperation.All),
                     new AclRule("owner", AclResourceType.Group, Group, AclOperation.All),
                     new AclRule("viewer", AclResourceType.Topic, Topic, AclOperation.Describe),
                     new AclRule("groupie", AclResourceType.Group, Group, AclOperation.Read),
                 })
            await AllowAsync(_admin, rule);
        foreach (var topic in new[] { Topic }.Concat(Transports.SelectMany(t => Users.Select(u => DeletableTopic(t, u)))))
            Assert.True((await new AdminClient(_admin).CreateTopicAsync(topic, 1)).IsSuccess, topic);
        // A record in the topic and an offset of the group on it, once the new partition takes writes.
        await Eventually.Async(TimeSpan.FromSeconds(30), async () =>
            Assert.Equal(ErrorCode.None, (await _admin.Routes.KafkaAsync(null, new ProduceRequestData(-1, 10_000, [new(Topic, [new(0, KafkaWireConnection.Batch("classified"))])]),
                "matrix", ProduceResponseData.Read, TimeSpan.FromSeconds(10))).Responses.Single().Partitions.Single().ErrorCode));
        Assert.Equal(ErrorCode.None, AclMatrixSpecs.CommitError(await _admin.Routes.KafkaAsync(null, AclMatrixSpecs.Commit, "matrix", OffsetCommitResponseData.Read, TimeSpan.FromSeconds(10))));
        await AwaitKafkaMetadataAsync();
    }

    /// <summary>A raw Kafka connection authenticated as <paramref name="user"/> with SASL/PLAIN.</summary>
    public async Task<KafkaWireConnection> KafkaAsAsync(string user)
    {
        var wire = await KafkaWireConnection.OpenAsync(Cluster.KafkaPort(Port));
        var handshake = await wire.AskAsync(ApiKey.SaslHandshake, 1, 1, new SaslHandshakeRequestData(SaslMechanisms.Plain), (ref KafkaReader r) => SaslHandshakeResponseData.Read(ref r, 1));
        Assert.Equal(ErrorCode.None, handshake.ErrorCode);
        var login = await wire.AskAsync(ApiKey.SaslAuthenticate, 1, 2, new SaslAuthenticateRequestData(Encoding.UTF8.GetBytes($"\0{user}\0{Password(user)}")),
            (ref KafkaReader r) => SaslAuthenticateResponseData.Read(ref r, 1));
        Assert.Equal(ErrorCode.None, login.ErrorCode);
        return wire;
    }

    public override async Task DisposeAsync()
    {
        if (_admin is not null) await _admin.DisposeAsync();
        await base.DisposeAsync();
    }
}

/// <summary>
/// The same operations made by the same users over the Kafka listener and as an Akka client get the same outcome and
/// the same error code: one table of rules (AccessRules) decides for both. Each row is a kind of request; an outcome
/// is the Kafka error code of the answer, or whether a listing shows the protected topic or group.
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class AclMatrixSpecs(AclMatrixBroker broker) : IClassFixture<AclMatrixBroker>
{
    private const string Topic = AclMatrixBroker.Topic;
    private const string Group = AclMatrixBroker.Group;

    private sealed record Operation(string Name, Func<KafkaWireConnection, string, Task<string>> Kafka, Func<ClusterConnection, string, Task<string>> Akka);

    private static string Listed(bool shown) => shown ? "listed" : "hidden";

    private static async Task<string> Answer(Func<Task<ErrorCode>> ask)
    {
        try
        {
            return (await ask()).ToString();
        }
        catch (KafkaException refused)
        {
            return refused.Error.ToString();
        }
    }

    private static Task<MetadataResponseData> KafkaMetadata(KafkaWireConnection wire, params string[]? topics) =>
        wire.AskAsync(ApiKey.Metadata, 4, 10, new MetadataRequestData(topics?.Select(t => new MetadataRequestData.MetadataRequestTopic(t)).ToList(), AllowAutoTopicCreation: false),
            (ref KafkaReader r) => MetadataResponseData.Read(ref r, 4));

    /// <summary>A commit of the group's offset on the topic outside any generation, as Kafka's admin tools commit.</summary>
    internal static OffsetCommitRequestData Commit => new(Group, [new OffsetCommitRequestTopic(Topic, [new OffsetCommitRequestPartition(0, 1, null)])]);

    internal static ErrorCode CommitError(OffsetCommitResponseData answer) => answer.Topics.Single().Partitions.Single().ErrorCode;

    private static OffsetFetchRequestData Fetch => new(Group, [new OffsetFetchRequestTopic(Topic, [0])]);

    private static ErrorCode FetchError(OffsetFetchResponseData answer) =>
        answer.ErrorCode != ErrorCode.None ? answer.ErrorCode : answer.Topics.Single().Partitions.Single().ErrorCode;

    private static Task<OffsetCommitResponseData> KafkaCommit(KafkaWireConnection wire) =>
        wire.AskAsync(ApiKey.OffsetCommit, 2, 10, Commit, (ref KafkaReader r) => OffsetCommitResponseData.Read(ref r, 2));

    private static readonly Operation[] Operations =
    [
        new("metadata of the topic",
            async (wire, _) => (await KafkaMetadata(wire, Topic)).Topics.Single().ErrorCode.ToString(),
            (akka, _) => Answer(async () => (await new AdminClient(akka).MetadataAsync([Topic])).Topic(Topic) is null ? ErrorCode.UnknownTopicOrPartition : ErrorCode.None)),
        new("topic list shows the topic",
            async (wire, _) => Listed((await KafkaMetadata(wire, null)).Topics.Any(t => t.Name == Topic)),
            async (akka, _) => Listed((await new AdminClient(akka).MetadataAsync()).Topic(Topic) is not null)),
        new("cluster status shows the topic",
            async (wire, _) => Listed((await KafkaMetadata(wire, null)).Topics.Any(t => t.Name == Topic)),
            async (akka, _) => Listed((await new AdminClient(akka).ClusterStatusAsync()).Metadata.Topic(Topic) is not null)),
        new("create a topic",
            async (wire, user) => (await wire.AskAsync(ApiKey.CreateTopics, 4, 10,
                new CreateTopicsRequestData([new CreateTopicsRequestData.CreatableTopic($"secret-new-kafka-{user}", 1, 1, [], [])], TimeoutMs: 30_000),
                (ref KafkaReader r) => CreateTopicsResponseData.Read(ref r, 4))).Topics.Single().ErrorCode.ToString(),
            (akka, user) => Answer(async () => (await new AdminClient(akka).CreateTopicAsync($"secret-new-akka-{user}", 1)).Error)),
        new("alter the topic's config",
            async (wire, _) => (await wire.AskAsync(ApiKey.IncrementalAlterConfigs, 0, 10,
                new IncrementalAlterConfigsRequestData([new(2, Topic, [new("retention.ms", 0, "604800000")])]),
                (ref KafkaReader r) => IncrementalAlterConfigsResponseData.Read(ref r, 0))).Responses.Single().ErrorCode.ToString(),
            (akka, _) => Answer(async () => (await new AdminClient(akka).AlterTopicConfigsAsync(Topic, new Dictionary<string, string?> { ["retention.ms"] = "604800000" })).Error)),
        new("delete a topic",
            async (wire, user) => (await wire.AskAsync(ApiKey.DeleteTopics, 3, 10, new DeleteTopicsRequestData([AclMatrixBroker.DeletableTopic("kafka", user)], 30_000),
                (ref KafkaReader r) => DeleteTopicsResponseData.Read(ref r, 3))).Responses.Single().ErrorCode.ToString(),
            (akka, user) => Answer(async () => (await new AdminClient(akka).DeleteTopicAsync(AclMatrixBroker.DeletableTopic("akka", user))).Error)),
        new("produce",
            async (wire, _) => (await wire.AskAsync(ApiKey.Produce, 7, 10, new ProduceRequestData(-1, 10_000, [new(Topic, [new(0, KafkaWireConnection.Batch("x"))])]),
                (ref KafkaReader r) => ProduceResponseData.Read(ref r, 7))).Responses.Single().Partitions.Single().ErrorCode.ToString(),
            (akka, _) => Answer(async () => (await akka.Routes.KafkaAsync(null, new ProduceRequestData(-1, 10_000, [new(Topic, [new(0, KafkaWireConnection.Batch("x"))])]),
                "matrix", ProduceResponseData.Read, TimeSpan.FromSeconds(10))).Responses.Single().Partitions.Single().ErrorCode)),
        new("fetch",
            async (wire, _) => (await wire.AskAsync(ApiKey.Fetch, 11, 10, new FetchRequestData(-1, 0, 0, [new(Topic, [new(0, 0, 1 << 20)])]),
                (ref KafkaReader r) => FetchResponseData.Read(ref r, 11))).Responses.Single().Partitions.Single().ErrorCode.ToString(),
            (akka, _) => Answer(async () => (await akka.Routes.KafkaAsync(null, new FetchRequestData(-1, 0, 0, [new(Topic, [new(0, 0, 1 << 20)])]),
                "matrix", FetchResponseData.Read, TimeSpan.FromSeconds(10))).Responses.Single().Partitions.Single().ErrorCode)),
        new("list offsets",
            async (wire, _) => (await wire.AskAsync(ApiKey.ListOffsets, 1, 10, new ListOffsetsRequestData(-1, [new(Topic, [new(0, -1)])]),
                (ref KafkaReader r) => ListOffsetsResponseData.Read(ref r, 1))).Topics.Single().Partitions.Single().ErrorCode.ToString(),
            (akka, _) => Answer(async () => (await akka.Routes.KafkaAsync(null, new ListOffsetsRequestData(-1, [new(Topic, [new(0, -1)])]),
                "matrix", ListOffsetsResponseData.Read, TimeSpan.FromSeconds(10))).Topics.Single().Partitions.Single().ErrorCode)),
        new("idempotent producer id",
            async (wire, _) => (await wire.AskAsync(ApiKey.InitProducerId, 1, 10, new InitProducerIdRequestData(null, 60_000),
                (ref KafkaReader r) => InitProducerIdResponseData.Read(ref r, 1))).ErrorCode.ToString(),
            (akka, _) => Answer(async () => (await akka.Routes.KafkaAsync(null, new InitProducerIdRequestData(null, 60_000),
                "matrix", InitProducerIdResponseData.Read, TimeSpan.FromSeconds(10))).ErrorCode)),
        new("group list shows the group",
            async (wire, _) => Listed((await wire.AskAsync(ApiKey.ListGroups, 2, 10, new ListGroupsRequestData(),
                (ref KafkaReader r) => ListGroupsResponseData.Read(ref r, 2))).Groups.Any(g => g.GroupId == Group)),
            async (akka, _) => Listed((await new AdminClient(akka).ListGroupsAsync()).Contains(Group))),
        new("describe the group",
            async (wire, _) => (await wire.AskAsync(ApiKey.DescribeGroups, 1, 10, new DescribeGroupsRequestData([Group]),
                (ref KafkaReader r) => DescribeGroupsResponseData.Read(ref r, 1))).Groups.Single().ErrorCode.ToString(),
            (akka, _) => Answer(async () =>
            {
                await new AdminClient(akka).DescribeGroupAsync(Group);
                return ErrorCode.None;
            })),
        new("commit the group's offset on the topic",
            async (wire, _) => CommitError(await KafkaCommit(wire)).ToString(),
            (akka, _) => Answer(async () => CommitError(await akka.Routes.KafkaAsync(null, Commit, "matrix", OffsetCommitResponseData.Read, TimeSpan.FromSeconds(10))))),
        // kafka-consumer-groups --reset-offsets commits with OffsetCommit: `akkakafka group reset-offsets` must need the same.
        new("reset the group's offsets on the topic",
            async (wire, _) => CommitError(await KafkaCommit(wire)).ToString(),
            (akka, _) => Answer(async () =>
            {
                await new AdminClient(akka).ResetGroupOffsetsAsync(new GroupOffsetsReset(Group, Topic, [], OffsetResetMode.ToLatest, 0, DryRun: false));
                return ErrorCode.None;
            })),
        new("fetch the group's offset on the topic",
            async (wire, _) => FetchError(await wire.AskAsync(ApiKey.OffsetFetch, 3, 10, Fetch, (ref KafkaReader r) => OffsetFetchResponseData.Read(ref r, 3))).ToString(),
            (akka, _) => Answer(async () => FetchError(await akka.Routes.KafkaAsync(null, Fetch, "matrix", OffsetFetchResponseData.Read, TimeSpan.FromSeconds(10))))),
    ];

    [Fact]
    public async Task Every_operation_has_the_same_outcome_for_every_user_over_the_Kafka_listener_and_as_an_Akka_client()
    {
        var outcomes = new Dictionary<(string User, string Operation), (string Kafka, string Akka)>();
        foreach (var user in AclMatrixBroker.Users)
        {
            using var wire = await broker.KafkaAsAsync(user);
            await using var akka = await broker.ConnectAsync(user);
            foreach (var operation in Operations)
                outcomes[(user, operation.Name)] = (await operation.Kafka(wire, user), await operation.Akka(akka, user));
        }

        var table = string.Join("\n", outcomes.Select(o => $"{o.Key.User,-8} {o.Key.Operation,-42} kafka={o.Value.Kafka,-28} akka={o.Value.Akka}{(o.Value.Kafka == o.Value.Akka ? "" : "   <- differs")}"));
        Assert.True(outcomes.Values.All(o => o.Kafka == o.Akka), $"the transports disagree:\n{table}");
        // The table is not merely consistent but Kafka's: the superuser may do everything, a user without ACLs sees nothing.
        string Outcome(string user, string operation) => outcomes[(user, operation)].Kafka;
        Assert.All(Operations, o => Assert.Contains(Outcome("admin", o.Name), new[] { "None", "listed" }));
        Assert.All(Operations, o => Assert.Contains(Outcome("owner", o.Name), new[] { "None", "listed" }));
        Assert.Equal("TopicAuthorizationFailed", Outcome("nobody", "metadata of the topic"));
        Assert.Equal("hidden", Outcome("nobody", "topic list shows the topic"));
        Assert.Equal("hidden", Outcome("nobody", "cluster status shows the topic"));
        Assert.Equal("hidden", Outcome("nobody", "group list shows the group"));
        Assert.Equal("GroupAuthorizationFailed", Outcome("nobody", "describe the group"));
        Assert.Equal("ClusterAuthorizationFailed", Outcome("nobody", "idempotent producer id"));
        // Read on the group alone commits nothing: the topic needs Read too (29 per partition).
        Assert.Equal("listed", Outcome("groupie", "group list shows the group"));
        Assert.Equal("TopicAuthorizationFailed", Outcome("groupie", "commit the group's offset on the topic"));
        Assert.Equal("TopicAuthorizationFailed", Outcome("groupie", "reset the group's offsets on the topic"));
        Assert.Equal("TopicAuthorizationFailed", Outcome("groupie", "fetch the group's offset on the topic"));
        Assert.Equal("None", Outcome("viewer", "metadata of the topic"));
        Assert.Equal("TopicAuthorizationFailed", Outcome("viewer", "produce"));
    }

    [Fact]
    public async Task A_user_who_may_not_write_an_existing_topic_is_told_so_and_not_that_it_may_not_create_it()
    {
        foreach (var user in new[] { "viewer", "nobody" })
        {
            var bench = await CliProcess.RunWithEnvironmentAsync(broker.Cluster.WorkDirectory, KafkaBroker.CommandTimeout,
                new Dictionary<string, string> { ["AKKAKAFKA_PASSWORD"] = AclMatrixBroker.Password(user) }, null,
                ["bench", "produce", "--topic", Topic, "--messages", "10", "--username", user, "--bootstrap", broker.AkkaBootstrap]);

            Assert.True(bench.ExitCode == 1, bench.ToString());
            Assert.Contains($"AUTHORIZATION_FAILED: user '{user}' may not ", bench.ToString());
            Assert.DoesNotContain("may not create", bench.ToString());
        }
    }

    [Fact]
    public async Task Users_and_ACLs_are_administered_by_superusers_or_with_Alter_on_the_cluster_only()
    {
        await using var owner = await broker.ConnectAsync("owner");
        var admin = new SecurityAdminClient(owner);
        var listed = await Assert.ThrowsAsync<KafkaException>(() => admin.ListAclsAsync());
        Assert.Equal(ErrorCode.ClusterAuthorizationFailed, listed.Error);
        Assert.Equal("CLUSTER_AUTHORIZATION_FAILED: user 'owner' may not describe the cluster", listed.Message);
        var added = await admin.AddAclAsync(new AclRule("owner", AclResourceType.Cluster, Authorizer.ClusterResourceName, AclOperation.All));
        Assert.Equal((ErrorCode.ClusterAuthorizationFailed, "CLUSTER_AUTHORIZATION_FAILED: user 'owner' may not alter the cluster"), (added.Error, added.Message));
        foreach (var refused in new[] { await admin.DeleteUserAsync("viewer"), await admin.UpsertUserAsync("viewer", "taken-over", [SaslMechanisms.ScramSha256]) })
            Assert.Equal((ErrorCode.ClusterAuthorizationFailed, "CLUSTER_AUTHORIZATION_FAILED: user 'owner' may not alter the cluster"), (refused.Error, refused.Message));
        await (await broker.ConnectAsync("viewer")).DisposeAsync();
    }
}
