using Akka.Actor;
using AkkaKafka.Broker.Controller;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Security;
using static AkkaKafka.Protocol.Kafka.Apis.AlterUserScramCredentialsRequestData;
using DescribedUser = AkkaKafka.Protocol.Kafka.Apis.DescribeUserScramCredentialsResponseData.UserResult;
using AlteredUser = AkkaKafka.Protocol.Kafka.Apis.AlterUserScramCredentialsResponseData.UserResult;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// Kafka DescribeUserScramCredentials and AlterUserScramCredentials over the controller's user commands (UpsertUser,
/// DeleteUser). Ours keeps a user as its set of credentials, replaced whole: an alteration of one mechanism is merged
/// with the user's other credentials as this broker holds them (the controller publishes every change to every broker),
/// and a user whose last credential is deleted is deleted. Describe reads the same published copy: the controller's
/// list of users carries mechanisms but not iterations.
/// </summary>
internal static class ScramCredentialsHandler
{
    public static DescribeUserScramCredentialsResponseData Describe(SecurityMetadata security, DescribeUserScramCredentialsRequestData request)
    {
        if (request.Users is not { Count: > 0 } names)
            return new DescribeUserScramCredentialsResponseData(ErrorCode.None, null, security.Users.Select(Described).ToList());
        var duplicates = names.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        var results = names.Distinct().Select(name =>
            duplicates.Contains(name)
                ? new DescribedUser(name, ErrorCode.DuplicateResource, $"Cannot describe SCRAM credentials for the same user twice in a single request: {name}", [])
                : security.User(name) is { } user
                    ? Described(user)
                    : new DescribedUser(name, ErrorCode.ResourceNotFound, $"Attempt to describe a user credential that does not exist: {name}", []))
            .ToList();
        return new DescribeUserScramCredentialsResponseData(ErrorCode.None, null, results);
    }

    public static async Task<AlterUserScramCredentialsResponseData> AlterAsync(KafkaNode node, SecurityMetadata security, AlterUserScramCredentialsRequestData request)
    {
        var users = request.Deletions.Select(d => d.Name).Concat(request.Upsertions.Select(u => u.Name)).Distinct().ToList();
        var results = new List<AlteredUser>();
        foreach (var name in users)
        {
            var deletions = request.Deletions.Where(d => d.Name == name).ToList();
            var upsertions = request.Upsertions.Where(u => u.Name == name).ToList();
            if (Refusal(security.User(name), deletions, upsertions) is { } refusal)
            {
                results.Add(new AlteredUser(name, refusal.Error, refusal.Message));
                continue;
            }
            var deleted = deletions.Select(d => KafkaScramMechanisms.NameOf(d.Mechanism)).Concat(upsertions.Select(u => KafkaScramMechanisms.NameOf(u.Mechanism))).ToHashSet();
            var kept = security.User(name)?.Credentials.Where(c => !deleted.Contains(c.Mechanism)) ?? [];
            var credentials = kept.Concat(upsertions.Select(u => ScramCredential.FromSaltedPassword(KafkaScramMechanisms.NameOf(u.Mechanism)!,
                u.Salt.ToArray(), u.Iterations, u.SaltedPassword.ToArray()))).ToList();
            IControllerCommand command = credentials.Count == 0 ? new DeleteUser(name) : new UpsertUser(name, credentials);
            var outcome = await AskAsync(node, command);
            results.Add(new AlteredUser(name, outcome.Error, outcome.IsSuccess ? null : outcome.Message));
        }
        return new AlterUserScramCredentialsResponseData(results);
    }

    private static DescribedUser Described(UserCredentials user) =>
        new(user.Name, ErrorCode.None, null, user.Credentials.Select(c => new DescribeUserScramCredentialsResponseData.CredentialInfo(
            KafkaScramMechanisms.CodeOf(c.Mechanism), c.Iterations)).ToList());

    /// <summary>Kafka's checks of one user's alterations, with Kafka's codes; null when they may be sent to the controller.</summary>
    private static (ErrorCode Error, string Message)? Refusal(UserCredentials? current, IReadOnlyList<ScramCredentialDeletion> deletions,
        IReadOnlyList<ScramCredentialUpsertion> upsertions)
    {
        var mechanisms = deletions.Select(d => d.Mechanism).Concat(upsertions.Select(u => u.Mechanism)).ToList();
        if (mechanisms.Any(m => KafkaScramMechanisms.NameOf(m) is null)) return (ErrorCode.UnsupportedSaslMechanism, "Unknown SCRAM mechanism");
        if (mechanisms.Distinct().Count() != mechanisms.Count) return (ErrorCode.DuplicateResource, "A user credential cannot be altered twice in the same request");
        foreach (var d in deletions)
            if (current?.For(KafkaScramMechanisms.NameOf(d.Mechanism)!) is null)
                return (ErrorCode.ResourceNotFound, "Attempt to delete a user credential that does not exist");
        foreach (var u in upsertions)
        {
            if (u.Iterations < ScramCredential.DefaultIterations) return (ErrorCode.UnacceptableCredential, "Too few iterations");
            if (u.Iterations > SecurityState.MaxIterations) return (ErrorCode.UnacceptableCredential, "Too many iterations");
            var length = u.Mechanism == KafkaScramMechanisms.ScramSha256 ? 32 : 64;
            if (u.Salt.Length == 0 || u.SaltedPassword.Length != length)
                return (ErrorCode.UnacceptableCredential, $"A {KafkaScramMechanisms.NameOf(u.Mechanism)} salted password is {length} bytes, with a salt");
        }
        return null;
    }

    private static async Task<SecurityCommandResult> AskAsync(KafkaNode node, IControllerCommand command)
    {
        try
        {
            return await node.Broker.Ask<SecurityCommandResult>(command);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or TimeoutException)
        {
            return new SecurityCommandResult(ErrorCode.RequestTimedOut, $"the controller did not answer within {node.Broker.RequestTimeout.TotalSeconds:0} s");
        }
    }
}
