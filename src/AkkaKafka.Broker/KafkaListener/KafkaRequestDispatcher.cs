using AkkaKafka.Broker.Http;
using AkkaKafka.Broker.Security;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// Turns each decoded Kafka request into the broker's own actor messages and their answers back into a Kafka
/// response. One handler per area of the protocol; this class only picks the handler. With authorization on, each
/// request goes through <see cref="RequestAuthorization"/> first, which hands on only what the user may do. Both
/// transports come here: the Kafka listener's connections and the Akka clients' <see cref="AkkaClientRequests"/>.
/// </summary>
public sealed class KafkaRequestDispatcher(KafkaNode node, BrokerMetrics? metrics = null, KafkaListenerSecurity? security = null)
{
    /// <summary>This broker, as its handlers reach it.</summary>
    public KafkaNode Node => node;

    /// <summary>SASL and authorization of this listener; null in specs without them (no SASL, everyone may do everything).</summary>
    public KafkaListenerSecurity? Security => security;

    /// <summary>This broker's metrics (connections, requests and their latency per API and listener); null in specs without them.</summary>
    public BrokerMetrics? Metrics => metrics;

    /// <returns>The response, or null when Kafka sends none (acks=0 produce).</returns>
    public Task<IKafkaResponse?> HandleAsync(KafkaRequestContext context, IKafkaRequest request) =>
        metrics is not null ? metrics.TimeAsync(BrokerMetrics.ApiOf(request), context.Listener, Authorized(context, request)) : Authorized(context, request);

    private Task<IKafkaResponse?> Authorized(KafkaRequestContext context, IKafkaRequest request) =>
        security is { Authorizes: true } && context.Authorize
            ? RequestAuthorization.DispatchAsync(security, context, request, allowed => Dispatch(context, allowed))
            : Dispatch(context, request);

    private Task<IKafkaResponse?> Dispatch(KafkaRequestContext context, IKafkaRequest request) => request switch
    {
        ApiVersionsRequestData => Done(ApiVersionsResponseData.Advertised(withSasl: security?.Settings.KafkaSasl ?? false)),
        // The connection answers these itself (its SASL session); here only if a listener has no session at all.
        SaslHandshakeRequestData or SaslAuthenticateRequestData => Done(SaslSession.WithoutSasl(request)!),
        MetadataRequestData r => Later(MetadataHandler.HandleAsync(node, context, r)),
        DescribeClusterRequestData r => Later(DescribeClusterHandler.HandleAsync(node, context, r)),
        ProduceRequestData r => LaterOrNone(ProduceHandler.HandleAsync(node, context, r)),
        FetchRequestData r => Later(FetchHandler.HandleAsync(node, context, r)),
        ListOffsetsRequestData r => Later(ListOffsetsHandler.HandleAsync(node, context, r)),
        CreateTopicsRequestData r => Later(TopicAdminHandler.CreateTopicsAsync(node, context, r)),
        DeleteTopicsRequestData r => Later(TopicAdminHandler.DeleteTopicsAsync(node, context, r)),
        CreatePartitionsRequestData r => Later(TopicAdminHandler.CreatePartitionsAsync(node, r)),
        DescribeConfigsRequestData r => Later(ConfigsHandler.DescribeAsync(node, context, r)),
        IncrementalAlterConfigsRequestData r => Later(ConfigsHandler.AlterAsync(node, r)),
        FindCoordinatorRequestData r => Later(GroupHandler.FindCoordinatorAsync(node, r)),
        JoinGroupRequestData r => Later(GroupHandler.JoinAsync(node, context, r)),
        SyncGroupRequestData r => Later(GroupHandler.SyncAsync(node, r)),
        HeartbeatRequestData r => Later(GroupHandler.HeartbeatAsync(node, r)),
        LeaveGroupRequestData r => Later(GroupHandler.LeaveAsync(node, context, r)),
        OffsetCommitRequestData r => Later(GroupOffsetsHandler.CommitAsync(node, context, r)),
        OffsetFetchRequestData r => Later(GroupOffsetsHandler.FetchAsync(node, r)),
        ListGroupsRequestData => Later(GroupAdminHandler.ListAsync(node)),
        DescribeGroupsRequestData r => Later(GroupAdminHandler.DescribeAsync(node, r)),
        DeleteGroupsRequestData r => Later(GroupAdminHandler.DeleteAsync(node, r)),
        InitProducerIdRequestData r => Later(InitProducerIdHandler.HandleAsync(node, context, r)),
        AddPartitionsToTxnRequestData r => Later(TransactionHandler.AddPartitionsAsync(node, context, r)),
        AddOffsetsToTxnRequestData r => Later(TransactionHandler.AddOffsetsAsync(node, context, r)),
        EndTxnRequestData r => Later(TransactionHandler.EndAsync(node, context, r)),
        WriteTxnMarkersRequestData r => Later(TransactionMarkersHandler.WriteAsync(node, r)),
        DescribeProducersRequestData r => Later(TransactionMarkersHandler.DescribeProducersAsync(node, r)),
        CreateAclsRequestData r => Later(AclsHandler.CreateAsync(node, r)),
        DescribeAclsRequestData r => Later(AclsHandler.DescribeAsync(node, r)),
        DeleteAclsRequestData r => Later(AclsHandler.DeleteAsync(node, r)),
        DescribeUserScramCredentialsRequestData r => Done(ScramCredentialsHandler.Describe(security?.Current ?? SecurityMetadata.Empty, r)),
        AlterUserScramCredentialsRequestData r => Later(ScramCredentialsHandler.AlterAsync(node, security?.Current ?? SecurityMetadata.Empty, r)),
        _ => throw new InvalidOperationException($"no handler for {request.GetType().Name}"), // KafkaApis and this switch must list the same APIs
    };

    private static Task<IKafkaResponse?> Done(IKafkaResponse response) => Task.FromResult<IKafkaResponse?>(response);

    private static async Task<IKafkaResponse?> LaterOrNone<T>(Task<T?> response) where T : class, IKafkaResponse => await response;

    private static async Task<IKafkaResponse?> Later<T>(Task<T> response) where T : IKafkaResponse => await response;
}
