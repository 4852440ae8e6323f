using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Security;
using static AkkaKafka.Protocol.Kafka.Apis.AlterUserScramCredentialsRequestData;

namespace AkkaKafka.Client;

/// <summary>
/// Users and ACLs, as Kafka's kafka-configs (SCRAM credentials) and kafka-acls tools manage them, with Kafka's own
/// requests (AlterUserScramCredentials, DescribeUserScramCredentials, CreateAcls, DeleteAcls, DescribeAcls) sent as
/// <see cref="AdminClient"/> sends its own. A user's password never leaves this process: <see cref="UpsertUserAsync"/>
/// sends only a salt and the salted password, as Kafka's admin client does. The lines for the operator are made here
/// from Kafka's answers.
/// </summary>
public sealed class SecurityAdminClient(ClusterConnection connection)
{
    private readonly AdminClient _admin = new(connection);

    /// <summary>
    /// Creates the user or replaces its credentials: one per mechanism in <paramref name="mechanisms"/>, and those it
    /// had for other mechanisms are deleted, so the old password is gone whichever mechanism a client logs in with.
    /// </summary>
    public async Task<SecurityCommandResult> UpsertUserAsync(string name, string password, IReadOnlyList<string> mechanisms,
        int iterations = ScramCredential.DefaultIterations, CancellationToken ct = default)
    {
        var had = await MechanismsOfAsync(name, ct);
        var upsertions = mechanisms.Select(mechanism =>
        {
            var salt = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
            return new ScramCredentialUpsertion(name, KafkaScramMechanisms.CodeOf(mechanism), iterations, salt, Scram.SaltedPassword(mechanism, password, salt, iterations));
        }).ToList();
        var deletions = (had ?? []).Where(m => !mechanisms.Contains(m)).Select(m => new ScramCredentialDeletion(name, KafkaScramMechanisms.CodeOf(m))).ToList();
        var answer = await AlterAsync(name, new AlterUserScramCredentialsRequestData(deletions, upsertions), ct);
        return answer.ErrorCode != ErrorCode.None
            ? Refused(answer.ErrorCode, answer.ErrorMessage, "alter")
            : new SecurityCommandResult(ErrorCode.None, $"{(had is null ? "Created" : "Updated the credentials of")} user {name} ({string.Join(", ", mechanisms)}).");
    }

    /// <summary>Deletes the user: every credential it has (its ACL rules stay, as Kafka's do).</summary>
    public async Task<SecurityCommandResult> DeleteUserAsync(string name, CancellationToken ct = default)
    {
        var described = await DescribeUsersAsync([name], ct);
        var user = described.Results.FirstOrDefault(u => u.User == name);
        // Refused the look-up, refused the deletion (Alter implies Describe): said as the deletion's refusal.
        if (described.ErrorCode != ErrorCode.None) return Refused(described.ErrorCode, described.ErrorMessage, "alter");
        if (user is null || user.ErrorCode == ErrorCode.ResourceNotFound) return new SecurityCommandResult(ErrorCode.ResourceNotFound, $"user '{name}' does not exist");
        if (user.ErrorCode != ErrorCode.None) return Refused(user.ErrorCode, user.ErrorMessage, "alter");
        var deletions = user.CredentialInfos.Select(c => new ScramCredentialDeletion(name, c.Mechanism)).ToList();
        var answer = await AlterAsync(name, new AlterUserScramCredentialsRequestData(deletions, []), ct);
        return answer.ErrorCode == ErrorCode.None ? new SecurityCommandResult(ErrorCode.None, $"Deleted user {name}.") : Refused(answer.ErrorCode, answer.ErrorMessage, "alter");
    }

    /// <summary>Users' names and mechanisms (the cluster never hands out salts or keys).</summary>
    public async Task<IReadOnlyList<UserSummary>> ListUsersAsync(CancellationToken ct = default)
    {
        var described = await DescribeUsersAsync(null, ct);
        if (described.ErrorCode != ErrorCode.None) throw RefusedCall(described.ErrorCode, described.ErrorMessage, "describe");
        return described.Results.Select(u => new UserSummary(u.User,
            u.CredentialInfos.Select(c => KafkaScramMechanisms.NameOf(c.Mechanism) ?? $"mechanism {c.Mechanism}").Order(StringComparer.Ordinal).ToList())).ToList();
    }

    /// <summary>Adds an allow rule (Kafka's CreateAcls); one that exists is success and changes nothing.</summary>
    public async Task<SecurityCommandResult> AddAclAsync(AclRule rule, CancellationToken ct = default)
    {
        var binding = AclBindings.ToBinding(rule);
        // Kafka's answer is the same for a new rule and an existing one: asked first, for the operator's line.
        var present = await DescribeAclsAsync(binding, ct) is { ErrorCode: ErrorCode.None, Resources.Count: > 0 };
        var answer = (await _admin.KafkaAsync(new CreateAclsRequestData([binding]), CreateAclsResponseData.Read, ct)).Results
            .SingleOrDefault() ?? throw NoResult("CreateAcls");
        return answer.ErrorCode != ErrorCode.None ? Refused(answer.ErrorCode, answer.ErrorMessage, "alter")
            : new SecurityCommandResult(ErrorCode.None, $"{(present ? "ACL already present" : "Added ACL")}: {rule.Describe()}.");
    }

