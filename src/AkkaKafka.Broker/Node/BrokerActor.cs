using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.Client;
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
/// reach it. It keeps the newest metadata the controller published, runs a TopicActor per topic, and routes:
/// controller commands to the ZookeeperActor (through the singleton proxy), partition requests to the local
/// TopicActor when this node owns the partition, otherwise to the owner's BrokerActor. A request forwarded to an
/// owner that then becomes unreachable (or leaves) is answered LeaderNotAvailable at once, so the client retries
/// instead of waiting out its request timeout for an answer that died with the owner.
/// </summary>
public sealed class BrokerActor : UntypedActor, IWithTimers
{
    private const string MetadataPollTimer = "metadata-poll";
    private readonly IActorRef _controller;
    private readonly IActorRef _groupCoordinator;
    private readonly BrokerSettings _settings;
    private readonly string _self;
    private readonly ILoggingAdapter _logger = Context.GetLogger();
    /// <summary>Per topic, its TopicActor and the metadata it was last told (to tell it only what changed).</summary>
    private readonly Dictionary<string, (IActorRef Actor, TopicMetadata Told)> _topics = new(StringComparer.Ordinal);
    /// <summary>Per owner, cancels the requests forwarded to it that are still unanswered.</summary>
    private readonly Dictionary<string, CancellationTokenSource> _forwarded = new(StringComparer.Ordinal);
    private ClusterMetadata _metadata = ClusterMetadata.Empty;
    /// <summary>The users and ACLs the controller published, kept where the Kafka listener reads them without asking.</summary>
    private readonly SecurityMetadataHolder _security = SecurityMetadataHolder.For(Context.System);
    private ActorPath? _receptionist;
    private readonly SecuritySettings _securitySettings = SecuritySettings.Create(Context.System);
    private readonly FailedLogins _failedLogins = FailedLoginsExtension.For(Context.System);
    /// <summary>The Kafka API for Akka clients: their <see cref="KafkaRequestFrame"/>s, served by the Kafka listener's handlers.</summary>
    private AkkaClientRequests? _kafkaRequests;
    /// <summary>Whether the message being handled came wrapped in an <see cref="AsUser"/> that was authorized (so it is not refused as unauthenticated).</summary>
    private bool _handlingAsUser;

    public BrokerActor(IActorRef controllerProxy, IActorRef groupCoordinatorProxy, BrokerSettings settings)
    {
        _controller = controllerProxy;
        _groupCoordinator = groupCoordinatorProxy;
        _settings = settings;
        _self = BrokerIds.Of(Cluster.Get(Context.System).SelfAddress);
    }

