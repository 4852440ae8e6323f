using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Protocol.Messages;

/// <summary>
/// Published by the controller to every BrokerActor on each change of users or ACLs (and periodically, as the
/// metadata). Brokers only: it carries the salted credentials, so it is never part of the ClusterMetadata clients get.
/// </summary>
public sealed record SecurityPublished(SecurityMetadata Security) : IAkkaKafkaMessage;

// ---- users and ACLs (controller): `akkakafka user` and `akkakafka acl` ----

/// <summary>
/// Creates user <see cref="Name"/>, or replaces its credentials. Carries only the salted credentials the client
/// derived (<see cref="ScramCredential.Create"/>), one per SCRAM mechanism: the password never leaves the client.
/// Answered with a <see cref="SecurityCommandResult"/>.
/// </summary>
public sealed record UpsertUser(string Name, IReadOnlyList<ScramCredential> Credentials) : IControllerCommand;

/// <summary>Deletes a user (its ACL rules stay, as Kafka's do). Answered with a <see cref="SecurityCommandResult"/>.</summary>
public sealed record DeleteUser(string Name) : IControllerCommand;

/// <summary>Adds an allow rule (adding one that exists changes nothing). Answered with a <see cref="SecurityCommandResult"/>.</summary>
public sealed record AddAcl(AclRule Rule) : IControllerCommand;

/// <summary>Removes an allow rule. Answered with a <see cref="SecurityCommandResult"/>.</summary>
public sealed record RemoveAcl(AclRule Rule) : IControllerCommand;

/// <summary>The outcome of a user or ACL command: an error code and one line for the operator.</summary>
public sealed record SecurityCommandResult(ErrorCode Error, string Message) : IAkkaKafkaMessage
{
    public bool IsSuccess => Error == ErrorCode.None;
}

/// <summary>Asks for the users: names and mechanisms only (never salts or keys). Answered with a <see cref="UserList"/>.</summary>
public sealed class ListUsers : IControllerCommand
{
    public static readonly ListUsers Instance = new();
    private ListUsers() { }
}

/// <summary>A user as listed: its name and the SCRAM mechanisms it has a credential for.</summary>
public sealed record UserSummary(string Name, IReadOnlyList<string> Mechanisms);

public sealed record UserList(IReadOnlyList<UserSummary> Users) : IAkkaKafkaMessage;

/// <summary>Asks for the ACL rules, of one user or (null) of all. Answered with an <see cref="AclList"/>.</summary>
public sealed record ListAcls(string? User = null) : IControllerCommand;

public sealed record AclList(IReadOnlyList<AclRule> Acls) : IAkkaKafkaMessage;
