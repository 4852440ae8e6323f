using System.Security.Cryptography;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Broker.Controller;

/// <summary>
/// The users and ACL rules the controller keeps (part of <see cref="ControllerState"/>): changed only by events
/// through <see cref="Apply"/>; checks of commands and the published form are plain methods.
/// </summary>
public sealed class SecurityState
{
    /// <summary>Longest user name accepted (Kafka has no limit; this keeps a name on one line of `user list`).</summary>
    public const int MaxUserNameLength = 255;

    /// <summary>
    /// Kafka's bounds for SCRAM iterations are 4096 to 16384: fewer make a stolen credential cheap to attack, more
    /// make every login (PBKDF2 on the broker for PLAIN) an easy way to load the broker.
    /// </summary>
    public const int MaxIterations = 16384;

    private readonly SortedDictionary<string, UserCredentials> _users = new(StringComparer.Ordinal);
    /// <summary>In the order they were added, so `acl list` shows them that way; no duplicates.</summary>
    private readonly List<AclRule> _acls = [];

    public IReadOnlyCollection<UserCredentials> Users => _users.Values;
    public IReadOnlyList<AclRule> Acls => _acls;

    /// <summary>Applies a user or ACL event; false for any other event.</summary>
    public bool Apply(IControllerEvent e)
    {
        switch (e)
        {
            case UserCredentialsSet set:
                _users[set.Name] = new UserCredentials(set.Name, set.Credentials);
                return true;
            case UserDeleted deleted:
                _users.Remove(deleted.Name);
                return true;
            case AclAdded added:
                if (!_acls.Contains(added.Rule)) _acls.Add(added.Rule);
                return true;
            case AclRemoved removed:
                _acls.Remove(removed.Rule);
                return true;
            default:
                return false;
        }
    }

    public void Restore(IReadOnlyList<UserCredentials> users, IReadOnlyList<AclRule> acls)
    {
        _users.Clear();
        foreach (var u in users) _users[u.Name] = u;
        _acls.Clear();
        foreach (var a in acls) Apply(new AclAdded(a));
    }

    /// <summary>The published form under <paramref name="version"/>.</summary>
    public SecurityMetadata ToMetadata(long version) => new(version, _users.Values.ToList(), _acls.ToList());

    /// <summary>A user name that SCRAM and Kafka tools can carry, with a one-line reason when it cannot be one.</summary>
    public static string? ValidateUserName(string name)
    {
        if (string.IsNullOrWhiteSpace(name)) return "user name is empty";
        if (name.Length > MaxUserNameLength) return $"user name is longer than {MaxUserNameLength} characters";
        if (name == Authorizer.Wildcard) return "user name '*' is reserved (it means every user in an ACL rule)";
        foreach (var ch in name)
            if (char.IsControl(ch) || char.IsWhiteSpace(ch) || ch is ',' or '=')
                return $"user name '{name}' has '{(char.IsControl(ch) ? $"\\u{(int)ch:x4}" : ch.ToString())}'; spaces, control characters, ',' and '=' are not allowed";
        return null;
    }

    /// <summary>Checks a user's credentials; null when they may be stored.</summary>
    public static SecurityCommandResult? RejectUpsert(UpsertUser upsert)
    {
        if (ValidateUserName(upsert.Name) is { } reason) return new SecurityCommandResult(ErrorCode.InvalidRequest, reason);
        if (upsert.Credentials.Count == 0) return new SecurityCommandResult(ErrorCode.UnacceptableCredential, "no credential given");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in upsert.Credentials)
        {
            if (!SaslMechanisms.Scram.Contains(c.Mechanism))
                return new SecurityCommandResult(ErrorCode.UnacceptableCredential, $"'{c.Mechanism}' is not a SCRAM mechanism ({string.Join(", ", SaslMechanisms.Scram)})");
            if (!seen.Add(c.Mechanism))
                return new SecurityCommandResult(ErrorCode.UnacceptableCredential, $"two credentials for {c.Mechanism}");
            if (c.Iterations is < ScramCredential.DefaultIterations or > MaxIterations)
                return new SecurityCommandResult(ErrorCode.UnacceptableCredential,
                    $"{c.Mechanism} iterations must be between {ScramCredential.DefaultIterations} and {MaxIterations}, got {c.Iterations}");
            var keyLength = Scram.HashOf(c.Mechanism) == HashAlgorithmName.SHA256 ? 32 : 64;
            if (c.Salt.Length == 0 || c.StoredKey.Length != keyLength || c.ServerKey.Length != keyLength)
                return new SecurityCommandResult(ErrorCode.UnacceptableCredential, $"{c.Mechanism} credential is malformed (salt or key lengths)");
        }
        return null;
    }

    public SecurityCommandResult? RejectDelete(DeleteUser delete) =>
        _users.ContainsKey(delete.Name) ? null : new SecurityCommandResult(ErrorCode.ResourceNotFound, $"user '{delete.Name}' does not exist");

    public bool HasUser(string name) => _users.ContainsKey(name);

    public bool HasAcl(AclRule rule) => _acls.Contains(rule);

    /// <summary>Checks a rule to add: a user (a name or "*"), and a resource named as Kafka names them; null when it may be stored.</summary>
    public static SecurityCommandResult? RejectAcl(AclRule rule)
    {
        if (rule.User != Authorizer.Wildcard && ValidateUserName(rule.User) is { } reason) return new SecurityCommandResult(ErrorCode.InvalidRequest, reason);
        if (!Enum.IsDefined(rule.ResourceType) || !Enum.IsDefined(rule.Operation))
            return new SecurityCommandResult(ErrorCode.InvalidRequest, "unknown resource type or operation");
        if (string.IsNullOrEmpty(rule.ResourceName)) return new SecurityCommandResult(ErrorCode.InvalidRequest, "resource name is empty");
        if (rule.ResourceType == AclResourceType.Cluster && rule.ResourceName != Authorizer.ClusterResourceName)
            return new SecurityCommandResult(ErrorCode.InvalidRequest, $"the cluster resource is named '{Authorizer.ClusterResourceName}'");
        if (rule.ResourceType == AclResourceType.Topic && rule.ResourceName != Authorizer.Wildcard)
        {
            // A prefix rule names the topics that start with it: its prefix must be a valid start of a topic name.
            var name = rule.ResourceName.EndsWith('*') ? rule.ResourceName[..^1] : rule.ResourceName;
            if (ControllerState.ValidateTopicName(name) is { } topicReason) return new SecurityCommandResult(ErrorCode.InvalidRequest, topicReason);
        }
        return null;
    }

    public SecurityCommandResult? RejectRemove(RemoveAcl remove) =>
        _acls.Contains(remove.Rule) ? null : new SecurityCommandResult(ErrorCode.ResourceNotFound, $"no such ACL: {remove.Rule.Describe()}");

    public AclList ListAcls(string? user) => new(_acls.Where(a => user is null || a.User == user).ToList());
}
