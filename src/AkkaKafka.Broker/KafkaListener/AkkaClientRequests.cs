using Akka.Actor;
using Akka.Cluster;
using AkkaKafka.Broker.Hosting;
using AkkaKafka.Broker.Http;
using AkkaKafka.Broker.Security;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// The Akka transport of the Kafka API: the <see cref="KafkaRequestFrame"/>s Akka clients send to a BrokerActor are
/// decoded as the Kafka listener decodes its frames and served by the same <see cref="KafkaRequestDispatcher"/>
/// (handlers, authorization, metering), so every Kafka API this broker implements is there for Akka clients too,
/// written once. What differs is only the transport's own: Akka clients log in with <see cref="Authenticate"/>, not
/// Kafka's SASL exchange, and an unreadable request is answered with a <see cref="RequestRefused"/> (there is no
/// connection to close).
/// </summary>
public sealed class AkkaClientRequests(KafkaRequestDispatcher dispatcher)
{
    /// <summary>
    /// The dispatcher of the broker node whose BrokerActor is <paramref name="broker"/>: one construction for both
    /// transports, so they cannot differ in settings, metrics or security.
    /// </summary>
    public static KafkaRequestDispatcher DispatcherFor(ActorSystem system, IActorRef broker, BrokerSettings settings)
    {
        var node = new KafkaNode(new BrokerGateway(broker, settings.RequestTimeout), settings, KafkaListenerSettings.Create(system),
            BrokerIds.Of(Cluster.Get(system).SelfAddress));
        var security = new KafkaListenerSecurity(SecuritySettings.Create(system), SecurityMetadataHolder.For(system), FailedLoginsExtension.For(system));
        return new KafkaRequestDispatcher(node, BrokerMetrics.For(system), security);
    }

    /// <summary>
    /// Serves one request of an Akka client as <paramref name="user"/> (already authenticated by its session token), or
    /// (null) of a client that has not logged in while client authentication is on, which may only create the first
    /// user (<see cref="UnauthenticatedClients"/>). Returns the <see cref="KafkaResponseFrame"/>, a
    /// <see cref="RequestRefused"/>, or null when Kafka answers nothing (acks=0 produce).
    /// </summary>
    public async Task<IAkkaKafkaMessage?> ServeAsync(KafkaRequestFrame frame, string clientAddress, string? user, bool authorize)
    {
        var reader = new KafkaReader(frame.Bytes);
        if (KafkaRequestDecoder.ReadHeader(ref reader, out var header, out var problem) != KafkaRequestDecoder.Outcome.Read)
            return new RequestRefused(ErrorCode.CorruptMessage, $"CORRUPT_MESSAGE: {problem}");
        if (!KafkaRequestDecoder.IsSupported(header))
            return new KafkaResponseFrame(KafkaFrames.UnsupportedVersion(header, withSize: false));
        if (KafkaRequestDecoder.ReadBody(header, ref reader, out var request, out problem) != KafkaRequestDecoder.Outcome.Read)
            return new RequestRefused(ErrorCode.CorruptMessage, $"CORRUPT_MESSAGE: {problem}");
        if (request is SaslHandshakeRequestData or SaslAuthenticateRequestData)
            return new RequestRefused(ErrorCode.IllegalSaslState,
                "ILLEGAL_SASL_STATE: Akka clients log in with their session (--username), not with Kafka's SASL exchange");
        if (user is null)
        {
            var security = dispatcher.Security!;
            if (UnauthenticatedClients.Refusal(security.Settings.SuperUsers, security.Current, request) is { } refusal)
                return new RequestRefused(refusal.Error, refusal.Message);
            // The first superuser: with no user yet, no ACL names anybody, so the rule above is the whole authorization.
            (user, authorize) = (Authorizer.Anonymous, false);
        }
        IKafkaResponse? response;
        try
        {
            response = await dispatcher.HandleAsync(new KafkaRequestContext(header, clientAddress, user, BrokerMetrics.AkkaListener, authorize), request);
        }
        catch (BrokerNotReadyException e)
        {
            return new RequestRefused(ErrorCode.LeaderNotAvailable, $"LEADER_NOT_AVAILABLE: {e.Message}; retry");
        }
        return response is null ? null : new KafkaResponseFrame(KafkaFrames.Response(header, response, withSize: false));
    }
}
