using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// Authorization of Kafka requests (akkakafka.security.enabled), as Kafka's KafkaApis does it: the parts of a
/// request the user may not touch are taken out before the request is served and answered with
/// TOPIC_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED or CLUSTER_AUTHORIZATION_FAILED where Kafka puts them
/// (per topic and partition, per group, per resource); the rest is served as usual and the two answers are merged.
/// So nothing denied reaches a handler, and nothing denied is written. Metadata lists only the topics the user may
/// describe. Operations: Produce Write topic; Fetch Read topic; ListOffsets and Metadata Describe topic; CreateTopics
/// Create cluster or topic; DeleteTopics Delete; CreatePartitions and IncrementalAlterConfigs Alter; DescribeConfigs
/// Describe; DescribeCluster needs nothing (Describe cluster for its authorized operations); group APIs and OffsetCommit Read group (OffsetFetch, FindCoordinator and DescribeGroups Describe group,
/// DeleteGroups Delete group); CreateAcls, DeleteAcls and AlterUserScramCredentials Alter cluster, DescribeAcls and DescribeUserScramCredentials Describe cluster; an idempotent InitProducerId needs Write on some topic (Kafka 3's rule); WriteTxnMarkers ClusterAction on the
/// cluster (brokers only), DescribeProducers Read topic; AddPartitionsToTxn, AddOffsetsToTxn and EndTxn Write on the
/// transactional id (plus Write topic, Read group; ClusterAction for the brokers' batched AddPartitionsToTxn). Deny by
/// default: a request type with no rule here is refused, whichever transport brought it.
/// </summary>
internal static class RequestAuthorization
{
    private const string Denied = "Authorization failed.";

    /// <summary>Kafka's ClusterAction on the cluster, as the allow-only model grants it: All on the cluster (or a superuser).</summary>
    private static readonly AccessRule ClusterAction = new(AclResourceType.Cluster, AclOperation.All);

