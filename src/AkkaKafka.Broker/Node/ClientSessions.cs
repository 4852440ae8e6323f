using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.Client;
using Akka.Event;
using AkkaKafka.Broker.Security;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Broker.Node;

/// <summary>
/// The security of a BrokerActor's door, apart from what the requests are: who a sender is (a broker of this cluster,
/// trusted, or a client that came through the receptionist), an Akka client's login (its password against the user's
/// SCRAM credential, answered with a session token) and whether the token of a later request is still good. What a
/// logged-in user may then do is the Kafka listener's authorization, where its frames are served.
/// </summary>
internal sealed class ClientSessions(ActorSystem system, ILoggingAdapter logger)
{
    private readonly SecuritySettings _settings = SecuritySettings.Create(system);
    private readonly FailedLogins _failedLogins = FailedLoginsExtension.For(system);
    private ActorPath? _receptionist;

    /// <summary>The users and ACLs the controller published, kept where the Kafka listener reads them without asking.</summary>
    public SecurityMetadataHolder Security { get; } = SecurityMetadataHolder.For(system);

    /// <summary>Whether an Akka client must log in: security on, and Akka clients not trusted as they are.</summary>
    public bool LoginRequired => _settings.Enabled && _settings.AkkaClientAuthentication;

    public IReadOnlySet<string> SuperUsers => _settings.SuperUsers;

    /// <summary>
    /// Checks an Akka client's password against the user's salted SCRAM credential (PBKDF2: off the actor's thread,
    /// on an immutable copy of the users) and answers a session token, or SASL_AUTHENTICATION_FAILED. With security
    /// off there is nothing to check: an empty token, and the client sends its requests as they are.
    /// </summary>
    public Task<Authenticated> LoginAsync(Authenticate request, IActorRef client)
    {
        if (!LoginRequired) return Task.FromResult(new Authenticated(ErrorCode.None, "Akka clients need no login on this cluster", ""));
        var security = Security.Current;
        var logins = _failedLogins;
        var address = ClientAddressOf(client)?.Host ?? "unknown";
        return Task.Run(async () =>
        {
            if (security.User(request.User)?.Credentials.FirstOrDefault(c => c.Verifies(request.Password)) is { } credential)
            {
                logins.Succeeded(request.User, address);
                return new Authenticated(ErrorCode.None, $"authenticated as {request.User}", SessionTokens.Issue(request.User, credential));
            }
            // Slowed down as the Kafka listener's SASL failures are (the same count): the answer waits, no thread does.
            var (delay, warning) = logins.Failed(request.User, address, DateTime.UtcNow);
            if (warning is not null) logger.Warning("Akka client login: {0}", warning);
            if (delay > TimeSpan.Zero) await Task.Delay(delay);
            return new Authenticated(ErrorCode.SaslAuthenticationFailed, $"SASL_AUTHENTICATION_FAILED: authentication failed for user '{request.User}': unknown user or wrong password", "");
        });
    }

    /// <summary>Whether the session token is one a broker issued for the user's current credentials.</summary>
    public bool IsValid(AsUser session) => SessionTokens.Verify(Security.Current, session.User, session.Token);

    /// <summary>"host:port" of an Akka client's ActorSystem, as the transaction log and the Kafka listener name a client.</summary>
    public static string EndpointOf(IActorRef client) =>
        ClientAddressOf(client) is { Host: { } host } address ? address.Port is { } port ? $"{host}:{port}" : host : "unknown";

    /// <summary>
    /// Where an Akka client connects from: ClusterClient's requests come through a response tunnel named after the
    /// client's own actor path (escaped), which holds its remoting address; a remote sender has it itself.
    /// </summary>
    private static Address? ClientAddressOf(IActorRef client)
    {
        if (client.Path.Address.Host is not null) return client.Path.Address;
        return ActorPath.TryParse(Uri.UnescapeDataString(client.Path.Name), out var path) ? path.Address : null;
    }

    /// <summary>An actor of a broker's ActorSystem (this one's or another's) that did not come through the receptionist.</summary>
    public bool FromBroker(IActorRef sender)
    {
        if (sender.IsNobody() || sender.Equals(system.DeadLetters)) return false;
        _receptionist ??= ClusterClientReceptionist.Get(system).Underlying.Path;
        return sender.Path.Address.System == Names.BrokerSystem && !sender.Path.Parent.Equals(_receptionist);
    }

    /// <summary>
    /// A broker of this cluster: this node's own actors, or an actor on another member (the controller publishes from
    /// wherever its singleton runs). A client's ActorSystem is never a member, and its messages come through the
    /// receptionist.
    /// </summary>
    public bool FromClusterBroker(IActorRef sender)
    {
        if (!FromBroker(sender)) return false;
        var address = sender.Path.Address;
        if (!address.HasGlobalScope) return true;
        var cluster = Cluster.Get(system);
        return address.Equals(cluster.SelfAddress) || cluster.State.Members.Any(m => m.Address.Equals(address) && m.HasRole(Names.BrokerRole));
    }
}
