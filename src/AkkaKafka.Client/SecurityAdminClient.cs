using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Client;

/// <summary>
/// Users and ACLs, as Kafka's kafka-configs (SCRAM credentials) and kafka-acls tools manage them. A user's password
/// never leaves this process: <see cref="UpsertUserAsync"/> derives salted credentials here and sends only those.
/// </summary>
public sealed class SecurityAdminClient(ClusterConnection connection)
{
    /// <summary>Creates the user or replaces its credentials, one per mechanism in <paramref name="mechanisms"/>.</summary>
    public Task<SecurityCommandResult> UpsertUserAsync(string name, string password, IReadOnlyList<string> mechanisms,
        int iterations = ScramCredential.DefaultIterations, CancellationToken ct = default)
    {
        var credentials = mechanisms.Select(m => ScramCredential.Create(m, password, iterations)).ToList();
        return connection.AskAsync<SecurityCommandResult>(new UpsertUser(name, credentials), cancellationToken: ct);
    }

    public Task<SecurityCommandResult> DeleteUserAsync(string name, CancellationToken ct = default) =>
        connection.AskAsync<SecurityCommandResult>(new DeleteUser(name), cancellationToken: ct);

    /// <summary>Users' names and mechanisms (the cluster never hands out salts or keys).</summary>
    public async Task<IReadOnlyList<UserSummary>> ListUsersAsync(CancellationToken ct = default) =>
        (await connection.AskAsync<UserList>(ListUsers.Instance, cancellationToken: ct)).Users;

    public Task<SecurityCommandResult> AddAclAsync(AclRule rule, CancellationToken ct = default) =>
        connection.AskAsync<SecurityCommandResult>(new AddAcl(rule), cancellationToken: ct);

    public Task<SecurityCommandResult> RemoveAclAsync(AclRule rule, CancellationToken ct = default) =>
        connection.AskAsync<SecurityCommandResult>(new RemoveAcl(rule), cancellationToken: ct);

    /// <summary>The ACL rules of <paramref name="user"/>, or all of them.</summary>
    public async Task<IReadOnlyList<AclRule>> ListAclsAsync(string? user = null, CancellationToken ct = default) =>
        (await connection.AskAsync<AclList>(new ListAcls(user), cancellationToken: ct)).Acls;
}
