using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Protocol.Security;

/// <summary>
/// What an Akka client's request needs from the ACLs, in Kafka's terms (the same operations a Kafka client's request
/// of the same kind needs), and the Kafka error code when they do not allow it. Pure, next to <see cref="Authorizer"/>.
/// </summary>
public static class AkkaRequestAuthorization
{
    /// <summary>
    /// Null when the user may make the request; else the error and one line saying why, led by the Kafka name of the
    /// error. Deny by default: a message with no rule here is refused (CLUSTER_AUTHORIZATION_FAILED), so a new kind of
    /// request is unreachable for Akka clients until somebody says what it needs. The rules are <see cref="AccessRules"/>,
    /// the Kafka listener's: the same operation asks for the same thing on both transports. Partition requests (produce,
    /// fetch, list offsets), the group coordinator's messages and the controller's user and ACL commands have none: they
    /// pass between brokers, and clients send Kafka's requests instead (frames).
    /// </summary>
    public static (ErrorCode Error, string Message)? Refusal(UserAccess access, IAkkaKafkaMessage request)
    {
        switch (request)
        {
            // Which topics it shows is the answer's filter (AnswerFilter): Kafka answers Metadata to everyone.
            case GetClusterStatus:
                return null;
            default:
                return NoRule(request.GetType());
        }
    }

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
