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
    /// Null when the user may make the request; else the error and one line saying why, led by the Kafka name of the
    /// error. Deny by default: a message with no rule here is refused (CLUSTER_AUTHORIZATION_FAILED), so a new kind of
    /// request is unreachable for Akka clients until somebody says what it needs. The rules are <see cref="AccessRules"/>,
    /// the Kafka listener's: the same operation asks for the same thing on both transports. Partition requests (produce,
    /// fetch, list offsets) and the group coordinator's messages have none: they pass between brokers, and clients send
    /// Kafka's requests instead (frames).
    /// </summary>
    public static (ErrorCode Error, string Message)? Refusal(UserAccess access, IAkkaKafkaMessage request)
    {
        switch (request)
        {
            // Which topics it shows is the answer's filter (AnswerFilter): Kafka answers Metadata to everyone.
            case GetClusterStatus:
                return null;
            default:
                return OneResourceRule(request) is var (rule, name) ? access.Refusal(rule, name) : NoRule(request.GetType());
        }
    }

    /// <summary>The requests that need one operation on one resource, and which.</summary>
    private static (AccessRule Rule, string Resource)? OneResourceRule(IAkkaKafkaMessage request) => request switch
    {
        UpsertUser or DeleteUser or AddAcl or RemoveAcl => (AccessRules.AlterCluster, Authorizer.ClusterResourceName),
        ListUsers or ListAcls => (AccessRules.DescribeCluster, Authorizer.ClusterResourceName),
        _ => null,
    };

    /// <summary>The refusal of a message no rule names (deny by default); AsUser and Authenticate are never requests inside an AsUser.</summary>
    public static (ErrorCode Error, string Message) NoRule(Type message) =>
        (ErrorCode.ClusterAuthorizationFailed, $"CLUSTER_AUTHORIZATION_FAILED: {message.Name} is not a request an Akka client may make");

    /// <summary>
    /// For a request whose answer shows more than the user may see, what to take out of the answer (as the Kafka
    /// listener filters Kafka's answers): cluster status shows only the topics the user may describe. Null
    /// for a request whose answer needs no filter.
    /// </summary>
    public static Func<object, object>? AnswerFilter(UserAccess access, IAkkaKafkaMessage request) => request switch
    {
        GetClusterStatus => answer => answer is ClusterStatus s ? s with { Metadata = Visible(access, s.Metadata) } : answer,
        _ => null,
    };

    /// <summary>The metadata with only the topics the user may describe.</summary>
    private static ClusterMetadata Visible(UserAccess access, ClusterMetadata metadata) =>
        metadata.Topics.All(t => access.Allows(AccessRules.DescribeTopic, t.Name))
            ? metadata
            : metadata with { Topics = metadata.Topics.Where(t => access.Allows(AccessRules.DescribeTopic, t.Name)).ToList() };
}
