namespace AkkaKafka.Protocol.Security;

/// <summary>
/// What one kind of request needs from the ACLs: an operation on a resource type, and the Kafka error code that
/// answers a refusal (29 for a topic, 30 for a group, 31 for the cluster).
/// </summary>
public sealed record AccessRule(AclResourceType ResourceType, AclOperation Operation)
{
    public ErrorCode Error => ResourceType switch
    {
        AclResourceType.Topic => ErrorCode.TopicAuthorizationFailed,
        AclResourceType.Group => ErrorCode.GroupAuthorizationFailed,
        AclResourceType.TransactionalId => ErrorCode.TransactionalIdAuthorizationFailed,
        _ => ErrorCode.ClusterAuthorizationFailed,
    };
}

/// <summary>
/// The one table of what each kind of request needs, as Kafka's KafkaApis asks its authorizer. Both transports read it:
/// the Kafka listener (RequestAuthorization, per Kafka API) and BrokerActor for Akka clients
/// (<see cref="AkkaRequestAuthorization"/>, per message), so the same operation is refused the same way whichever
/// transport brought it.
/// </summary>
public static class AccessRules
{
    /// <summary>Produce.</summary>
    public static readonly AccessRule WriteTopic = new(AclResourceType.Topic, AclOperation.Write);

    /// <summary>Fetch, and the topics of an OffsetCommit (and of an offset reset, which commits).</summary>
    public static readonly AccessRule ReadTopic = new(AclResourceType.Topic, AclOperation.Read);

    /// <summary>Metadata (which topics a user sees at all), ListOffsets, DescribeConfigs of a topic, the topics of an OffsetFetch.</summary>
    public static readonly AccessRule DescribeTopic = new(AclResourceType.Topic, AclOperation.Describe);

    /// <summary>DeleteTopics.</summary>
    public static readonly AccessRule DeleteTopic = new(AclResourceType.Topic, AclOperation.Delete);

    /// <summary>CreatePartitions, IncrementalAlterConfigs of a topic.</summary>
    public static readonly AccessRule AlterTopic = new(AclResourceType.Topic, AclOperation.Alter);

    /// <summary>Being a member of a group (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) and committing its offsets.</summary>
    public static readonly AccessRule ReadGroup = new(AclResourceType.Group, AclOperation.Read);

    /// <summary>FindCoordinator, DescribeGroups, OffsetFetch, and which groups ListGroups shows.</summary>
    public static readonly AccessRule DescribeGroup = new(AclResourceType.Group, AclOperation.Describe);

    /// <summary>DeleteGroups.</summary>
    public static readonly AccessRule DeleteGroup = new(AclResourceType.Group, AclOperation.Delete);

    /// <summary>ListGroups unfiltered, DescribeConfigs of a broker, listing users and ACLs (DescribeAcls, DescribeUserScramCredentials).</summary>
    public static readonly AccessRule DescribeCluster = new(AclResourceType.Cluster, AclOperation.Describe);

    /// <summary>InitProducerId of an idempotent producer, when the user may write no topic (Kafka's IdempotentWrite on the cluster).</summary>
    public static readonly AccessRule IdempotentWrite = new(AclResourceType.Cluster, AclOperation.Write);

    /// <summary>InitProducerId with a transactional id, and a produce naming one (Kafka's Write on the TransactionalId).</summary>
    public static readonly AccessRule WriteTransactionalId = new(AclResourceType.TransactionalId, AclOperation.Write);

    /// <summary>FindCoordinator for a transactional id, DescribeTransactions, and which ids ListTransactions shows.</summary>
    public static readonly AccessRule DescribeTransactionalId = new(AclResourceType.TransactionalId, AclOperation.Describe);

    /// <summary>IncrementalAlterConfigs of a broker, changing users and ACLs (CreateAcls, DeleteAcls, AlterUserScramCredentials).</summary>
    public static readonly AccessRule AlterCluster = new(AclResourceType.Cluster, AclOperation.Alter);
}

/// <summary>
/// What one user may do under the ACLs of one moment: <see cref="AccessRules"/> applied to a resource, and the one
/// line that says why a refusal was made, led by the Kafka name of the error. Pure.
/// </summary>
public sealed class UserAccess(SecurityMetadata security, IReadOnlySet<string> superUsers, string user)
{
    public string User => user;

    public bool Allows(AccessRule rule, string resourceName = Authorizer.ClusterResourceName) =>
        Authorizer.IsAllowed(security, superUsers, user, rule.ResourceType, resourceName, rule.Operation);

    /// <summary>Whether ListGroups shows <paramref name="group"/>: all groups with Describe on the cluster, else the groups the user may describe (Kafka's rule).</summary>
    public bool MayListGroup(string group) => Allows(AccessRules.DescribeCluster) || Allows(AccessRules.DescribeGroup, group);

    /// <summary>Kafka's rule for CreateTopics and auto-creation (see <see cref="Authorizer.MayCreateTopic"/>).</summary>
    public bool MayCreateTopic(string topic) => Authorizer.MayCreateTopic(security, superUsers, user, topic);

    /// <summary>
    /// Kafka 3's rule for InitProducerId of an idempotent producer: Write on some topic (or on the cluster, standing in
    /// for IdempotentWrite). A transactional one needs Write on its transactional id instead (checked by the caller:
    /// its refusal is TRANSACTIONAL_ID_AUTHORIZATION_FAILED, not CLUSTER_AUTHORIZATION_FAILED).
    /// </summary>
    public bool MayInitProducerId(string? transactionalId) =>
        transactionalId is not null
            ? Allows(AccessRules.WriteTransactionalId, transactionalId)
            : (superUsers.Contains(user)
               || Allows(AccessRules.IdempotentWrite)
               || security.Acls.Any(rule => rule.ResourceType == AclResourceType.Topic && (rule.User == user || rule.User == Authorizer.Wildcard)
                                            && Authorizer.Grants(rule.Operation, AclOperation.Write)));

    /// <summary>Null when the rule allows the resource; else the rule's error and one line naming the user, the operation and the resource.</summary>
    public (ErrorCode Error, string Message)? Refusal(AccessRule rule, string resourceName = Authorizer.ClusterResourceName) =>
        Allows(rule, resourceName) ? null : Denied(rule, resourceName);

    public (ErrorCode Error, string Message) Denied(AccessRule rule, string resourceName = Authorizer.ClusterResourceName)
    {
        var operation = rule.Operation.ToString().ToLowerInvariant();
        return rule.ResourceType switch
        {
            AclResourceType.Topic => (rule.Error, $"TOPIC_AUTHORIZATION_FAILED: user '{user}' may not {operation} topic '{resourceName}'"),
            AclResourceType.Group => (rule.Error, $"GROUP_AUTHORIZATION_FAILED: user '{user}' may not {operation} group '{resourceName}'"),
            AclResourceType.TransactionalId => (rule.Error, $"TRANSACTIONAL_ID_AUTHORIZATION_FAILED: user '{user}' may not {operation} transactional id '{resourceName}'"),
            _ => (rule.Error, $"CLUSTER_AUTHORIZATION_FAILED: user '{user}' may not {operation} the cluster"),
        };
    }
}
