using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Remote;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Client;

/// <summary>
/// One hop to a partition's owner, as Kafka clients talk to the leader: Kafka requests (Produce, Fetch, ListOffsets)
/// go straight to the owner's /user/broker (the metadata names the owner by its "host:port") as Kafka frames, and a
/// broker that is no longer the owner answers NOT_LEADER_OR_FOLLOWER for the partition at once instead of passing it
/// on; the caller then refreshes its metadata and retries. Each owner's actor is resolved once
/// and cached. Until it is (or when it cannot be), requests take the ClusterClient's way through a contact broker, as
/// before. When the connection to an owner drops or its actor terminates, the route is forgotten and every request
/// still waiting on it fails at once (retriable), rather than at its request timeout.
/// </summary>
public sealed class PartitionRoutes
{
    private static readonly TimeSpan RetryResolveAfter = TimeSpan.FromSeconds(1);
    private readonly ActorSystem _system;
    private readonly IActorRef _clusterClient;
    private readonly TimeSpan _resolveTimeout;
    private readonly ConcurrentDictionary<string, Route> _routes = new(StringComparer.Ordinal);
    private readonly IActorRef _watcher;

    /// <summary>Wraps each request as the connection's user once it authenticated (<see cref="ClusterConnection.AsSessionUser"/>).</summary>
    private readonly Func<IAkkaKafkaMessage, IAkkaKafkaMessage> _asUser;

    internal PartitionRoutes(ActorSystem system, IActorRef clusterClient, TimeSpan resolveTimeout, Func<IAkkaKafkaMessage, IAkkaKafkaMessage>? asUser = null)
    {
        _asUser = asUser ?? (m => m);
        _system = system;
        _clusterClient = clusterClient;
        _resolveTimeout = resolveTimeout;
        _watcher = system.ActorOf(Akka.Actor.Props.Create(() => new RouteWatcher(this)), "partition-routes");
    }

    /// <summary>Whether requests for <paramref name="owner"/> go straight to it now (else through the ClusterClient).</summary>
    public bool IsDirect(string? owner) => owner is not null && _routes.TryGetValue(owner, out var r) && r.Broker is not null;

    /// <summary>
    /// Sends a Kafka request, at the newest version this codebase speaks, to broker <paramref name="owner"/> (null: the
    /// contact broker serves it) as Kafka's own bytes (<see cref="KafkaRequestFrame"/>), and reads its answer: the
    /// broker serves it with the handlers its Kafka listener uses. Partition-level errors are in the answer, as Kafka
    /// gives them; a refusal of the whole request (not authenticated, unreadable) is a <see cref="KafkaException"/>.
    /// </summary>
    /// <param name="version">The version to send at, for an API whose newest version is not the client's form
    /// (AddPartitionsToTxn v4 is the brokers' batched form); the newest when null.</param>
    public async Task<TResponse> KafkaAsync<TResponse>(string? owner, IKafkaRequest request, string clientId, KafkaResponseReader<TResponse> read,
        TimeSpan timeout, CancellationToken ct = default, short? version = null)
    {
        var sentAt = version ?? KafkaEnvelope.NewestVersion(request.ApiKey);
        var frame = KafkaEnvelope.Request(request, sentAt, clientId);
        var answer = await SendAsync<IAkkaKafkaMessage>(owner, frame, request.ApiKey.ToString(), timeout, ct);
        return answer switch
        {
            KafkaResponseFrame response => KafkaEnvelope.Response(response, request.ApiKey, sentAt, read),
            RequestRefused refused => throw new KafkaException(refused.Error, refused.Message),
            _ => throw new InvalidOperationException($"unexpected answer to {request.ApiKey}: {answer.GetType().Name}"),
        };
    }

    /// <summary><paramref name="request"/> to the owner's route when it is resolved, else through the ClusterClient.</summary>
    private async Task<T> SendAsync<T>(string? owner, IAkkaKafkaMessage request, string what, TimeSpan timeout, CancellationToken ct)
    {
        var route = Direct(owner);
        if (route?.Broker is not { } broker)
        {
            try
            {
                return await _clusterClient.Ask<T>(ViaContact(request), timeout, ct);
            }
            catch (AskTimeoutException)
            {
                throw new ClusterUnavailableException($"no answer to {what} within {timeout.TotalSeconds:0.#}s");
            }
        }
        using var linked = ct.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(ct, route.Lost.Token) : null;
        try
        {
            return await broker.Ask<T>(_asUser(request), timeout, linked?.Token ?? route.Lost.Token);
        }
        catch (AskTimeoutException)
        {
            throw new ClusterUnavailableException($"no answer to {what} from broker {owner} within {timeout.TotalSeconds:0.#}s");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ClusterUnavailableException($"the connection to broker {owner} was lost");
        }
    }

