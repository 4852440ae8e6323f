using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Protocol.Security;

/// <summary>
/// What an Akka client's request needs from the ACLs, in Kafka's terms (the same operations a Kafka client's request
/// of the same kind needs), and the Kafka error code when they do not allow it. Pure, next to <see cref="Authorizer"/>.
/// </summary>
public static class AkkaRequestAuthorization
{
    /// <summary>
    /// Whether a user may be created without a login while the cluster has none: only a superuser (see BrokerActor).
    /// Null when it may; else CLUSTER_AUTHORIZATION_FAILED and what to do instead.
    /// </summary>
    public static (ErrorCode Error, string Message)? FirstUserRefusal(IReadOnlySet<string> superUsers, UpsertUser first)
    {
        if (superUsers.Contains(first.Name)) return null;
        return (ErrorCode.ClusterAuthorizationFailed, superUsers.Count == 0
            ? "CLUSTER_AUTHORIZATION_FAILED: the cluster has no users yet and no superuser to create first: start the brokers with --super-users NAME"
            : $"CLUSTER_AUTHORIZATION_FAILED: the cluster has no users yet: create a superuser first ({string.Join(", ", superUsers.Order(StringComparer.Ordinal))}), then log in as it");
    }

    /// <summary>
    /// The request as <paramref name="user"/> may make it: a metadata request creates its unknown topics only when the
    /// user may create every topic it names (Kafka's rule for auto-creation); otherwise they stay unknown, as they are to
    /// a Kafka client of the same user. Any other request is returned as it is.
    /// </summary>
    public static IAkkaKafkaMessage Restricted(SecurityMetadata security, IReadOnlySet<string> superUsers, string user, IAkkaKafkaMessage request) =>
        request is GetMetadata { AutoCreateTopics: true, Topics: { Count: > 0 } topics } metadata
        && !topics.All(t => Authorizer.MayCreateTopic(security, superUsers, user, t))
            ? metadata with { AutoCreateTopics = false }
            : request;

    /// <summary>Null when <paramref name="user"/> may make the request; else the error and one line saying why, led by the Kafka name of the error.</summary>
    public static (ErrorCode Error, string Message)? Refusal(SecurityMetadata security, IReadOnlySet<string> superUsers, string user, IAkkaKafkaMessage request)
    {
        bool Topic(string topic, AclOperation operation) => Authorizer.IsAllowed(security, superUsers, user, AclResourceType.Topic, topic, operation);
        bool Group(string group, AclOperation operation) => Authorizer.IsAllowed(security, superUsers, user, AclResourceType.Group, group, operation);
        bool Cluster(AclOperation operation) => Authorizer.IsAllowed(security, superUsers, user, AclResourceType.Cluster, Authorizer.ClusterResourceName, operation);
        (ErrorCode, string)? TopicDenied(string topic, AclOperation operation) =>
            (ErrorCode.TopicAuthorizationFailed, $"TOPIC_AUTHORIZATION_FAILED: user '{user}' may not {operation.ToString().ToLowerInvariant()} topic '{topic}'");
        (ErrorCode, string)? GroupDenied(string group, AclOperation operation) =>
            (ErrorCode.GroupAuthorizationFailed, $"GROUP_AUTHORIZATION_FAILED: user '{user}' may not {operation.ToString().ToLowerInvariant()} group '{group}'");
        (ErrorCode, string)? ClusterDenied(AclOperation operation) =>
            (ErrorCode.ClusterAuthorizationFailed, $"CLUSTER_AUTHORIZATION_FAILED: user '{user}' may not {operation.ToString().ToLowerInvariant()} the cluster");

        switch (request)
        {
            case ForwardedRequest forwarded:
                return Refusal(security, superUsers, user, forwarded.Request);
            case ProduceRequest m:
                return Topic(m.Topic, AclOperation.Write) ? null : TopicDenied(m.Topic, AclOperation.Write);
            case FetchRequest m:
                return Topic(m.Topic, AclOperation.Read) ? null : TopicDenied(m.Topic, AclOperation.Read);
            case ListOffsetsRequest m:
                return Topic(m.Topic, AclOperation.Describe) ? null : TopicDenied(m.Topic, AclOperation.Describe);
            case CreateTopic m:
                return Authorizer.MayCreateTopic(security, superUsers, user, m.Topic) ? null : TopicDenied(m.Topic, AclOperation.Create);
            case DeleteTopic m:
                return Topic(m.Topic, AclOperation.Delete) ? null : TopicDenied(m.Topic, AclOperation.Delete);
            case AddPartitions m:
                return Topic(m.Topic, AclOperation.Alter) ? null : TopicDenied(m.Topic, AclOperation.Alter);
            case AlterTopicConfigs m:
                return Topic(m.Topic, AclOperation.Alter) ? null : TopicDenied(m.Topic, AclOperation.Alter);
            case UpsertUser or DeleteUser or AddAcl or RemoveAcl:
                return Cluster(AclOperation.Alter) ? null : ClusterDenied(AclOperation.Alter);
            case ListUsers or ListAcls:
                return Cluster(AclOperation.Describe) ? null : ClusterDenied(AclOperation.Describe);
            case JoinGroup m:
                return Group(m.Group, AclOperation.Read) ? null : GroupDenied(m.Group, AclOperation.Read);
            case Heartbeat m:
                return Group(m.Group, AclOperation.Read) ? null : GroupDenied(m.Group, AclOperation.Read);
            case OffsetCommit m:
                return Group(m.Group, AclOperation.Read) ? null : GroupDenied(m.Group, AclOperation.Read);
            case OffsetFetch m:
                return Group(m.Group, AclOperation.Describe) ? null : GroupDenied(m.Group, AclOperation.Describe);
            case LeaveGroup m:
                return Group(m.Group, AclOperation.Read) ? null : GroupDenied(m.Group, AclOperation.Read);
            case DescribeGroup m:
                return Group(m.Group, AclOperation.Describe) ? null : GroupDenied(m.Group, AclOperation.Describe);
            case DeleteGroup m:
                return Group(m.Group, AclOperation.Delete) ? null : GroupDenied(m.Group, AclOperation.Delete);
            case ResetGroupOffsets m:
                return Group(m.Group, AclOperation.Read) ? null : GroupDenied(m.Group, AclOperation.Read);
            default:
                // Metadata, cluster status, group lists and producer ids: what any authenticated user may see or get,
                // as Kafka answers Metadata and ListGroups to everyone (it filters; we do not hide names).
                return null;
        }
    }
}
