using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Broker.Controller;

/// <summary>User <see cref="Name"/> exists from now on with these salted credentials (replacing any it had).</summary>
public sealed record UserCredentialsSet(string Name, IReadOnlyList<ScramCredential> Credentials) : IControllerEvent;

/// <summary>User <see cref="Name"/> no longer exists (its ACL rules stay, as Kafka's do).</summary>
public sealed record UserDeleted(string Name) : IControllerEvent;

public sealed record AclAdded(AclRule Rule) : IControllerEvent;

public sealed record AclRemoved(AclRule Rule) : IControllerEvent;