    /// <summary>
    /// Sends a Kafka request that no broker answers (a Produce with acks=0: Kafka's brokers send nothing back, on
    /// either transport here) and completes when the broker has taken it (its <see cref="KafkaFrameAccepted"/>
    /// receipt), or on any other outcome (refused, lost, timed out): the caller only waits, it learns nothing, as a
    /// Kafka client with acks=0 learns nothing.
    /// </summary>
    public Task KafkaAcceptedAsync(string? owner, IKafkaRequest request, string clientId, TimeSpan timeout)
    {
        var frame = KafkaEnvelope.Request(request, KafkaEnvelope.NewestVersion(request.ApiKey), clientId);
        return SendAsync<object>(owner, frame, $"Kafka {request.ApiKey}", timeout, CancellationToken.None);
    }

    private object ViaContact(IAkkaKafkaMessage request) =>
        new Akka.Cluster.Tools.Client.ClusterClient.Send(Names.BrokerPath, _asUser(request), localAffinity: true);

    /// <summary>The resolved route to <paramref name="owner"/>; starts resolving it when there is none yet.</summary>
    private Route? Direct(string? owner)
    {
        if (owner is null) return null;
        var route = _routes.GetOrAdd(owner, static _ => new Route());
        if (route.Broker is null && route.TryStartResolving(DateTime.UtcNow))
            Resolve(owner, route);
        return route;
    }

    private void Resolve(string owner, Route route)
    {
        var address = ((ExtendedActorSystem)_system).Provider.DefaultAddress;
        var path = $"{address.Protocol}://{Names.BrokerSystem}@{owner}{Names.BrokerPath}";
        _system.ActorSelection(path).ResolveOne(_resolveTimeout).ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully)
            {
                route.Resolved(t.Result);
                _watcher.Tell(new RouteWatcher.WatchOwner(owner, t.Result));
            }
            else
                route.Failed(DateTime.UtcNow + RetryResolveAfter);
        }, TaskContinuationOptions.ExecuteSynchronously);
    }

    /// <summary>Drops the route to an owner and fails what waits on it: the connection to it is gone.</summary>
    internal void Forget(string owner)
    {
        if (_routes.TryRemove(owner, out var route)) route.Lose();
    }

    private sealed class Route
    {
        private readonly object _gate = new();
        private bool _resolving;
        private DateTime _retryAfter = DateTime.MinValue;
        private volatile IActorRef? _broker;

        public IActorRef? Broker => _broker;
        public CancellationTokenSource Lost { get; } = new();

        public bool TryStartResolving(DateTime now)
        {
            lock (_gate)
            {
                if (_resolving || _broker is not null || now < _retryAfter) return false;
                _resolving = true;
                return true;
            }
        }

        public void Resolved(IActorRef broker)
        {
            lock (_gate)
            {
                _resolving = false;
                _broker = broker;
            }
        }

        public void Failed(DateTime retryAfter)
        {
            lock (_gate)
            {
                _resolving = false;
                _retryAfter = retryAfter;
            }
        }

        public void Lose() => Lost.Cancel();
    }

    /// <summary>Watches resolved owners and the connections to them, so a lost owner's route is forgotten at once.</summary>
    private sealed class RouteWatcher : ReceiveActor
    {
        private readonly Dictionary<IActorRef, string> _watched = new();

        public RouteWatcher(PartitionRoutes routes)
        {
            Receive<WatchOwner>(w =>
            {
                _watched[w.Broker] = w.Owner;
                Context.Watch(w.Broker);
            });
            Receive<Terminated>(t =>
            {
                if (_watched.Remove(t.ActorRef, out var owner)) routes.Forget(owner);
            });
            Receive<DisassociatedEvent>(lost =>
            {
                if (lost.RemoteAddress.System != Names.BrokerSystem) return;
                var owner = $"{lost.RemoteAddress.Host}:{lost.RemoteAddress.Port}";
                foreach (var (broker, o) in _watched.Where(kv => kv.Value == owner).ToList())
                {
                    Context.Unwatch(broker);
                    _watched.Remove(broker);
                }
                routes.Forget(owner);
            });
        }

        protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(DisassociatedEvent));

        protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

        public sealed record WatchOwner(string Owner, IActorRef Broker);
    }
}
