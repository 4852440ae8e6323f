using Akka.Configuration;
using AkkaKafka.Broker.KafkaListener;
using AkkaKafka.Broker.Security;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Security;
using Xunit;

namespace AkkaKafka.Tests.Security;

/// <summary>
/// What the listener's authorization hands on to the handlers and what it answers itself. The handler here only
/// records what reached it and answers None for it, so the specs can say "nothing denied is served".
/// </summary>
[Trait("Speed", "Fast")]
public sealed class RequestAuthorizationSpecs
{
    private readonly List<IKafkaRequest> _served = [];

    private static KafkaListenerSecurity Security(params AclRule[] acls)
    {
        var settings = new SecuritySettings(ConfigurationFactory.ParseString("akkakafka.security { enabled = on, super-users = [root] }")
            .WithFallback(AkkaKafka.Broker.Hosting.BrokerConfig.Reference()));
        var holder = new SecurityMetadataHolder();
        holder.Offer(new SecurityMetadata(1, [], acls));
        return new KafkaListenerSecurity(settings, holder);
    }

    private Task<IKafkaResponse?> Serve(IKafkaRequest request)
    {
        _served.Add(request);
        IKafkaResponse? response = request switch
        {
            ProduceRequestData p => new ProduceResponseData(p.Topics.Select(t => new ProduceResponseData.TopicProduceResponse(t.Name,
                t.Partitions.Select(x => new ProduceResponseData.PartitionProduceResponse(x.PartitionIndex, ErrorCode.None, 0)).ToList())).ToList()),
            MetadataRequestData => new MetadataResponseData([], new[] { "orders", "payments", "orders-eu" }.Select(n => new MetadataResponseData.MetadataResponseTopic(ErrorCode.None, n, [])).ToList()),
            CreateTopicsRequestData c => new CreateTopicsResponseData(c.Topics.Select(t => new CreateTopicsResponseData.CreatableTopicResult(t.Name, ErrorCode.None)).ToList()),
            JoinGroupRequestData => new JoinGroupResponseData(ErrorCode.None, 1, "range", "m", "m", []),
            _ => throw new InvalidOperationException($"no answer for {request.GetType().Name} in this spec"),
        };
        return Task.FromResult<IKafkaResponse?>(response);
    }

    private Task<IKafkaResponse?> Authorize(KafkaListenerSecurity security, string user, IKafkaRequest request) =>
        RequestAuthorization.DispatchAsync(security, new KafkaRequestContext(new RequestHeader(request.ApiKey, 0, 1, "spec"), "spec", user), request, Serve);

    private static ProduceRequestData Produce(params string[] topics) =>
        new(-1, 1000, topics.Select(t => new ProduceRequestData.TopicProduceData(t, [new(0, new byte[] { 1 }), new(1, new byte[] { 2 })])).ToList());

    [Fact]
    public async Task A_produce_to_a_topic_without_Write_is_refused_per_partition_and_never_reaches_the_handler()
    {
        var security = Security(new AclRule("alice", AclResourceType.Topic, "orders", AclOperation.Write));

        var response = (ProduceResponseData)(await Authorize(security, "alice", Produce("orders", "payments")))!;

        var served = Assert.IsType<ProduceRequestData>(Assert.Single(_served));
        Assert.Equal(new[] { "orders" }, served.Topics.Select(t => t.Name));
        Assert.All(response.Responses.Single(r => r.Name == "payments").Partitions, p => Assert.Equal(ErrorCode.TopicAuthorizationFailed, p.ErrorCode));
        Assert.All(response.Responses.Single(r => r.Name == "orders").Partitions, p => Assert.Equal(ErrorCode.None, p.ErrorCode));
    }