    /// <summary>Removes an allow rule (Kafka's DeleteAcls with a filter that matches only it); RESOURCE_NOT_FOUND when there is none.</summary>
    public async Task<SecurityCommandResult> RemoveAclAsync(AclRule rule, CancellationToken ct = default)
    {
        var answer = (await _admin.KafkaAsync(new DeleteAclsRequestData([AclBindings.ToBinding(rule)]), DeleteAclsResponseData.Read, ct)).FilterResults
            .SingleOrDefault() ?? throw NoResult("DeleteAcls");
        if (answer.ErrorCode != ErrorCode.None) return Refused(answer.ErrorCode, answer.ErrorMessage, "alter");
        if (answer.MatchingAcls is not [var removed, ..]) return new SecurityCommandResult(ErrorCode.ResourceNotFound, $"no such ACL: {rule.Describe()}");
        return removed.ErrorCode == ErrorCode.None
            ? new SecurityCommandResult(ErrorCode.None, $"Removed ACL: {rule.Describe()}.")
            : Refused(removed.ErrorCode, removed.ErrorMessage, "alter");
    }

    /// <summary>The ACL rules of <paramref name="user"/>, or all of them (rules on one resource together, as Kafka lists them).</summary>
    public async Task<IReadOnlyList<AclRule>> ListAclsAsync(string? user = null, CancellationToken ct = default)
    {
        var filter = new AclBinding(KafkaAclCodes.Any, null, KafkaAclCodes.Any, user is null ? null : AclBindings.UserPrincipalPrefix + user, null,
            KafkaAclCodes.Any, KafkaAclCodes.Any);
        var described = await DescribeAclsAsync(filter, ct);
        if (described.ErrorCode != ErrorCode.None) throw RefusedCall(described.ErrorCode, described.ErrorMessage, "describe");
        return described.Resources
            .SelectMany(r => r.Acls.Select(a => AclBindings.ToRule(new AclBinding(r.ResourceType, r.ResourceName, r.PatternType, a.Principal, a.Host, a.Operation, a.PermissionType))))
            .Select(r => r.Rule ?? throw new KafkaException(ErrorCode.UnknownServerError, $"the DescribeAcls answer has an ACL this client cannot show: {r.Refusal}"))
            .ToList();
    }

    /// <summary>The mechanisms user <paramref name="name"/> has a credential for, or null when it does not exist.</summary>
    private async Task<IReadOnlyList<string>?> MechanismsOfAsync(string name, CancellationToken ct)
    {
        DescribeUserScramCredentialsResponseData described;
        try
        {
            described = await DescribeUsersAsync([name], ct);
        }
        catch (KafkaException e) when (e.Error == ErrorCode.SaslAuthenticationFailed)
        {
            // Not logged in, so creating the first user (the only request the brokers take without a login): there is
            // none yet. Anything else the alteration itself is refused with this same error.
            return null;
        }
        // Not allowed to describe users: then not allowed to alter them either, and the alteration says so.
        return described.Results.FirstOrDefault(u => u.User == name) is { ErrorCode: ErrorCode.None } user
            ? user.CredentialInfos.Select(c => KafkaScramMechanisms.NameOf(c.Mechanism)).OfType<string>().ToList()
            : null;
    }

    private Task<DescribeUserScramCredentialsResponseData> DescribeUsersAsync(IReadOnlyList<string>? names, CancellationToken ct) =>
        _admin.KafkaAsync(new DescribeUserScramCredentialsRequestData(names), DescribeUserScramCredentialsResponseData.Read, ct);

    private Task<DescribeAclsResponseData> DescribeAclsAsync(AclBinding filter, CancellationToken ct) =>
        _admin.KafkaAsync(new DescribeAclsRequestData(filter), DescribeAclsResponseData.Read, ct);

    private async Task<AlterUserScramCredentialsResponseData.UserResult> AlterAsync(string name, AlterUserScramCredentialsRequestData request, CancellationToken ct) =>
        (await _admin.KafkaAsync(request, AlterUserScramCredentialsResponseData.Read, ct)).Results.FirstOrDefault(u => u.User == name)
        ?? throw NoResult("AlterUserScramCredentials");

    private static KafkaException NoResult(string api) => new(ErrorCode.UnknownServerError, $"the {api} answer has no result");

    /// <summary>
    /// A refusal in one line: who may not do what for an authorization failure (Kafka's message says only that it
    /// failed), else the brokers' reason when they gave one, else Kafka's name of the error and what it means.
    /// </summary>
    private SecurityCommandResult Refused(ErrorCode error, string? message, string operation) => new(error, error switch
    {
        ErrorCode.ClusterAuthorizationFailed => $"CLUSTER_AUTHORIZATION_FAILED: user '{connection.User ?? Authorizer.Anonymous}' may not {operation} the cluster",
        _ when string.IsNullOrEmpty(message) => $"{Consumer.FetchError.KafkaNameOf(error)}: {error.Describe()}",
        _ => message,
    });

    private KafkaException RefusedCall(ErrorCode error, string? message, string operation) => new(error, Refused(error, message, operation).Message);
}

/// <summary>A user as listed: its name and the SCRAM mechanisms it has a credential for.</summary>
public sealed record UserSummary(string Name, IReadOnlyList<string> Mechanisms);
