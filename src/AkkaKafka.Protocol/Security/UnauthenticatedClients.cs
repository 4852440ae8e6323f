using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;

namespace AkkaKafka.Protocol.Security;

/// <summary>
/// What an Akka client that has not logged in may ask while client authentication is on: nothing, except creating the
/// first user. While there is none, creating a superuser needs no session, or nobody ever could log in. Only a
/// superuser: any other first user could do nothing (no rule exists that nobody could add), and one created by somebody
/// else than the operator shows at once, as the operator's own `user create` is then refused. Pure; the one place this
/// rule lives (the Akka transport asks it before serving a request without a session).
/// </summary>
public static class UnauthenticatedClients
{
    public const string NotLoggedIn = "SASL_AUTHENTICATION_FAILED: security is on: authenticate as a user first (--username NAME)";

    /// <summary>
    /// Null when <paramref name="request"/> may be served without a login: an AlterUserScramCredentials that only
    /// upserts superusers while the cluster has no users. Else the error and one line, led by Kafka's name of it.
    /// </summary>
    public static (ErrorCode Error, string Message)? Refusal(IReadOnlySet<string> superUsers, SecurityMetadata security, IKafkaRequest request)
    {
        if (security.Users.Count > 0 || request is not AlterUserScramCredentialsRequestData { Deletions.Count: 0, Upsertions.Count: > 0 } first)
            return (ErrorCode.SaslAuthenticationFailed, NotLoggedIn);
        if (first.Upsertions.All(u => superUsers.Contains(u.Name))) return null;
        return (ErrorCode.ClusterAuthorizationFailed, superUsers.Count == 0
            ? "CLUSTER_AUTHORIZATION_FAILED: the cluster has no users yet and no superuser to create first: start the brokers with --super-users NAME"
            : $"CLUSTER_AUTHORIZATION_FAILED: the cluster has no users yet: create a superuser first ({string.Join(", ", superUsers.Order(StringComparer.Ordinal))}), then log in as it");
    }
}