    [Fact]
    public async Task A_produce_denied_whole_is_answered_without_the_handler_and_acks_0_gets_no_answer()
    {
        var security = Security(new AclRule("alice", AclResourceType.Topic, "orders", AclOperation.Read));

        var response = (ProduceResponseData)(await Authorize(security, "alice", Produce("orders")))!;
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, response.Responses.Single().Partitions[0].ErrorCode);
        Assert.Null(await Authorize(security, "alice", Produce("orders") with { Acks = 0 }));
        Assert.Empty(_served);
    }

    [Fact]
    public async Task Metadata_lists_only_the_topics_the_user_may_describe_and_names_the_denied_ones_it_asked_for()
    {
        var security = Security(new AclRule("alice", AclResourceType.Topic, "orders*", AclOperation.Read));

        var all = (MetadataResponseData)(await Authorize(security, "alice", new MetadataRequestData(null)))!;
        Assert.Equal(new[] { "orders", "orders-eu" }, all.Topics.Select(t => t.Name));

        var asked = (MetadataResponseData)(await Authorize(security, "alice", new MetadataRequestData([new("orders"), new("payments")])))!;
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, asked.Topics.Single(t => t.Name == "payments").ErrorCode);
        Assert.DoesNotContain(_served.OfType<MetadataRequestData>(), r => r.Topics?.Any(t => t.Name == "payments") == true);
        // alice may read but not create: no auto-creation on her behalf.
        Assert.All(_served.OfType<MetadataRequestData>(), r => Assert.False(r.AllowAutoTopicCreation));
    }

    /// <summary>
    /// Kafka's rule, for Kafka clients and Akka clients alike (both send Kafka's Metadata): auto-creation needs Create
    /// on every topic named, and a topic the user may not describe is not even looked at (Write implies Describe).
    /// </summary>
    [Fact]
    public async Task Metadata_creates_the_topics_it_names_only_for_a_user_who_may_create_each_of_them()
    {
        var security = Security(
            new AclRule("bob", AclResourceType.Topic, "orders", AclOperation.Write),
            new AclRule("bob", AclResourceType.Topic, "bob.*", AclOperation.Write),
            new AclRule("bob", AclResourceType.Topic, "bob.*", AclOperation.Create));
        async Task<bool> Creates(string user, params string[] topics)
        {
            _served.Clear();
            await Authorize(security, user, new MetadataRequestData(topics.Select(t => new MetadataRequestData.MetadataRequestTopic(t)).ToList(), AllowAutoTopicCreation: true));
            return Assert.IsType<MetadataRequestData>(Assert.Single(_served)).AllowAutoTopicCreation;
        }

        Assert.True(await Creates("bob", "bob.events"));
        Assert.False(await Creates("bob", "orders"));
        Assert.False(await Creates("bob", "bob.events", "orders"));
        Assert.True(await Creates("root", "payments"));
    }

    [Fact]
    public async Task Topics_are_created_with_Create_on_the_cluster_or_on_the_topic()
    {
        var byPrefix = Security(new AclRule("alice", AclResourceType.Topic, "team-a-*", AclOperation.Create));
        var create = new CreateTopicsRequestData([new("team-a-orders", 1, 1, [], []), new("team-b-orders", 1, 1, [], [])]);
        var answer = (CreateTopicsResponseData)(await Authorize(byPrefix, "alice", create))!;
        Assert.Equal(ErrorCode.None, answer.Topics.Single(t => t.Name == "team-a-orders").ErrorCode);
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, answer.Topics.Single(t => t.Name == "team-b-orders").ErrorCode);

        _served.Clear();
        var cluster = Security(new AclRule("bob", AclResourceType.Cluster, Authorizer.ClusterResourceName, AclOperation.Create));
        await Authorize(cluster, "bob", create);
        Assert.Equal(2, Assert.IsType<CreateTopicsRequestData>(Assert.Single(_served)).Topics.Count);
    }

    [Fact]
    public async Task Joining_a_group_needs_Read_on_the_group()
    {
        var security = Security(new AclRule("alice", AclResourceType.Group, "billing", AclOperation.Read));
        var join = new JoinGroupRequestData("payroll", 10_000, "", "consumer", []);

        var denied = (JoinGroupResponseData)(await Authorize(security, "alice", join))!;
        Assert.Equal(ErrorCode.GroupAuthorizationFailed, denied.ErrorCode);
        Assert.Empty(_served);

        var allowed = (JoinGroupResponseData)(await Authorize(security, "alice", join with { GroupId = "billing" }))!;
        Assert.Equal(ErrorCode.None, allowed.ErrorCode);
    }

    [Fact]
    public async Task A_superuser_and_the_ANONYMOUS_user_are_told_apart()
    {
        var security = Security();
        await Authorize(security, "root", Produce("orders"));
        Assert.Single(_served);

        var anonymous = (ProduceResponseData)(await Authorize(security, Authorizer.Anonymous, Produce("orders")))!;
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, anonymous.Responses.Single().Partitions[0].ErrorCode);
        Assert.Single(_served);
    }

    /// <summary>An API this codebase has no authorization rule for (a new one, before its rule is written).</summary>
    private sealed record UnruledRequest : IKafkaRequest
    {
        public ApiKey ApiKey => (ApiKey)999;
        public void Write(KafkaWriter writer, short version) { }
    }

    [Fact]
    public async Task A_request_type_without_a_rule_is_refused_even_for_a_superuser_and_never_reaches_the_handler()
    {
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => Authorize(Security(), "root", new UnruledRequest()));

        Assert.Contains("has no authorization rule", refused.Message);
        Assert.Empty(_served);
    }
}
