using Akka.Actor;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Broker.Security;

/// <summary>
/// This broker's newest copy of the users and ACLs the controller published, for code outside actors (the Kafka
/// listener's SASL and authorization) that must not ask an actor on every request.
/// </summary>
public interface ISecurityMetadataSource
{
    SecurityMetadata Current { get; }
}

/// <summary>
/// The node's holder of its newest <see cref="SecurityMetadata"/>: the BrokerActor is its only writer, everything else
/// reads. A volatile reference to an immutable value, so readers on any thread see a whole publication and never
/// wait (no lock). Reach it with <see cref="For"/>.
/// </summary>
public sealed class SecurityMetadataHolder : ISecurityMetadataSource, IExtension
{
    private volatile SecurityMetadata _current = SecurityMetadata.Empty;

    public static SecurityMetadataHolder For(ActorSystem system) => system.WithExtension<SecurityMetadataHolder, SecurityMetadataHolderProvider>();

    public SecurityMetadata Current => _current;

    /// <summary>
    /// Takes <paramref name="published"/> if it is newer than what is held (a higher version wins; an older one, from
    /// a lost-and-found or stale publication, is ignored). Single writer, so no compare-and-swap is needed.
    /// </summary>
    public bool Offer(SecurityMetadata published)
    {
        if (published.Version <= _current.Version) return false;
        _current = published;
        return true;
    }
}

public sealed class SecurityMetadataHolderProvider : ExtensionIdProvider<SecurityMetadataHolder>
{
    public override SecurityMetadataHolder CreateExtension(ExtendedActorSystem system) => new();
}

/// <summary>
/// Asks a BrokerActor (in-process only: the answer holds credentials, and it has no wire format on purpose, so no
/// client can ask for it) for its newest <see cref="SecurityMetadata"/>.
/// </summary>
public sealed class GetSecurityMetadata
{
    public static readonly GetSecurityMetadata Instance = new();
    private GetSecurityMetadata() { }
}