    public static Props Props(IActorRef controllerProxy, IActorRef groupCoordinatorProxy, BrokerSettings settings) =>
        Akka.Actor.Props.Create(() => new BrokerActor(controllerProxy, groupCoordinatorProxy, settings));

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
        foreach (var pending in _forwarded.Values) pending.Cancel();
        _forwarded.Clear();
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Authenticate authenticate:
                Authenticate(authenticate);
                break;
            case AsUser asUser:
                HandleAs(asUser);
                break;
            case IBrokerInternal command when !FromBroker(Sender):
                _logger.Warning("Refused {0} from {1}: only brokers send it", command.GetType().Name, Sender.Path);
                Refuse(command, ErrorCode.ClusterAuthorizationFailed, AkkaRequestAuthorization.NoRule(command.GetType()).Message);
                break;
            case IAkkaKafkaMessage request when RefusedUnauthenticated(request):
                break;
            // Only from a cluster that trusts its Akka clients (or from a broker): with client authentication on, a frame
            // comes inside an AsUser (HandleAs), and one that does not is refused above.
            case KafkaRequestFrame frame:
                ServeKafkaFrame(frame, Authorizer.Anonymous, authorize: false);
                break;
            case IPartitionRequest request:
                Route(request, forwarded: false);
                break;
            // The handlers of Kafka's Produce, Fetch and ListOffsets (either transport) ask the owner this way.
            case ForwardedRequest forwarded:
                Route(forwarded.Request, forwarded: true);
                break;
            case IControllerCommand command:
                ToController(command);
                break;
            case IGroupCommand command:
                _groupCoordinator.Forward(command);
                break;
            case MetadataPublished published:
                Update(published.Metadata);
                break;
            case MetadataResponse response:
                Update(response.Metadata);
                break;
            case GetCachedMetadata:
                Sender.Tell(_metadata);
                break;
            case SecurityPublished published when FromClusterBroker(Sender):
                if (_security.Offer(published.Security))
                    _logger.Info("Security metadata version {0}: {1} users, {2} ACL rules", published.Security.Version,
                        published.Security.Users.Count, published.Security.Acls.Count);
                break;
            case SecurityPublished:
                // Users and ACLs come from the controller only: an Akka client must not replace them.
                _logger.Warning("Ignored security metadata sent by {0}, which is not a broker", Sender.Path);
                break;
            case GetSecurityMetadata:
                Sender.Tell(_security.Current);
                break;
            case PollMetadata:
                if (_metadata.Version == 0) _controller.Tell(new GetMetadata());
                else Timers.Cancel(MetadataPollTimer);
                break;
            case ClusterEvent.UnreachableMember unreachable:
                FailForwardedTo(unreachable.Member.Address);
                break;
            case ClusterEvent.MemberDowned downed:
                FailForwardedTo(downed.Member.Address);
                break;
            case ClusterEvent.MemberRemoved removed:
                FailForwardedTo(removed.Member.Address);
                break;
            case ClusterEvent.IClusterDomainEvent:
            case Terminated:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Route(IPartitionRequest request, bool forwarded)
    {
        var topic = _metadata.Topic(request.Topic);
        var assignment = topic?.Partition(request.Partition);
        if (topic is null || assignment is null)
        {
            ErrorReplies.Send(Sender, request, _metadata.Version == 0 ? ErrorCode.LeaderNotAvailable : ErrorCode.UnknownTopicOrPartition,
                _metadata.Version == 0 ? "broker has no metadata yet" : $"topic '{request.Topic}' partition {request.Partition} does not exist");
            return;
        }
        if (assignment.Owner == _self && _topics.TryGetValue(topic.Name, out var local))
        {
            local.Actor.Forward(request);
            return;
        }
        if (assignment.Owner is null || forwarded)
        {
            ErrorReplies.Send(Sender, request, assignment.Owner is null ? ErrorCode.LeaderNotAvailable : ErrorCode.NotLeaderOrFollower);
            return;
        }
        var owner = BrokerIds.ToAddress(assignment.Owner, Cluster.Get(Context.System).SelfAddress.Protocol);
        if (IsUnreachableOrGone(owner))
        {
            // The owner is suspected dead, or already downed or removed while the controller has not reassigned the
            // partition yet: answer now (retriable) instead of forwarding into the void until the request times out.
            ErrorReplies.Send(Sender, request, ErrorCode.LeaderNotAvailable, $"owner {assignment.Owner} is unreachable; partition is failing over");
            return;
        }
        Forward(request, assignment.Owner, Context.ActorSelection(new RootActorPath(owner) / "user" / Names.BrokerActorName));
    }

    /// <summary>A member suspected dead, or already downed or removed.</summary>
    private bool IsUnreachableOrGone(Address member)
    {
        var state = Cluster.Get(Context.System).State;
        return state.Unreachable.Any(m => m.Address.Equals(member))
               || !state.Members.Any(m => m.Address.Equals(member) && m.Status != MemberStatus.Down);
    }

