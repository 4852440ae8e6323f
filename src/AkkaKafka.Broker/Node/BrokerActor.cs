using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using AkkaKafka.Broker.Controller;
using AkkaKafka.Broker.Http;
using AkkaKafka.Broker.KafkaListener;
using AkkaKafka.Broker.Security;
using AkkaKafka.Broker.Topic;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Broker.Node;

/// <summary>
/// The entry point of a broker node (/user/broker), registered with the ClusterClientReceptionist so clients can
/// reach it. A thin shell over three parts, each in its own file: the metadata cache and the TopicActors
/// (<see cref="BrokerTopics"/>), the routing of partition requests and controller commands (<see cref="RequestRouting"/>),
/// and who may knock (<see cref="ClientSessions"/>: brokers, and Akka clients with their login and session). An Akka client's Kafka
/// request (<see cref="KafkaRequestFrame"/>) is served by the Kafka listener's own dispatcher (<see cref="AkkaClientRequests"/>).
/// </summary>
public sealed class BrokerActor : UntypedActor, IWithTimers
{
    private const string MetadataPollTimer = "metadata-poll";
    private readonly IActorRef _controller;
    private readonly IActorRef _groupCoordinator;
    private readonly IActorRef _transactionCoordinator;
    private readonly BrokerSettings _settings;
    private readonly string _self;
    private readonly ILoggingAdapter _logger = Context.GetLogger();
    private readonly BrokerTopics _topics;
    private readonly RequestRouting _routing;
    private readonly ClientSessions _sessions;
    /// <summary>The Kafka API for Akka clients: their <see cref="KafkaRequestFrame"/>s, served by the Kafka listener's handlers.</summary>
    private AkkaClientRequests? _kafkaRequests;
    /// <summary>Whether the message being handled came wrapped in an <see cref="AsUser"/> that was authorized (so it is not refused as unauthenticated).</summary>
    private bool _handlingAsUser;

    public BrokerActor(IActorRef controllerProxy, IActorRef groupCoordinatorProxy, IActorRef transactionCoordinatorProxy, BrokerSettings settings)
    {
        _transactionCoordinator = transactionCoordinatorProxy;
        _controller = controllerProxy;
        _groupCoordinator = groupCoordinatorProxy;
        _settings = settings;
        _self = BrokerIds.Of(Cluster.Get(Context.System).SelfAddress);
        _topics = new BrokerTopics(Context, settings, _self, _logger);
        _routing = new RequestRouting(Context.System, controllerProxy, settings, _self, _topics);
        _sessions = new ClientSessions(Context.System, _logger);
    }

