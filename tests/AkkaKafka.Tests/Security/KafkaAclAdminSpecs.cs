using AkkaKafka.Client;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Tests.KafkaClients;
using AkkaKafka.Tests.MultiNode.Support;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Xunit;
using AclRule = AkkaKafka.Protocol.Security.AclRule;
using AclResourceType = AkkaKafka.Protocol.Security.AclResourceType;
using RuleOperation = AkkaKafka.Protocol.Security.AclOperation;

namespace AkkaKafka.Tests.Security;

/// <summary>
/// Confluent.Kafka's AdminClient manages ACLs with Kafka's CreateAcls, DescribeAcls and DeleteAcls against a broker
/// process with SASL/SCRAM and authorization on: an ACL it creates takes effect for the user it names, a filter finds
/// it as Kafka's filters do, a delete takes it back; what our allow-only model cannot hold, and a user without ALTER on
/// the cluster, are refused with Kafka's codes.
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class KafkaAclAdminSpecs(RequestMatrixBroker broker) : IClassFixture<RequestMatrixBroker>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    private IAdminClient Admin(string user)
    {
        var config = new AdminClientConfig { BootstrapServers = broker.KafkaBootstrap, SocketTimeoutMs = 10_000 };
        Login(config, user);
        return new AdminClientBuilder(config).Build();
    }

    private void Login(ClientConfig config, string user)
    {
        config.SecurityProtocol = SecurityProtocol.SaslPlaintext;
        config.SaslMechanism = SaslMechanism.ScramSha256;
        config.SaslUsername = user;
        config.SaslPassword = UsersBroker.Password(user);
    }

    /// <summary>The error of one produce by <paramref name="user"/> to <paramref name="topic"/>: NoError once written.</summary>
    private async Task<ErrorCode> ProduceAsAsync(string user, string topic)
    {
        var config = new ProducerConfig { BootstrapServers = broker.KafkaBootstrap, Acks = Acks.All, EnableIdempotence = false, MessageTimeoutMs = 10_000 };
        Login(config, user);
        using var producer = new ProducerBuilder<Null, string>(config).Build();
        try
        {
            await producer.ProduceAsync(topic, new Message<Null, string> { Value = "acl" });
            return ErrorCode.NoError;
        }
        catch (ProduceException<Null, string> e)
        {
            return e.Error.Code;
        }
    }

    private static AclBinding Allow(string principal, ResourcePatternType pattern, string name, AclOperation operation, string host = "*",
        AclPermissionType permission = AclPermissionType.Allow) => new()
    {
        Pattern = new ResourcePattern { Type = ResourceType.Topic, Name = name, ResourcePatternType = pattern },
        Entry = new AccessControlEntry { Principal = principal, Host = host, Operation = operation, PermissionType = permission },
    };

    [Fact]
    public async Task An_ACL_the_admin_client_creates_takes_effect_is_found_by_a_MATCH_filter_and_is_gone_after_DeleteAcls()
    {
        const string topic = "acl-admin-t";
        using var admin = Admin(UsersBroker.Superuser);
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, await ProduceAsAsync(RequestMatrixBroker.Outsider, topic));

        var write = Allow("User:outsider", ResourcePatternType.Literal, topic, AclOperation.Write);
        var describePrefix = Allow("User:outsider", ResourcePatternType.Prefixed, "acl-admin-", AclOperation.Describe);
        await admin.CreateAclsAsync([write, describePrefix]);
        await Eventually.Async(Within, async () => Assert.Equal(ErrorCode.NoError, await ProduceAsAsync(RequestMatrixBroker.Outsider, topic)));

        // MATCH: every ACL that applies to the topic: the literal one and the prefix it starts with.
        var matched = await admin.DescribeAclsAsync(new AclBindingFilter
        {
            PatternFilter = new ResourcePatternFilter { Type = ResourceType.Topic, Name = topic, ResourcePatternType = ResourcePatternType.Match },
            EntryFilter = new AccessControlEntryFilter { Operation = AclOperation.Any, PermissionType = AclPermissionType.Any },
        });
        Assert.Equal(new[] { describePrefix, write }.OrderBy(b => b.Pattern.Name), matched.AclBindings.OrderBy(b => b.Pattern.Name));

        var deleted = await admin.DeleteAclsAsync([new AclBindingFilter
        {
            PatternFilter = new ResourcePatternFilter { Type = ResourceType.Any, ResourcePatternType = ResourcePatternType.Any },
            EntryFilter = new AccessControlEntryFilter { Principal = "User:outsider", Operation = AclOperation.Any, PermissionType = AclPermissionType.Any },
        }]);
        Assert.Equal(2, deleted.Single().AclBindings.Count);
        await Eventually.Async(Within, async () => Assert.Equal(ErrorCode.TopicAuthorizationFailed, await ProduceAsAsync(RequestMatrixBroker.Outsider, topic)));
    }

    [Fact]
    public async Task A_DENY_ACL_another_host_and_a_user_without_ALTER_on_the_cluster_are_refused_with_Kafkas_codes()
    {
        using var admin = Admin(UsersBroker.Superuser);
        var deny = await Assert.ThrowsAsync<CreateAclsException>(() => admin.CreateAclsAsync(
            [Allow("User:outsider", ResourcePatternType.Literal, "acl-deny-t", AclOperation.Read, permission: AclPermissionType.Deny),
             Allow("User:outsider", ResourcePatternType.Literal, "acl-deny-t", AclOperation.Read, host: "10.0.0.1")]));
        Assert.All(deny.Results, r => Assert.Equal(ErrorCode.InvalidRequest, r.Error.Code));
        Assert.Contains("DENY", deny.Results[0].Error.Reason);

        using var outsider = Admin(RequestMatrixBroker.Outsider);
        var create = await Assert.ThrowsAsync<CreateAclsException>(() => outsider.CreateAclsAsync(
            [Allow("User:outsider", ResourcePatternType.Literal, "acl-deny-t", AclOperation.Read)]));
        Assert.Equal(ErrorCode.ClusterAuthorizationFailed, create.Results.Single().Error.Code);
        // The broker answers CLUSTER_AUTHORIZATION_FAILED (RequestMatrixSpecs asserts the code on the wire); Confluent.Kafka
        // 2.16 hands that to the caller as an answer without ACLs, not as a DescribeAclsException.
        var described = await outsider.DescribeAclsAsync(new AclBindingFilter
        {
            PatternFilter = new ResourcePatternFilter { Type = ResourceType.Any, ResourcePatternType = ResourcePatternType.Any },
            EntryFilter = new AccessControlEntryFilter { Operation = AclOperation.Any, PermissionType = AclPermissionType.Any },
        });
        Assert.Empty(described.AclBindings);
    }

    /// <summary>
    /// `akkakafka acl add|list|remove` send Kafka's CreateAcls, DescribeAcls and DeleteAcls (SecurityAdminClient): a rule
    /// they add is an ACL Kafka's admin client finds, and one Kafka's admin client creates is a rule they list and remove.
    /// </summary>
    [Fact]
    public async Task An_ACL_akkakafka_adds_is_found_by_the_admin_client_and_one_the_admin_client_creates_is_listed_and_removed_by_akkakafka()
    {
        await using var connection = await broker.ConnectAsync(UsersBroker.Superuser);
        var acls = new SecurityAdminClient(connection);
        using var admin = Admin(UsersBroker.Superuser);
        var byAkka = new AclRule(RequestMatrixBroker.Outsider, AclResourceType.Topic, "acl-interop-*", RuleOperation.Write);

        Assert.Equal("Added ACL: user outsider may write on topic acl-interop-*.", (await acls.AddAclAsync(byAkka)).Message);
        Assert.Equal("ACL already present: user outsider may write on topic acl-interop-*.", (await acls.AddAclAsync(byAkka)).Message);
        var found = await admin.DescribeAclsAsync(new AclBindingFilter
        {
            PatternFilter = new ResourcePatternFilter { Type = ResourceType.Topic, Name = "acl-interop-t", ResourcePatternType = ResourcePatternType.Match },
            EntryFilter = new AccessControlEntryFilter { Principal = "User:outsider", Operation = AclOperation.Any, PermissionType = AclPermissionType.Any },
        });
        Assert.Equal([Allow("User:outsider", ResourcePatternType.Prefixed, "acl-interop-", AclOperation.Write)], found.AclBindings);

        await admin.CreateAclsAsync([Allow("User:outsider", ResourcePatternType.Literal, "acl-interop-t", AclOperation.Read)]);
        var byKafka = new AclRule(RequestMatrixBroker.Outsider, AclResourceType.Topic, "acl-interop-t", RuleOperation.Read);
        Assert.Contains(byKafka, await acls.ListAclsAsync(RequestMatrixBroker.Outsider));
        Assert.Equal("Removed ACL: user outsider may read on topic acl-interop-t.", (await acls.RemoveAclAsync(byKafka)).Message);
        var again = await acls.RemoveAclAsync(byKafka);
        Assert.Equal((AkkaKafka.Protocol.ErrorCode.ResourceNotFound, "no such ACL: user outsider may read on topic acl-interop-t"), (again.Error, again.Message));
        Assert.True((await acls.RemoveAclAsync(byAkka)).IsSuccess);
        Assert.DoesNotContain(await acls.ListAclsAsync(), rule => rule.ResourceName.StartsWith("acl-interop", StringComparison.Ordinal));
    }

    /// <summary>
    /// The controller's user and ACL commands are the brokers' own (what their AlterUserScramCredentials, CreateAcls,
    /// DeleteAcls and DescribeAcls handlers ask): an Akka client, even a superuser's session, sending one is refused
    /// with CLUSTER_AUTHORIZATION_FAILED, and nothing changes.
    /// </summary>
    [Fact]
    public async Task An_akka_client_even_a_superuser_cannot_send_the_controllers_user_and_ACL_commands()
    {
        await using var connection = await broker.ConnectAsync(UsersBroker.Superuser);
        var rule = new AclRule(RequestMatrixBroker.Outsider, AclResourceType.Topic, "acl-internal-t", RuleOperation.Read);

        var added = await connection.AskAsync<SecurityCommandResult>(new AddAcl(rule));
        var deleted = await connection.AskAsync<SecurityCommandResult>(new DeleteUser(RequestMatrixBroker.Outsider));
        var listed = await Assert.ThrowsAsync<AkkaKafka.Client.KafkaException>(() => connection.AskAsync<AclList>(new ListAcls()));

        Assert.Equal(AkkaKafka.Protocol.ErrorCode.ClusterAuthorizationFailed, added.Error);
        Assert.Equal("CLUSTER_AUTHORIZATION_FAILED: AddAcl is not a request an Akka client may make", added.Message);
        Assert.Equal(AkkaKafka.Protocol.ErrorCode.ClusterAuthorizationFailed, deleted.Error);
        Assert.Equal(AkkaKafka.Protocol.ErrorCode.ClusterAuthorizationFailed, listed.Error);
        var acls = new SecurityAdminClient(connection);
        Assert.DoesNotContain(rule, await acls.ListAclsAsync());
        Assert.Contains(await acls.ListUsersAsync(), user => user.Name == RequestMatrixBroker.Outsider);
    }
}