    /// <summary>
    /// Controller commands go to the controller singleton through its proxy, which for a few seconds after the
    /// controller's broker dies sends them to the dead one (until that broker is found unreachable) and then holds
    /// them until the next controller runs. A client must not wait for that: reads this broker can answer itself
    /// (metadata, cluster status, from the metadata the controller last published to it) are answered from here when
    /// the controller is unreachable, or has not answered within controller-read-timeout; a producer id is then the
    /// retriable COORDINATOR_NOT_AVAILABLE. Other commands (topic and security changes) are refused NOT_CONTROLLER at
    /// once while the controller is unreachable (retriable: nothing was done), and answered REQUEST_TIMED_OUT (it may
    /// or may not have been done) if the controller becomes unreachable before it answers.
    /// Until this broker has metadata it knows no controller and no answer of its own: the command waits for the
    /// controller as it is.
    /// </summary>
    private void ToController(IControllerCommand command)
    {
        if (_metadata.Version == ClusterMetadata.Empty.Version)
        {
            _controller.Forward(command);
            return;
        }
        var controller = _metadata.Controller;
        var unreachable = controller is null || IsUnreachableOrGone(BrokerIds.ToAddress(controller, Cluster.Get(Context.System).SelfAddress.Protocol));
        var failingOver = $"the controller{(controller is null ? "" : $" ({controller})")} is unreachable: it is failing over; retry";
        if (StandInAnswer(command, unreachable, failingOver) is { } standIn)
        {
            if (unreachable) Sender.Tell(standIn);
            else AskController(command, controller!, _settings.ControllerReadTimeout, standIn, standIn);
            return;
        }
        if (unreachable)
        {
            Sender.Tell(RefusalOf(command, ErrorCode.NotController, failingOver));
            return;
        }
        // Longer than any client waits: the answer, or the controller becoming unreachable, comes first.
        var lost = RefusalOf(command, ErrorCode.RequestTimedOut,
            $"the controller ({controller}) became unreachable before it answered: the command may or may not have taken effect");
        AskController(command, controller!, _settings.RequestTimeout * 3, lost, lost);
    }

    /// <summary>
    /// What this broker answers in the controller's place: its own metadata and view of the members for reads, the
    /// retriable COORDINATOR_NOT_AVAILABLE for a producer id; null for commands only the controller can answer. A
    /// metadata request that would create topics this broker does not know goes to the controller, unless it is
    /// unreachable (then the answer lacks them, as it lacks topics that were not created).
    /// </summary>
    private object? StandInAnswer(IControllerCommand command, bool controllerUnreachable, string failingOver) => command switch
    {
        GetMetadata { AutoCreateTopics: true, Topics: { } topics } when !controllerUnreachable && topics.Any(t => _metadata.Topic(t) is null) => null,
        GetMetadata => new MetadataResponse(_metadata),
        GetClusterStatus => ClusterStatuses.Of(Cluster.Get(Context.System).State, controllerUnreachable ? null : _metadata.Controller, _metadata),
        InitProducerId => new InitProducerIdResult(ErrorCode.CoordinatorNotAvailable, -1, -1, controllerUnreachable
            ? failingOver : $"no answer from the controller ({_metadata.Controller}) within {_settings.ControllerReadTimeout.TotalMilliseconds:0} ms; retry"),
        _ => null,
    };