    public static Props Props(IActorRef controllerProxy, IActorRef groupCoordinatorProxy, IActorRef transactionCoordinatorProxy, BrokerSettings settings) =>
        Akka.Actor.Props.Create(() => new BrokerActor(controllerProxy, groupCoordinatorProxy, transactionCoordinatorProxy, settings));

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        _kafkaRequests = new AkkaClientRequests(AkkaClientRequests.DispatcherFor(Context.System, Self, _settings));
        // The controller pushes metadata to every broker; until the first push arrives, ask for it.
        Timers.StartPeriodicTimer(MetadataPollTimer, PollMetadata.Instance, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.MemberDowned), typeof(ClusterEvent.MemberRemoved));
    }

    protected override void PostStop()
    {
        Cluster.Get(Context.System).Unsubscribe(Self);
        _routing.CancelAll();
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Authenticate authenticate:
                _sessions.LoginAsync(authenticate, Sender).PipeTo(Sender);
                break;
            case AsUser asUser:
                HandleAs(asUser);
                break;
            case IBrokerInternal command when !_sessions.FromBroker(Sender):
                _logger.Warning("Refused {0} from {1}: only brokers send it", command.GetType().Name, Sender.Path);
                Refuse(command, ErrorCode.ClusterAuthorizationFailed, AkkaRequestAuthorization.NoRule(command.GetType()).Message);
                break;
            // Without a session while client authentication is on: refused where it is decoded, unless it creates the first user.
            case KafkaRequestFrame frame when _sessions.LoginRequired && !_sessions.FromClusterBroker(Sender):
                ServeKafkaFrame(frame, user: null, authorize: true);
                break;
            case IAkkaKafkaMessage request when RefusedUnauthenticated(request):
                break;
            // Only from a cluster that trusts its Akka clients (or from a broker): with client authentication on, a frame
            // comes inside an AsUser (HandleAs), and one that does not is refused above.
            case KafkaRequestFrame frame:
                ServeKafkaFrame(frame, Authorizer.Anonymous, authorize: false);
                break;
            case IPartitionRequest request:
                _routing.Route(request, forwarded: false, Sender);
                break;
            // The handlers of Kafka's Produce, Fetch and ListOffsets (either transport) ask the owner this way.
            case ForwardedRequest forwarded:
                _routing.Route(forwarded.Request, forwarded: true, Sender);
                break;
            case IControllerCommand command:
                _routing.ToController(command, Sender);
                break;
            case IGroupCommand command:
                _groupCoordinator.Forward(command);
                break;
            case ITransactionCommand command:
                _transactionCoordinator.Forward(command);
                break;
            case ListTransactions list:
                _transactionCoordinator.Forward(list);
                break;
            case MetadataPublished published:
                _topics.Update(published.Metadata);
                break;
            case MetadataResponse response:
                _topics.Update(response.Metadata);
                break;
            case GetCachedMetadata:
                Sender.Tell(_topics.Metadata);
                break;
            case SecurityPublished published when _sessions.FromClusterBroker(Sender):
                if (_sessions.Security.Offer(published.Security))
                    _logger.Info("Security metadata version {0}: {1} users, {2} ACL rules", published.Security.Version,
                        published.Security.Users.Count, published.Security.Acls.Count);
                break;
            case SecurityPublished:
                // Users and ACLs come from the controller only: an Akka client must not replace them.
                _logger.Warning("Ignored security metadata sent by {0}, which is not a broker", Sender.Path);
                break;
            case GetSecurityMetadata:
                Sender.Tell(_sessions.Security.Current);
                break;
            case PollMetadata:
                if (_topics.Metadata.Version == 0) _controller.Tell(new GetMetadata());
                else Timers.Cancel(MetadataPollTimer);
                break;
            case ClusterEvent.UnreachableMember unreachable:
                _routing.FailForwardedTo(unreachable.Member.Address);
                break;
            case ClusterEvent.MemberDowned downed:
                _routing.FailForwardedTo(downed.Member.Address);
                break;
            case ClusterEvent.MemberRemoved removed:
                _routing.FailForwardedTo(removed.Member.Address);
                break;
            case ClusterEvent.IClusterDomainEvent:
            case Terminated:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>
    /// A request made as a user: with security on, its session token must be one a broker issued for that user's
    /// current credentials and the ACLs must allow the request (<see cref="AkkaRequestAuthorization"/>: Kafka's
    /// operations for its kind, the Kafka listener's rules, and nothing for a message without a rule); then it is
    /// handled exactly as an unwrapped one. A refusal is answered in the request's own reply type where it has one. An
    /// answer that shows more than the user may see (topics, groups) goes round through an ask and is filtered first.
    /// </summary>
    private void HandleAs(AsUser request)
    {
        var inner = request.Request;
        if (_sessions.LoginRequired)
        {
            if (!_sessions.IsValid(request))
            {
                Refuse(inner, ErrorCode.SaslAuthenticationFailed,
                    $"SASL_AUTHENTICATION_FAILED: the session of user '{request.User}' is not valid (the user was deleted or its password changed): authenticate again");
                return;
            }
            if (inner is KafkaRequestFrame frame)
            {
                // A Kafka request: authorized by the Kafka listener's rules, as this user, where it is served.
                ServeKafkaFrame(frame, request.User, authorize: true);
                return;
            }
            var access = new UserAccess(_sessions.Security.Current, _sessions.SuperUsers, request.User);
            if (AkkaRequestAuthorization.Refusal(access, inner) is { } refusal)
            {
                _logger.Info("Refused {0} of user {1}: {2}", inner.GetType().Name, request.User, refusal.Message);
                Refuse(inner, refusal.Error, refusal.Message);
                return;
            }
            if (AkkaRequestAuthorization.AnswerFilter(access, inner) is { } filter)
            {
                var replyTo = Sender;
                // Asked of this actor from a temporary ref of this system: trusted as a broker's own request, and its
                // answer comes back here to be filtered. One that never comes is left to the client's own timeout.
                Self.Ask<object>(inner, _settings.RequestTimeout * 2)
                    .ContinueWith(t =>
                    {
                        if (t.IsCompletedSuccessfully) replyTo.Tell(filter(t.Result));
                    }, TaskContinuationOptions.ExecuteSynchronously);
                return;
            }
        }
        _handlingAsUser = true;
        try
        {
            OnReceive(inner);
        }
        finally
        {
            _handlingAsUser = false;
        }
    }

    /// <summary>
    /// Serves a Kafka request of an Akka client with the Kafka listener's dispatcher, off this actor (its handlers ask
    /// this actor again, as the listener's do), and sends the answer back; none for an acks=0 produce. A null
    /// <paramref name="user"/> is a client that has not logged in (see <see cref="UnauthenticatedClients"/>).
    /// </summary>
    private void ServeKafkaFrame(KafkaRequestFrame frame, string? user, bool authorize)
    {
        var replyTo = Sender;
        var logger = _logger;
        _kafkaRequests!.ServeAsync(frame, ClientSessions.EndpointOf(Sender), user, authorize).ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully)
            {
                if (t.Result is { } answer) replyTo.Tell(answer);
                // Kafka answers an acks=0 produce with nothing; the transport's receipt lets the producer send the next.
                else if (!replyTo.IsNobody()) replyTo.Tell(KafkaFrameAccepted.Instance);
                return;
            }
            // Handlers turn every expected failure into an error code: this is a bug, worth a line and an answer.
            var error = t.Exception?.GetBaseException();
            logger.Warning("Kafka request of an Akka client failed: {0}: {1}", error?.GetType().Name, error?.Message);
            replyTo.Tell(new RequestRefused(ErrorCode.UnknownServerError, $"UNKNOWN_SERVER_ERROR: {error?.Message}"));
        }, TaskContinuationOptions.ExecuteSynchronously);
    }

    /// <summary>
    /// With security on, a request from an Akka client must come as <see cref="AsUser"/>; brokers (this node's own
    /// actors, the Kafka listener and HTTP, which check their own users, and other members) are trusted. The one
    /// exception, the first user, is a Kafka request (AlterUserScramCredentials) and is judged where frames are served.
    /// </summary>
    private bool RefusedUnauthenticated(IAkkaKafkaMessage request)
    {
        if (!_sessions.LoginRequired || _handlingAsUser || request is not (IBrokerCommand or ForwardedRequest)) return false;
        if (_sessions.FromClusterBroker(Sender)) return false;
        Refuse(request, ErrorCode.SaslAuthenticationFailed, UnauthenticatedClients.NotLoggedIn);
        return true;
    }

    private void Refuse(IAkkaKafkaMessage request, ErrorCode error, string message) => Sender.Tell(RefusalOf(request, error, message));

    /// <summary>A refusal in the request's own reply type where it has one (a client reads its error from there).</summary>
    internal static object RefusalOf(IAkkaKafkaMessage request, ErrorCode error, string message) => request switch
    {
        ForwardedRequest forwarded => ErrorReplies.For(forwarded.Request, error, message),
        IPartitionRequest partition => ErrorReplies.For(partition, error, message),
        CreateTopic m => new TopicCommandResult(m.Topic, error, message),
        DeleteTopic m => new TopicCommandResult(m.Topic, error, message),
        CreateInternalTopic m => new TopicCommandResult(m.Topic, error, message),
        AddPartitions m => new TopicCommandResult(m.Topic, error, message),
        AlterTopicConfigs m => new TopicCommandResult(m.Topic, error, message),
        UpsertUser or DeleteUser or AddAcl or RemoveAcl => new SecurityCommandResult(error, message),
        _ => new RequestRefused(error, message),
    };

    /// <summary>
    /// Asks this node (in-process only, never a client) for the newest metadata it has, without a round trip to the
    /// controller: the Kafka listener answers from it when the controller is failing over.
    /// </summary>
    public sealed class GetCachedMetadata
    {
        public static readonly GetCachedMetadata Instance = new();
        private GetCachedMetadata() { }
    }

    private sealed class PollMetadata
    {
        public static readonly PollMetadata Instance = new();
    }
}