    public static async Task<IKafkaResponse?> DispatchAsync(KafkaListenerSecurity security, KafkaRequestContext context, IKafkaRequest request,
        Func<IKafkaRequest, Task<IKafkaResponse?>> serve)
    {
        // One user's access under the ACLs of this moment: the whole request is judged against the same rules.
        var access = security.AccessOf(context.User);

        switch (request)
        {
            case ProduceRequestData produce:
            {
                var (allowed, denied) = Split(produce.Topics, t => access.Allows(AccessRules.WriteTopic, t.Name));
                if (denied.Count == 0) return await serve(request);
                var refused = denied.Select(t => new ProduceResponseData.TopicProduceResponse(t.Name,
                    t.Partitions.Select(p => new ProduceResponseData.PartitionProduceResponse(p.PartitionIndex, ErrorCode.TopicAuthorizationFailed, -1)).ToList())).ToList();
                var served = allowed.Count == 0 ? null : await serve(produce with { Topics = allowed });
                // acks=0 has no answer, allowed part or not: the denied records are simply not written.
                if (produce.Acks == 0) return null;
                return served is ProduceResponseData r ? r with { Responses = [.. r.Responses, .. refused] } : new ProduceResponseData(refused);
            }
            case FetchRequestData fetch:
            {
                var (allowed, denied) = Split(fetch.Topics, t => access.Allows(AccessRules.ReadTopic, t.Topic));
                if (denied.Count == 0) return await serve(request);
                var refused = denied.Select(t => new FetchResponseData.FetchableTopicResponse(t.Topic,
                    t.Partitions.Select(p => new FetchResponseData.PartitionData(p.Partition, ErrorCode.TopicAuthorizationFailed, -1, null)).ToList())).ToList();
                var served = allowed.Count == 0 ? null : await serve(fetch with { Topics = allowed });
                return served is FetchResponseData r ? r with { Responses = [.. r.Responses, .. refused] } : new FetchResponseData(refused);
            }
            case ListOffsetsRequestData list:
            {
                var (allowed, denied) = Split(list.Topics, t => access.Allows(AccessRules.DescribeTopic, t.Name));
                if (denied.Count == 0) return await serve(request);
                var refused = denied.Select(t => new ListOffsetsResponseData.ListOffsetsTopicResponse(t.Name,
                    t.Partitions.Select(p => new ListOffsetsResponseData.ListOffsetsPartitionResponse(p.PartitionIndex, ErrorCode.TopicAuthorizationFailed)).ToList())).ToList();
                var served = allowed.Count == 0 ? null : await serve(list with { Topics = allowed });
                return served is ListOffsetsResponseData r ? r with { Topics = [.. r.Topics, .. refused] } : new ListOffsetsResponseData(refused);
            }
            case MetadataRequestData metadata:
            {
                var denied = metadata.Topics?.Where(t => !access.Allows(AccessRules.DescribeTopic, t.Name)).Select(t => t.Name).Distinct().ToList() ?? [];
                var allowed = metadata.Topics?.Where(t => access.Allows(AccessRules.DescribeTopic, t.Name)).ToList();
                // Auto-creation needs Create, as a CreateTopics would; one topic the user may not create turns it off for the request.
                var autoCreate = metadata.AllowAutoTopicCreation && allowed is { Count: > 0 } && allowed.All(t => access.MayCreateTopic(t.Name));
                var served = (MetadataResponseData)(await serve(metadata with { Topics = allowed, AllowAutoTopicCreation = autoCreate }))!;
                // Filtered after the fact as well: an empty list reads as "all topics" at v0, and whatever is listed must be describable.
                var visible = served.Topics.Where(t => access.Allows(AccessRules.DescribeTopic, t.Name)).ToList();
                return served with
                {
                    Topics = [.. visible, .. denied.Select(name => new MetadataResponseData.MetadataResponseTopic(ErrorCode.TopicAuthorizationFailed, name, []))],
                    ClusterAuthorizedOperations = metadata.IncludeClusterAuthorizedOperations ? ClusterOperationsOf(access) : served.ClusterAuthorizedOperations,
                };
            }
            case CreateTopicsRequestData create:
            {
                var (allowed, denied) = Split(create.Topics, t => access.MayCreateTopic(t.Name));
                if (denied.Count == 0) return await serve(request);
                var refused = denied.Select(t => new CreateTopicsResponseData.CreatableTopicResult(t.Name, ErrorCode.TopicAuthorizationFailed, Denied)).ToList();
                var served = allowed.Count == 0 ? null : await serve(create with { Topics = allowed });
                return served is CreateTopicsResponseData r ? r with { Topics = [.. r.Topics, .. refused] } : new CreateTopicsResponseData(refused);
            }
            case DeleteTopicsRequestData delete:
            {
                var (allowed, denied) = Split(delete.TopicNames, t => access.Allows(AccessRules.DeleteTopic, t));
                if (denied.Count == 0) return await serve(request);
                var refused = denied.Select(t => new DeleteTopicsResponseData.DeletableTopicResult(t, ErrorCode.TopicAuthorizationFailed, Denied)).ToList();
                var served = allowed.Count == 0 ? null : await serve(delete with { TopicNames = allowed });
                return served is DeleteTopicsResponseData r ? r with { Responses = [.. r.Responses, .. refused] } : new DeleteTopicsResponseData(refused);
            }
            case CreatePartitionsRequestData partitions:
            {
                var (allowed, denied) = Split(partitions.Topics, t => access.Allows(AccessRules.AlterTopic, t.Name));
                if (denied.Count == 0) return await serve(request);
                var refused = denied.Select(t => new CreatePartitionsResponseData.CreatePartitionsTopicResult(t.Name, ErrorCode.TopicAuthorizationFailed, Denied)).ToList();
                var served = allowed.Count == 0 ? null : await serve(partitions with { Topics = allowed });
                return served is CreatePartitionsResponseData r ? r with { Results = [.. r.Results, .. refused] } : new CreatePartitionsResponseData(refused);
            }
            case DescribeConfigsRequestData describe:
            {
                var (allowed, denied) = Split(describe.Resources, c => IsTopic(c.ResourceType) ? access.Allows(AccessRules.DescribeTopic, c.ResourceName) : access.Allows(AccessRules.DescribeCluster));
                if (denied.Count == 0) return await serve(request);
                var refused = denied.Select(c => new DescribeConfigsResponseData.DescribeConfigsResult(ConfigsError(c.ResourceType), Denied, c.ResourceType, c.ResourceName, [])).ToList();
                var served = allowed.Count == 0 ? null : await serve(describe with { Resources = allowed });
                return served is DescribeConfigsResponseData r ? r with { Results = [.. r.Results, .. refused] } : new DescribeConfigsResponseData(refused);
            }
            case IncrementalAlterConfigsRequestData alter:
            {
                var (allowed, denied) = Split(alter.Resources, c => IsTopic(c.ResourceType) ? access.Allows(AccessRules.AlterTopic, c.ResourceName) : access.Allows(AccessRules.AlterCluster));
                if (denied.Count == 0) return await serve(request);
                var refused = denied.Select(c => new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse(ConfigsError(c.ResourceType), Denied, c.ResourceType, c.ResourceName)).ToList();
                var served = allowed.Count == 0 ? null : await serve(alter with { Resources = allowed });
                return served is IncrementalAlterConfigsResponseData r ? r with { Responses = [.. r.Responses, .. refused] } : new IncrementalAlterConfigsResponseData(refused);
            }
            case FindCoordinatorRequestData find when find.KeyType == FindCoordinatorRequestData.GroupKeyType && !access.Allows(AccessRules.DescribeGroup, find.Key):
                return new FindCoordinatorResponseData(ErrorCode.GroupAuthorizationFailed, -1, "", -1, Denied);
            case JoinGroupRequestData join when !access.Allows(AccessRules.ReadGroup, join.GroupId):
                return new JoinGroupResponseData(ErrorCode.GroupAuthorizationFailed, -1, "", "", join.MemberId, []);
            case SyncGroupRequestData sync when !access.Allows(AccessRules.ReadGroup, sync.GroupId):
                return new SyncGroupResponseData(ErrorCode.GroupAuthorizationFailed, ReadOnlyMemory<byte>.Empty);
            case HeartbeatRequestData heartbeat when !access.Allows(AccessRules.ReadGroup, heartbeat.GroupId):
                return new HeartbeatResponseData(ErrorCode.GroupAuthorizationFailed);
            case LeaveGroupRequestData leave when !access.Allows(AccessRules.ReadGroup, leave.GroupId):
                return new LeaveGroupResponseData(ErrorCode.GroupAuthorizationFailed, []);
            case OffsetCommitRequestData commit:
            {
                if (!access.Allows(AccessRules.ReadGroup, commit.GroupId))
                    return new OffsetCommitResponseData(commit.Topics.Select(t => CommitResult(t, ErrorCode.GroupAuthorizationFailed)).ToList());
                var (allowed, denied) = Split(commit.Topics, t => access.Allows(AccessRules.ReadTopic, t.Name));
                if (denied.Count == 0) return await serve(request);
                var refused = denied.Select(t => CommitResult(t, ErrorCode.TopicAuthorizationFailed)).ToList();
                var served = allowed.Count == 0 ? null : await serve(commit with { Topics = allowed });
                return served is OffsetCommitResponseData r ? r with { Topics = [.. r.Topics, .. refused] } : new OffsetCommitResponseData(refused);
            }
            case OffsetFetchRequestData offsets:
            {
                if (!access.Allows(AccessRules.DescribeGroup, offsets.GroupId))
                    // v0–1 have no group error: it goes on every partition asked for.
                    return new OffsetFetchResponseData((offsets.Topics ?? []).Select(t => FetchResult(t, ErrorCode.GroupAuthorizationFailed)).ToList(), ErrorCode.GroupAuthorizationFailed);
                if (offsets.Topics is null)
                {
                    var all = (OffsetFetchResponseData)(await serve(request))!;
                    return all with { Topics = all.Topics.Where(t => access.Allows(AccessRules.DescribeTopic, t.Name)).ToList() };
                }
                var (allowed, denied) = Split(offsets.Topics, t => access.Allows(AccessRules.DescribeTopic, t.Name));
                if (denied.Count == 0) return await serve(request);
                var refused = denied.Select(t => FetchResult(t, ErrorCode.TopicAuthorizationFailed)).ToList();
                var served = allowed.Count == 0 ? null : await serve(offsets with { Topics = allowed });
                return served is OffsetFetchResponseData r ? r with { Topics = [.. r.Topics, .. refused] } : new OffsetFetchResponseData(refused);
            }
            case ListGroupsRequestData:
            {
                var listed = (ListGroupsResponseData)(await serve(request))!;
                return listed with { Groups = listed.Groups.Where(g => access.MayListGroup(g.GroupId)).ToList() };
            }
            case DescribeGroupsRequestData groups:
            {
                var (allowed, denied) = Split(groups.Groups, g => access.Allows(AccessRules.DescribeGroup, g));
                if (denied.Count == 0) return await serve(request);
                var refused = denied.Select(g => new DescribedGroup(ErrorCode.GroupAuthorizationFailed, g, "", "", "", [])).ToList();
                var served = allowed.Count == 0 ? null : await serve(groups with { Groups = allowed });
                return served is DescribeGroupsResponseData r ? r with { Groups = [.. r.Groups, .. refused] } : new DescribeGroupsResponseData(refused);
            }
            case DeleteGroupsRequestData groups:
            {
                var (allowed, denied) = Split(groups.GroupsNames, g => access.Allows(AccessRules.DeleteGroup, g));
                if (denied.Count == 0) return await serve(request);
                var refused = denied.Select(g => new DeletableGroupResult(g, ErrorCode.GroupAuthorizationFailed)).ToList();
                var served = allowed.Count == 0 ? null : await serve(groups with { GroupsNames = allowed });
                return served is DeleteGroupsResponseData r ? r with { Results = [.. r.Results, .. refused] } : new DeleteGroupsResponseData(refused);
            }
            // Users and ACLs are the cluster's: Kafka's rule, ALTER on CLUSTER to change them, DESCRIBE on CLUSTER to list them.
            case CreateAclsRequestData create when !access.Allows(AccessRules.AlterCluster):
                return new CreateAclsResponseData(create.Creations.Select(_ => new CreateAclsResponseData.AclCreationResult(ErrorCode.ClusterAuthorizationFailed, Denied)).ToList());
            case DescribeAclsRequestData when !access.Allows(AccessRules.DescribeCluster):
                return new DescribeAclsResponseData(ErrorCode.ClusterAuthorizationFailed, Denied, []);
            case DeleteAclsRequestData delete when !access.Allows(AccessRules.AlterCluster):
                return new DeleteAclsResponseData(delete.Filters.Select(_ => new DeleteAclsResponseData.FilterResult(ErrorCode.ClusterAuthorizationFailed, Denied, [])).ToList());
            case DescribeUserScramCredentialsRequestData when !access.Allows(AccessRules.DescribeCluster):
                return new DescribeUserScramCredentialsResponseData(ErrorCode.ClusterAuthorizationFailed, Denied, []);
            case AlterUserScramCredentialsRequestData alter when !access.Allows(AccessRules.AlterCluster):
                return new AlterUserScramCredentialsResponseData(alter.Deletions.Select(d => d.Name).Concat(alter.Upsertions.Select(u => u.Name)).Distinct()
                    .Select(user => new AlterUserScramCredentialsResponseData.UserResult(user, ErrorCode.ClusterAuthorizationFailed, Denied)).ToList());
            // Open to every authenticated user, as in Kafka (the brokers are no secret: Metadata lists them too); the
            // authorized operations, when asked for, are this user's.
            case DescribeClusterRequestData { IncludeClusterAuthorizedOperations: true }:
            {
                var served = (DescribeClusterResponseData)(await serve(request))!;
                return served.ErrorCode != ErrorCode.None ? served : served with { ClusterAuthorizedOperations = ClusterOperationsOf(access) };
            }
            case InitProducerIdRequestData init when !access.MayInitProducerId(init.TransactionalId):
                return new InitProducerIdResponseData(ErrorCode.ClusterAuthorizationFailed, -1, -1);
            // Kafka's ClusterAction on the cluster: only brokers (the transaction coordinator) end transactions. The
            // allow-only model has no ClusterAction rule; All on the cluster implies it, as in Kafka, and superusers
            // (the brokers' own principal) have it.
            case WriteTxnMarkersRequestData markers when !access.Allows(ClusterAction):
                return new WriteTxnMarkersResponseData(markers.Markers.Select(m => new WriteTxnMarkersResponseData.WritableTxnMarkerResult(m.ProducerId,
                    m.Topics.Select(t => new WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult(t.Name,
                        t.PartitionIndexes.Select(p => new WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult(p, ErrorCode.ClusterAuthorizationFailed)).ToList())).ToList())).ToList());
            // Transactions, Kafka's rules: Write on the transactional id (the rule InitProducerId with that id follows);
            // AddPartitionsToTxn also Write on each topic, and its batched form (v4+) ClusterAction, as brokers send it;
            // AddOffsetsToTxn also Read on the group.
            case AddPartitionsToTxnRequestData when context.Version >= AddPartitionsToTxnRequestData.FirstBatchedVersion && !access.Allows(ClusterAction):
                return new AddPartitionsToTxnResponseData([], [], ErrorCode.ClusterAuthorizationFailed);
            case AddPartitionsToTxnRequestData add when context.Version < AddPartitionsToTxnRequestData.FirstBatchedVersion:
            {
                var transaction = add.Transactions.Single();
                var mayUseId = access.MayInitProducerId(transaction.TransactionalId);
                var deniedTopics = transaction.Topics.Where(t => !access.Allows(AccessRules.WriteTopic, t.Name)).Select(t => t.Name).ToHashSet();
                if (mayUseId && deniedTopics.Count == 0) return await serve(request);
                // Nothing of a partly denied request is added: the denied topics say why, the others were not attempted.
                return new AddPartitionsToTxnResponseData(transaction.Topics.Select(t => new AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult(t.Name,
                    t.Partitions.Select(p => new AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult(p,
                        !mayUseId ? ErrorCode.TransactionalIdAuthorizationFailed
                        : deniedTopics.Contains(t.Name) ? ErrorCode.TopicAuthorizationFailed
                        : ErrorCode.OperationNotAttempted)).ToList())).ToList(), []);
            }
            case AddOffsetsToTxnRequestData offsets when !access.MayInitProducerId(offsets.TransactionalId):
                return new AddOffsetsToTxnResponseData(ErrorCode.TransactionalIdAuthorizationFailed);
            case AddOffsetsToTxnRequestData offsets when !access.Allows(AccessRules.ReadGroup, offsets.GroupId):
                return new AddOffsetsToTxnResponseData(ErrorCode.GroupAuthorizationFailed);
            case EndTxnRequestData end when !access.MayInitProducerId(end.TransactionalId):
                return new EndTxnResponseData(ErrorCode.TransactionalIdAuthorizationFailed);
            case DescribeProducersRequestData producers:
            {
                // Kafka's rule: Read on the topic; the others answer TOPIC_AUTHORIZATION_FAILED per partition.
                var (allowed, denied) = Split(producers.Topics, t => access.Allows(AccessRules.ReadTopic, t.Name));
                if (denied.Count == 0) return await serve(request);
                var refused = denied.Select(t => new DescribeProducersResponseData.TopicResponse(t.Name,
                    t.PartitionIndexes.Select(p => new DescribeProducersResponseData.PartitionResponse(p, ErrorCode.TopicAuthorizationFailed, Denied, [])).ToList())).ToList();
                var served = allowed.Count == 0 ? null : await serve(producers with { Topics = allowed });
                return served is DescribeProducersResponseData r ? r with { Topics = [.. r.Topics, .. refused] } : new DescribeProducersResponseData(refused);
            }
            // Allowed by the rules above (the `when` cases that did not refuse), or open to every authenticated user as in
            // Kafka (ApiVersions, the SASL exchange; FindCoordinator for a key type without ACLs).
            case FindCoordinatorRequestData or JoinGroupRequestData or SyncGroupRequestData or HeartbeatRequestData or LeaveGroupRequestData
                or InitProducerIdRequestData or DescribeClusterRequestData or WriteTxnMarkersRequestData or AddPartitionsToTxnRequestData or AddOffsetsToTxnRequestData or EndTxnRequestData or CreateAclsRequestData or DescribeAclsRequestData or DeleteAclsRequestData
                or DescribeUserScramCredentialsRequestData or AlterUserScramCredentialsRequestData or ApiVersionsRequestData or SaslHandshakeRequestData or SaslAuthenticateRequestData:
                return await serve(request);
            default:
                // Deny by default: a new API is served only once somebody has written what it needs here. The request is
                // not answered (its connection closes with a warning naming it; an Akka client gets UNKNOWN_SERVER_ERROR).
                throw new InvalidOperationException($"{request.ApiKey} has no authorization rule, so it is refused (deny by default)");
        }
    }

