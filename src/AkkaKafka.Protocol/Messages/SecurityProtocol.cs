using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Protocol.Messages;

/// <summary>
/// Published by the controller to every BrokerActor on each change of users or ACLs (and periodically, as the
/// metadata). Brokers only: it carries the salted credentials, so it is never part of the ClusterMetadata clients get.
/// </summary>
public sealed record SecurityPublished(SecurityMetadata Security) : IAkkaKafkaMessage;

// ---- users and ACLs (controller) ----
// What the brokers' handlers of Kafka's AlterUserScramCredentials, CreateAcls, DeleteAcls and DescribeAcls ask the
// controller; clients (`akkakafka user`, `akkakafka acl`, Kafka's admin clients) send those Kafka requests instead.

/// <summary>
/// Creates user <see cref="Name"/>, or replaces its credentials. Carries only salted credentials: the password never
/// leaves the client. Answered with a <see cref="SecurityCommandResult"/>.
/// </summary>
public sealed record UpsertUser(string Name, IReadOnlyList<ScramCredential> Credentials) : IControllerCommand, IBrokerInternal;

/// <summary>Deletes a user (its ACL rules stay, as Kafka's do). Answered with a <see cref="SecurityCommandResult"/>.</summary>
public sealed record DeleteUser(string Name) : IControllerCommand, IBrokerInternal;

/// <summary>Adds an allow rule (adding one that exists changes nothing). Answered with a <see cref="SecurityCommandResult"/>.</summary>
public sealed record AddAcl(AclRule Rule) : IControllerCommand, IBrokerInternal;

/// <summary>Removes an allow rule. Answered with a <see cref="SecurityCommandResult"/>.</summary>
public sealed record RemoveAcl(AclRule Rule) : IControllerCommand, IBrokerInternal;

/// <summary>The outcome of a user or ACL command: an error code and one line for the operator.</summary>
public sealed record SecurityCommandResult(ErrorCode Error, string Message) : IAkkaKafkaMessage
{
    public bool IsSuccess => Error == ErrorCode.None;
}

/// <summary>
/// Asks for the ACL rules, of one user or (null) of all, as the controller holds them (a broker's published copy may
/// be a moment behind). Answered with an <see cref="AclList"/>.
/// </summary>
public sealed record ListAcls(string? User = null) : IControllerCommand, IBrokerInternal;

public sealed record AclList(IReadOnlyList<AclRule> Acls) : IAkkaKafkaMessage;
