using AkkaKafka.Broker.Hosting;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Security;
using Xunit;

namespace AkkaKafka.Tests.Security;

/// <summary>
/// The pure parts of Akka clients as users: session tokens any broker can check, what each request needs from the
/// ACLs, secrets read from files before the environment, and which hosts count as loopback for the bind warning.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class AkkaClientSessionSpecs
{
    private static readonly HashSet<string> NoSuperUsers = [];

    private static SecurityMetadata With(long version, params (string User, string Password)[] users) =>
        new(version, users.Select(u => new UserCredentials(u.User, [ScramCredential.Create(SaslMechanisms.ScramSha256, u.Password, 4096)])).ToList(), []);

    [Fact]
    public void A_token_issued_by_one_broker_is_accepted_by_another_with_the_same_users()
    {
        var published = With(1, ("bob", "pw"));
        var token = SessionTokens.Issue("bob", published.User("bob")!.Credentials[0]);

        // Another broker holds its own copy of the same publication.
        var copy = new SecurityMetadata(published.Version, published.Users.ToList(), []);
        Assert.True(SessionTokens.Verify(copy, "bob", token));
    }

    [Fact]
    public void A_token_is_refused_for_another_user_when_tampered_with_or_once_the_password_changed()
    {
        var before = With(1, ("bob", "pw"), ("eve", "pw"));
        var token = SessionTokens.Issue("bob", before.User("bob")!.Credentials[0]);

        Assert.False(SessionTokens.Verify(before, "eve", token));
        Assert.False(SessionTokens.Verify(before, "bob", token[..^4] + "AAA="));
        Assert.False(SessionTokens.Verify(before, "bob", "not a token"));
        Assert.False(SessionTokens.Verify(With(2, ("bob", "new password")), "bob", token));
        Assert.False(SessionTokens.Verify(With(3, ("eve", "pw")), "bob", token));
    }

    [Fact]
    public void Each_request_needs_the_operation_Kafka_requires_for_its_kind()
    {
        var security = new SecurityMetadata(1, [], [
            new AclRule("bob", AclResourceType.Topic, "orders", AclOperation.Write),
            new AclRule("bob", AclResourceType.Group, "billing", AclOperation.Read),
        ]);
        (ErrorCode Error, string Message)? Check(IAkkaKafkaMessage request) => AkkaRequestAuthorization.Refusal(new UserAccess(security, NoSuperUsers, "bob"), request);

        // Metadata and producer ids: clients send Kafka's Metadata and InitProducerId; what their handlers ask the controller is no client's request.
        Assert.Equal(AkkaRequestAuthorization.NoRule(typeof(GetMetadata)), Check(new GetMetadata(["orders"])));
        Assert.Equal(AkkaRequestAuthorization.NoRule(typeof(InitProducerId)), Check(new InitProducerId()));
        // Produce, fetch and list offsets are Kafka requests of the client (authorized by the Kafka listener's rules);
        // as Akka messages they pass between brokers only, and no user may send them.
        Assert.Equal(AkkaRequestAuthorization.NoRule(typeof(ProduceRequest)), Check(new ProduceRequest("orders", 0, ReadOnlyMemory<byte>.Empty, Acks.All, "c")));
        Assert.Equal(AkkaRequestAuthorization.NoRule(typeof(ForwardedRequest)), Check(new ForwardedRequest(new ProduceRequest("orders", 0, ReadOnlyMemory<byte>.Empty, Acks.All, "c"))));
        // What the Kafka group handlers ask the coordinator is no client request, even of a user with Read on the group: a
        // client sends Kafka's Heartbeat, DeleteGroups, ….
        Assert.Equal(AkkaRequestAuthorization.NoRule(typeof(ClassicHeartbeat)), Check(new ClassicHeartbeat("billing", 1, "c", null)));
        Assert.Equal(AkkaRequestAuthorization.NoRule(typeof(DeleteGroup)), Check(new DeleteGroup("billing")));
    }

    /// <summary>
    /// The controller's topic, user and ACL commands are what the brokers' CreateTopics, DeleteTopics, CreatePartitions,
    /// IncrementalAlterConfigs, AlterUserScramCredentials, CreateAcls, DeleteAcls and DescribeAcls handlers send it; a
    /// client sends those Kafka requests, so even a superuser's session cannot send the commands themselves.
    /// </summary>
    [Fact]
    public void The_controllers_topic_user_and_acl_commands_are_no_request_of_an_akka_client()
    {
        var security = new SecurityMetadata(1, [], []);
        var superuser = new UserAccess(security, new HashSet<string> { "admin" }, "admin");
        var rule = new AclRule("bob", AclResourceType.Topic, "orders", AclOperation.Read);
        foreach (var command in new IAkkaKafkaMessage[]
                 {
                     new CreateTopic("new", 1), new DeleteTopic("orders"), new AddPartitions("orders", 3), new AlterTopicConfigs("orders", 60_000),
                     new UpsertUser("bob", [ScramCredential.Create(SaslMechanisms.ScramSha256, "pw", 4096)]), new DeleteUser("bob"),
                     new AddAcl(rule), new RemoveAcl(rule), new ListAcls(),
                 })
        {
            Assert.IsAssignableFrom<IBrokerInternal>(command);
            Assert.Equal(AkkaRequestAuthorization.NoRule(command.GetType()), AkkaRequestAuthorization.Refusal(superuser, command));
        }
    }

    /// <summary>A request type nobody wrote a rule for, as a new message would be before its rule exists.</summary>
    private sealed record RequestWithoutARule(string Topic) : IBrokerCommand;

    [Fact]
    public void A_message_without_a_rule_is_refused_whoever_asks()
    {
        var security = new SecurityMetadata(1, [], [new AclRule("bob", AclResourceType.Topic, "*", AclOperation.All)]);

        Assert.Equal(AkkaRequestAuthorization.NoRule(typeof(RequestWithoutARule)),
            AkkaRequestAuthorization.Refusal(new UserAccess(security, NoSuperUsers, "bob"), new RequestWithoutARule("orders")));
        Assert.Equal(ErrorCode.ClusterAuthorizationFailed,
            AkkaRequestAuthorization.Refusal(new UserAccess(security, new HashSet<string> { "bob" }, "bob"), new RequestWithoutARule("orders"))?.Error);
    }

    /// <summary>
    /// Every request a client can send (each type of the <see cref="IBrokerCommand"/> marker in the protocol, the broker and
    /// the client) has a rule, so none is refused for lack of one; a new message fails here until its rule is written.
    /// Only the envelopes (AsUser; KafkaRequestFrame, whose Kafka request the Kafka listener's rules authorize as the
    /// session's user) and the login (Authenticate) are never requests inside an envelope, and the brokers' internal
    /// messages (<see cref="IBrokerInternal"/>: the controller's topic commands, the partition requests, for which
    /// clients send Kafka's Produce, Fetch and ListOffsets, and the group coordinator's messages, for which they send
    /// Kafka's group requests) are no client's request.
    /// </summary>
    [Fact]
    public void Every_client_request_message_has_an_authorization_rule()
    {
        Type[] envelopes = [typeof(AsUser), typeof(Authenticate), typeof(KafkaRequestFrame)];
        var requests = new[] { typeof(IBrokerCommand).Assembly, typeof(AkkaKafka.Broker.Node.BrokerActor).Assembly, typeof(AkkaKafka.Client.ClusterConnection).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => typeof(IBrokerCommand).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false } && !envelopes.Contains(t)
                        && !typeof(IBrokerInternal).IsAssignableFrom(t))
            .ToList();
        // A user with no rights at all: every rule refuses without looking past the first name it checks, so a blank instance will do.
        var nobody = new UserAccess(SecurityMetadata.Empty, NoSuperUsers, "nobody");

        Assert.Contains(typeof(GetClusterStatus), requests);
        Assert.DoesNotContain(typeof(UpsertUser), requests);
        Assert.DoesNotContain(typeof(GetMetadata), requests);
        Assert.DoesNotContain(typeof(InitProducerId), requests);
        Assert.All(requests, type =>
        {
            var request = (IAkkaKafkaMessage)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(type);
            Assert.NotEqual(AkkaRequestAuthorization.NoRule(type), AkkaRequestAuthorization.Refusal(nobody, request));
        });
        Assert.DoesNotContain(typeof(OffsetCommit), requests);
        Assert.All(envelopes, type => Assert.Equal(AkkaRequestAuthorization.NoRule(type),
            AkkaRequestAuthorization.Refusal(nobody, (IAkkaKafkaMessage)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(type))));
    }

    /// <summary>
    /// Without a login, an Akka client may make one Kafka request: an AlterUserScramCredentials that creates superusers
    /// while the cluster has no users. Anything else, or the same once a user exists, needs a login.
    /// </summary>
    [Fact]
    public void Only_a_superuser_can_be_the_first_user_created_without_a_login()
    {
        static AlterUserScramCredentialsRequestData Create(params string[] names) => new([],
            names.Select(n => new AlterUserScramCredentialsRequestData.ScramCredentialUpsertion(n, KafkaScramMechanisms.ScramSha256, 4096, new byte[32], new byte[32])).ToList());
        var superUsers = new HashSet<string> { "admin", "root" };
        var notLoggedIn = (ErrorCode.SaslAuthenticationFailed, "SASL_AUTHENTICATION_FAILED: security is on: authenticate as a user first (--username NAME)");

        Assert.Null(UnauthenticatedClients.Refusal(superUsers, SecurityMetadata.Empty, Create("admin")));
        Assert.Null(UnauthenticatedClients.Refusal(superUsers, SecurityMetadata.Empty, Create("admin", "root")));
        Assert.Equal((ErrorCode.ClusterAuthorizationFailed, "CLUSTER_AUTHORIZATION_FAILED: the cluster has no users yet: create a superuser first (admin, root), then log in as it"),
            UnauthenticatedClients.Refusal(superUsers, SecurityMetadata.Empty, Create("admin", "mallory")));
        Assert.Equal((ErrorCode.ClusterAuthorizationFailed, "CLUSTER_AUTHORIZATION_FAILED: the cluster has no users yet and no superuser to create first: start the brokers with --super-users NAME"),
            UnauthenticatedClients.Refusal(NoSuperUsers, SecurityMetadata.Empty, Create("admin")));
        Assert.Equal(notLoggedIn, UnauthenticatedClients.Refusal(superUsers, With(1, ("admin", "pw")), Create("root")));
        Assert.Equal(notLoggedIn, UnauthenticatedClients.Refusal(superUsers, SecurityMetadata.Empty,
            new AlterUserScramCredentialsRequestData([new("admin", KafkaScramMechanisms.ScramSha256)], [])));
        Assert.Equal(notLoggedIn, UnauthenticatedClients.Refusal(superUsers, SecurityMetadata.Empty, new DescribeUserScramCredentialsRequestData(null)));
        Assert.Equal(notLoggedIn, UnauthenticatedClients.Refusal(superUsers, SecurityMetadata.Empty, new CreateAclsRequestData([])));
    }

    [Fact]
    public void A_secret_file_wins_over_the_environment_and_loses_one_trailing_line_break()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "from-file\r\n");
            Assert.Equal("from-file", Secrets.Read(file, "AKKAKAFKA_TEST_SECRET_THAT_IS_NOT_SET"));
            File.WriteAllText(file, "two lines\nkept\n");
            Assert.Equal("two lines\nkept", Secrets.Read(file, "AKKAKAFKA_TEST_SECRET_THAT_IS_NOT_SET"));
            Assert.Null(Secrets.Read(null, "AKKAKAFKA_TEST_SECRET_THAT_IS_NOT_SET"));
            Assert.Throws<ArgumentException>(() => Secrets.Read(file + ".missing", "AKKAKAFKA_TEST_SECRET_THAT_IS_NOT_SET"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.1.2.3", true)]
    [InlineData("::1", true)]
    [InlineData("localhost", true)]
    [InlineData("0.0.0.0", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("::", false)]
    public void Only_loopback_hosts_escape_the_bind_warning(string host, bool loopback) =>
        Assert.Equal(loopback, BindWarning.IsLoopback(host));

    [Fact]
    public void A_password_never_shows_in_the_messages_that_carry_it()
    {
        Assert.DoesNotContain("hunter2", new Authenticate("bob", "hunter2").ToString());
        Assert.DoesNotContain("hunter2", new AkkaKafka.Client.ClientCredentials("bob", "hunter2").ToString());
    }
}