    /// <summary>
    /// Kafka's bit field of the cluster operations <paramref name="access"/> allows (bit n: ACL operation code n), from
    /// the rules that stand for them here: Describe (also DescribeConfigs), Alter (also AlterConfigs), Create, and
    /// IdempotentWrite; none without Describe, as Kafka answers.
    /// </summary>
    private static int ClusterOperationsOf(UserAccess access)
    {
        if (!access.Allows(AccessRules.DescribeCluster)) return 0;
        var operations = 1 << 8 | 1 << 10;
        if (access.Allows(AccessRules.AlterCluster)) operations |= 1 << 7 | 1 << 11;
        if (access.Allows(new AccessRule(AclResourceType.Cluster, AclOperation.Create))) operations |= 1 << 5;
        if (access.Allows(AccessRules.IdempotentWrite)) operations |= 1 << 12;
        return operations;
    }

    private static (List<T> Allowed, List<T> Denied) Split<T>(IEnumerable<T> items, Func<T, bool> allowed)
    {
        var yes = new List<T>();
        var no = new List<T>();
        foreach (var item in items) (allowed(item) ? yes : no).Add(item);
        return (yes, no);
    }

    /// <summary>Config resource types: 2 is a topic, 4 a broker (a cluster-wide matter for authorization).</summary>
    private static bool IsTopic(sbyte resourceType) => resourceType == 2;

    private static ErrorCode ConfigsError(sbyte resourceType) => IsTopic(resourceType) ? ErrorCode.TopicAuthorizationFailed : ErrorCode.ClusterAuthorizationFailed;

    private static OffsetCommitResponseTopic CommitResult(OffsetCommitRequestTopic topic, ErrorCode error) =>
        new(topic.Name, topic.Partitions.Select(p => new OffsetCommitResponsePartition(p.PartitionIndex, error)).ToList());

    private static OffsetFetchResponseTopic FetchResult(OffsetFetchRequestTopic topic, ErrorCode error) =>
        new(topic.Name, topic.PartitionIndexes.Select(p => new OffsetFetchResponsePartition(p, -1, null, error)).ToList());

}