    /// <summary>
    /// Asks the controller and passes its answer on; <paramref name="noAnswer"/> when it has not answered within
    /// <paramref name="timeout"/>, <paramref name="lost"/> as soon as the controller becomes unreachable.
    /// </summary>
    private void AskController(IControllerCommand command, string controllerId, TimeSpan timeout, object noAnswer, object lost)
    {
        if (!_forwarded.TryGetValue(controllerId, out var pending)) _forwarded[controllerId] = pending = new CancellationTokenSource();
        _controller.Ask<object>(command, timeout, pending.Token)
            .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : t.IsCanceled ? lost : noAnswer, TaskContinuationOptions.ExecuteSynchronously)
            .PipeTo(Sender);
    }

    /// <summary>
    /// Passes the request to the owner and its answer back to the caller; when the owner becomes unreachable first,
    /// answers LeaderNotAvailable (retriable) instead. acks=0 produces expect no answer and are just passed on.
    /// </summary>
    private void Forward(IPartitionRequest request, string ownerId, ActorSelection owner)
    {
        var replyTo = Sender;
        if (request is ProduceRequest { Acks: Acks.None })
        {
            owner.Tell(new ForwardedRequest(request), replyTo);
            return;
        }
        if (!_forwarded.TryGetValue(ownerId, out var pending)) _forwarded[ownerId] = pending = new CancellationTokenSource();
        // A fetch may wait at the owner for new records (long poll) before it answers.
        var timeout = _settings.RequestTimeout + (request is FetchRequest fetch ? TimeSpan.FromMilliseconds(Math.Max(0, fetch.MaxWaitMs)) : TimeSpan.Zero);
        owner.Ask<object>(new ForwardedRequest(request), timeout, pending.Token)
            .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result
                    : t.IsCanceled ? ErrorReplies.For(request, ErrorCode.LeaderNotAvailable, $"owner {ownerId} became unreachable; partition is failing over")
                    : ErrorReplies.For(request, ErrorCode.RequestTimedOut, $"no answer from owner {ownerId}"),
                TaskContinuationOptions.ExecuteSynchronously)
            .PipeTo(replyTo);
    }

    /// <summary>
    /// Checks an Akka client's password against the user's salted SCRAM credential (PBKDF2: off the actor's thread,
    /// on an immutable copy of the users) and answers a session token, or SASL_AUTHENTICATION_FAILED. With security
    /// off there is nothing to check: an empty token, and the client sends its requests as they are.
    /// </summary>
    private void Authenticate(Authenticate request)
    {
        if (!AkkaClientsAuthenticate)
        {
            Sender.Tell(new Authenticated(ErrorCode.None, "Akka clients need no login on this cluster", ""));
            return;
        }
        var security = _security.Current;
        var logins = _failedLogins;
        var address = ClientHostOf(Sender);
        var logger = _logger;
        Task.Run(async () =>
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
            })
            .PipeTo(Sender);
    }

    /// <summary>
    /// The host an Akka client connects from: ClusterClient's requests come through a response tunnel named after the
    /// client's own actor path (escaped), which holds its remoting address; a remote sender has it itself.
    /// </summary>
    private static string ClientHostOf(IActorRef sender) => ClientAddressOf(sender)?.Host ?? "unknown";

    /// <summary>"host:port" of an Akka client's ActorSystem, as the transaction log and the Kafka listener name a client.</summary>
    private static string ClientEndpointOf(IActorRef sender) =>
        ClientAddressOf(sender) is { Host: { } host } address ? address.Port is { } port ? $"{host}:{port}" : host : "unknown";

    private static Address? ClientAddressOf(IActorRef sender)
    {
        if (sender.Path.Address.Host is not null) return sender.Path.Address;
        return ActorPath.TryParse(Uri.UnescapeDataString(sender.Path.Name), out var client) ? client.Address : null;
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
        if (AkkaClientsAuthenticate)
        {
            var security = _security.Current;
            if (!SessionTokens.Verify(security, request.User, request.Token))
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
            var access = new UserAccess(security, _securitySettings.SuperUsers, request.User);
            if (AkkaRequestAuthorization.Refusal(access, inner) is { } refusal)
            {
                _logger.Info("Refused {0} of user {1}: {2}", inner.GetType().Name, request.User, refusal.Message);
                Refuse(inner, refusal.Error, refusal.Message);
                return;
            }
            inner = AkkaRequestAuthorization.Restricted(access, inner);
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
    /// this actor again, as the listener's do), and sends the answer back; none for an acks=0 produce.
    /// </summary>
    private void ServeKafkaFrame(KafkaRequestFrame frame, string user, bool authorize)
    {
        var replyTo = Sender;
        var logger = _logger;
        _kafkaRequests!.ServeAsync(frame, ClientEndpointOf(Sender), user, authorize).ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully)
            {
                if (t.Result is { } answer) replyTo.Tell(answer);
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
    /// exception is the first user: while there is none, creating a superuser needs no session, or nobody ever could log
    /// in. Only a superuser: any other first user could do nothing (no rule exists that nobody could add), and one
    /// created by somebody else than the operator shows at once, as the operator's own `user create` is then refused.
    /// </summary>
    private bool RefusedUnauthenticated(IAkkaKafkaMessage request)
    {
        if (!AkkaClientsAuthenticate || _handlingAsUser || request is not (IBrokerCommand or ForwardedRequest)) return false;
        if (FromClusterBroker(Sender)) return false;
        if (request is UpsertUser first && _security.Current.Users.Count == 0)
        {
            if (AkkaRequestAuthorization.FirstUserRefusal(_securitySettings.SuperUsers, first) is not { } refusal) return false;
            Refuse(request, refusal.Error, refusal.Message);
            return true;
        }
        Refuse(request, ErrorCode.SaslAuthenticationFailed, "SASL_AUTHENTICATION_FAILED: security is on: authenticate as a user first (--username NAME)");
        return true;
    }

    private bool AkkaClientsAuthenticate => _securitySettings.Enabled && _securitySettings.AkkaClientAuthentication;

    private void Refuse(IAkkaKafkaMessage request, ErrorCode error, string message) => Sender.Tell(RefusalOf(request, error, message));

    /// <summary>A refusal in the request's own reply type where it has one (a client reads its error from there).</summary>
    private static object RefusalOf(IAkkaKafkaMessage request, ErrorCode error, string message) => request switch
    {
        ForwardedRequest forwarded => ErrorReplies.For(forwarded.Request, error, message),
        IPartitionRequest partition => ErrorReplies.For(partition, error, message),
        CreateTopic m => new TopicCommandResult(m.Topic, error, message),
        DeleteTopic m => new TopicCommandResult(m.Topic, error, message),
        AddPartitions m => new TopicCommandResult(m.Topic, error, message),
        AlterTopicConfigs m => new TopicCommandResult(m.Topic, error, message),
        UpsertUser or DeleteUser or AddAcl or RemoveAcl => new SecurityCommandResult(error, message),
        InitProducerId => new InitProducerIdResult(error, -1, -1, message),
        _ => new RequestRefused(error, message),
    };

    private bool FromBroker(IActorRef sender)
    {
        if (sender.IsNobody() || sender.Equals(Context.System.DeadLetters)) return false;
        _receptionist ??= ClusterClientReceptionist.Get(Context.System).Underlying.Path;
        return sender.Path.Address.System == Names.BrokerSystem && !sender.Path.Parent.Equals(_receptionist);
    }

    /// <summary>
    /// A broker of this cluster: this node's own actors, or an actor on another member (the controller publishes from
    /// wherever its singleton runs). A client's ActorSystem is never a member, and its messages come through the
    /// receptionist.
    /// </summary>
    private bool FromClusterBroker(IActorRef sender)
    {
        if (!FromBroker(sender)) return false;
        var address = sender.Path.Address;
        if (!address.HasGlobalScope) return true;
        var cluster = Cluster.Get(Context.System);
        return address.Equals(cluster.SelfAddress) || cluster.State.Members.Any(m => m.Address.Equals(address) && m.HasRole(Names.BrokerRole));
    }

    private void FailForwardedTo(Address member)
    {
        if (_forwarded.Remove(BrokerIds.Of(member), out var pending))
        {
            pending.Cancel();
            pending.Dispose();
        }
    }

    /// <summary>
    /// Takes newer metadata. A publication of a controller epoch older than one this broker has heard from comes from
    /// a stale controller (one that has not yet learnt it was superseded): it is ignored, and logged. A topic whose
    /// metadata did not change (by value) is not told anything.
    /// </summary>
    private void Update(ClusterMetadata metadata)
    {
        var epoch = MetadataVersions.ControllerEpochOf(metadata);
        var current = MetadataVersions.ControllerEpochOf(_metadata);
        if (epoch < current)
        {
            _logger.Warning("Ignored metadata version {0} from controller epoch {1} ({2}): this broker has metadata of controller epoch {3}",
                metadata.Version, epoch, metadata.Controller ?? "no controller", current);
            return;
        }
        if (metadata.Version <= _metadata.Version) return;
        _metadata = metadata;
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var topic in metadata.Topics)
        {
            live.Add(topic.Name);
            if (_topics.TryGetValue(topic.Name, out var existing) && existing.Told.TopicId == topic.TopicId)
            {
                // Compared with what this topic's actor was told, not looked up in the previous metadata: a lookup by
                // name per topic made every new version cost topics² on the actor that routes every request.
                if (MetadataVersions.Changed(existing.Told, topic))
                {
                    existing.Actor.Tell(new TopicAssignment(topic, _self, epoch));
                    _topics[topic.Name] = (existing.Actor, topic);
                }
                continue;
            }
            if (_topics.Remove(topic.Name, out var stale)) stale.Actor.Tell(TopicRemoved.Instance);
            var actor = Context.ActorOf(TopicActor.Props(new TopicAssignment(topic, _self, epoch), _settings), $"topic-{Uri.EscapeDataString(topic.Name)}-{topic.TopicId}");
            _topics[topic.Name] = (actor, topic);
        }
        foreach (var name in _topics.Keys.Where(n => !live.Contains(n)).ToList())
        {
            _logger.Info("Topic {0} was deleted; removing its partitions on this broker", name);
            _topics.Remove(name, out var removed);
            removed.Actor.Tell(TopicRemoved.Instance);
        }
    }

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
