using System.Collections.Immutable;
using System.Diagnostics;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster.Tools.Client;
using Akka.Configuration;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Security;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Client;

/// <summary>
/// A client's own ActorSystem and its ClusterClient to the broker cluster. Requests go to "/user/broker" on whichever
/// broker the receptionist connection lands on; that broker routes them on to the partition's owner.
/// If a contact point dies, ClusterClient moves to another one by itself. Produce and fetch requests take one hop
/// instead, straight to the partition's owner (<see cref="Routes"/>).
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    private ClusterConnection(ActorSystem system, IActorRef clusterClient, IReadOnlyList<HostPort> bootstrap, ClientSettings settings, ClientCredentials? credentials)
    {
        System = system;
        ClusterClient = clusterClient;
        _credentials = credentials;
        Routes = new PartitionRoutes(system, clusterClient, settings.RequestTimeout, AsSessionUser);
        Bootstrap = bootstrap;
        Settings = settings;
    }

    public ActorSystem System { get; }
    public IActorRef ClusterClient { get; }
    /// <summary>Straight to a partition's owner, for produce and fetch.</summary>
    public PartitionRoutes Routes { get; }
    public IReadOnlyList<HostPort> Bootstrap { get; }
    public ClientSettings Settings { get; }

    private readonly ClientCredentials? _credentials;
    /// <summary>The user and token the brokers accepted (<see cref="AuthenticateAsync"/>); null before, or with security off.</summary>
    private volatile Session? _session;

    private sealed record Session(string User, string Token);

    /// <summary>The user this connection acts as, once authenticated.</summary>
    public string? User => _session?.User;

    /// <summary>This client's remoting address ("host:port"), sent with requests for the brokers' transaction log.</summary>
    public string Address => ((ExtendedActorSystem)System).Provider.DefaultAddress is { Host: { } host, Port: { } port } ? $"{host}:{port}" : "unknown";

    /// <summary>
    /// A client's reference configuration: every default of its settings (and of the Akka settings it changes), before
    /// a command's overrides. A key a settings class reads and this lacks is a bug, not a default to invent.
    /// </summary>
    public static Config Reference =>
        HoconFiles.Layer(HoconFiles.Tls, HoconFiles.Embedded(typeof(ClusterConnection).Assembly, "client.hocon"), HoconFiles.Serialization);

    /// <summary>Starts the client system; does not wait for the cluster (the first request does).</summary>
    /// <param name="credentials">The user to act as (call <see cref="AuthenticateAsync"/> before the first request); null: none.</param>
    public static ClusterConnection Create(IReadOnlyList<HostPort> bootstrap, Config? overrides = null, string systemName = "akkakafka-client",
        ClientCredentials? credentials = null)
    {
        if (bootstrap.Count == 0) throw new ArgumentException("--bootstrap needs at least one host:port");
        var config = (overrides ?? Config.Empty)
            .WithFallback(Reference)
            .WithFallback(Akka.Cluster.Tools.Client.ClusterClientReceptionist.DefaultConfig())
            // ClusterClient wraps requests in pub-sub Send messages: their binary serializer, not JSON.
            .WithFallback(Akka.Cluster.Tools.PublishSubscribe.DistributedPubSub.DefaultConfig());
        // TLS as the brokers have it (the same settings, the same code): the client's certificate is read here, so a
        // missing file or a wrong passphrase fails before any actor system starts.
        var tls = new RemoteTlsSettings(config);
        config = RemoteTls.Apply(config, tls);
        var system = ActorSystem.Create(systemName, RemoteTls.With(ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(config)), tls));
        var contacts = bootstrap
            .Select(b => ActorPath.Parse($"{tls.Scheme}://{Names.BrokerSystem}@{b.Host}:{b.Port}/system/receptionist"))
            .ToImmutableHashSet();
        var client = system.ActorOf(Akka.Cluster.Tools.Client.ClusterClient.Props(
            ClusterClientSettings.Create(system).WithInitialContacts(contacts)), "cluster-client");
        system.ActorOf(UndeliveredRequests.Props(), "undelivered-requests");
        // Akka also ends a client's system by itself (it does after a refused TLS handshake), before DisposeAsync could
        // quieten it: the last phase of every shutdown drops to errors, so Akka's INFO farewell never lands on stdout.
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "quiet-final-log", () =>
        {
            system.EventStream.SetLogLevel(Akka.Event.LogLevel.ErrorLevel);
            return Task.FromResult(Akka.Done.Instance);
        });
        return new ClusterConnection(system, client, bootstrap, new ClientSettings(system.Settings.Config), credentials);
    }

    /// <summary>Wraps a request for the ClusterClient, as this connection's user once it authenticated.</summary>
    public object ToBrokerAsUser(IBrokerCommand command) => new ClusterClient.Send(Names.BrokerPath, AsSessionUser(command), localAffinity: true);

    /// <summary><paramref name="message"/> as this connection's user (<see cref="AsUser"/>) once it authenticated; else as it is.</summary>
    public IAkkaKafkaMessage AsSessionUser(IAkkaKafkaMessage message) => _session is { } s ? new AsUser(s.User, s.Token, message) : message;

    /// <summary>
    /// Logs in as the credentials' user, once, before the first request: the password goes to one broker over
    /// (TLS) remoting and is checked there against the user's salted credential; every later request carries the
    /// session token it answers. Does nothing without credentials.
    /// </summary>
    /// <exception cref="KafkaException">SASL_AUTHENTICATION_FAILED: unknown user or wrong password.</exception>
    public async Task AuthenticateAsync(CancellationToken cancellationToken = default)
    {
        if (_credentials is null || _session is not null) return;
        var answer = await AskAsync<Authenticated>(new Authenticate(_credentials.User, _credentials.Password), cancellationToken: cancellationToken);
        if (!answer.IsSuccess) throw new KafkaException(answer.Error, answer.Message);
        // An empty token: security is off on the cluster, and requests go as they are.
        if (answer.Token.Length > 0) _session = new Session(_credentials.User, answer.Token);
    }

    /// <summary>
    /// Sends a request and waits for its reply; an unreachable cluster is a <see cref="ClusterUnavailableException"/>.
    /// A request that may be sent twice (<see cref="IResendable"/>) is sent again, until <paramref name="timeout"/>,
    /// when it has no answer after attempt-timeout, when the connection to its broker was lost (the ClusterClient moves
    /// to the next contact), or when a broker refused it with a retriable error (the controller moved): a broker that
    /// died with the request, or a controller failing over, costs a retry, not the whole timeout.
    /// </summary>
    /// <exception cref="KafkaException">The brokers refused the request before handling it (not authenticated, or not allowed).</exception>
    public Task<T> AskAsync<T>(IBrokerCommand command, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        AskAsync<T>(command, command.GetType().Name, command is IResendable, timeout, cancellationToken);

    /// <summary>
    /// A Kafka request that changes nothing a client could tell when done twice (Metadata, DescribeCluster,
    /// InitProducerId: a second producer id is just never used), through the contact broker, sent again as an
    /// <see cref="IResendable"/> is (see <see cref="AskAsync{T}(IBrokerCommand, TimeSpan?, CancellationToken)"/>),
    /// and its answer read at the version it was sent at.
    /// </summary>
    public async Task<TResponse> ResendableKafkaAsync<TResponse>(IKafkaRequest request, string clientId, KafkaResponseReader<TResponse> read,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var version = KafkaEnvelope.NewestVersion(request.ApiKey);
        var answer = await AskAsync<KafkaResponseFrame>(KafkaEnvelope.Request(request, version, clientId), request.ApiKey.ToString(), resendable: true,
            timeout, cancellationToken);
        return KafkaEnvelope.Response(answer, request.ApiKey, version, read);
    }

    private async Task<T> AskAsync<T>(IBrokerCommand command, string name, bool resendable, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var wait = timeout ?? Settings.RequestTimeout;
        if (!resendable)
        {
            try
            {
                return Answer<T>(await ClusterClient.Ask<object>(ToBrokerAsUser(command), wait, cancellationToken));
            }
            catch (AskTimeoutException)
            {
                throw new ClusterUnavailableException($"no answer to {name} from the cluster at {string.Join(",", Bootstrap)} within {wait.TotalSeconds:0.#}s");
            }
        }
        var started = Stopwatch.StartNew();
        // Every attempt stays awaited until the deadline: a late answer to an earlier one is as good as any.
        var attempts = new List<Task<object>>();
        var sent = 0;
        string? lastFailure = null;
        while (wait - started.Elapsed is var remaining && remaining > TimeSpan.Zero)
        {
            attempts.Add(ClusterClient.Ask<object>(ToBrokerAsUser(command), remaining, cancellationToken));
            sent++;
            var resendAt = Task.Delay(Min(remaining, Settings.AttemptTimeout), cancellationToken);
            while (true)
            {
                var done = await Task.WhenAny(attempts.Append(resendAt));
                if (done == resendAt)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    break;
                }
                var attempt = (Task<object>)done;
                attempts.Remove(attempt);
                if (attempt.IsCanceled) cancellationToken.ThrowIfCancellationRequested();
                if (attempt.IsCompletedSuccessfully)
                {
                    if (attempt.Result is not RequestRefused { Error: var error } refused || !error.IsRetriable()) return Answer<T>(attempt.Result);
                    lastFailure = $"{error.Describe()}: {refused.Message}";
                }
                else if (attempt.Exception?.GetBaseException() is ClusterUnavailableException lost)
                    lastFailure = lost.Message;
                else continue; // timed out at the deadline: the loop ends
                // Refused or not delivered: again after a pause, in which the ClusterClient finds a live contact.
                await Task.Delay(Min(wait - started.Elapsed, ResendPause), cancellationToken);
                break;
            }
        }
        throw new ClusterUnavailableException($"no answer to {name} from the cluster at {string.Join(",", Bootstrap)} within {wait.TotalSeconds:0.#}s " +
                                              $"(sent {sent} times{(lastFailure is null ? "" : $"; last: {lastFailure}")})");
    }

    /// <summary>Before a request refused with a retriable error, or lost with its connection, is sent again.</summary>
    private static readonly TimeSpan ResendPause = TimeSpan.FromMilliseconds(250);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? (a < TimeSpan.Zero ? TimeSpan.Zero : a) : b;

    private static T Answer<T>(object answer) => answer is RequestRefused refused ? throw new KafkaException(refused.Error, refused.Message) : (T)answer;

    public async ValueTask DisposeAsync()
    {
        // Once the loggers stop, Akka.NET prints the rest of the shutdown with its stdout logger at the current level:
        // at INFO (which StandardErrorLogger needs for the reconnect line) that would land in `consume`'s stdout.
        System.EventStream.SetLogLevel(Akka.Event.LogLevel.ErrorLevel);
        await System.Terminate();
    }
}

/// <summary>The cluster could not be reached or did not answer in time.</summary>
public sealed class ClusterUnavailableException(string message) : Exception(message);

/// <summary>
/// Who an Akka client acts as when the cluster's security is on. The password stays in this process until
/// <see cref="ClusterConnection.AuthenticateAsync"/> sends it once over remoting (TLS), as SASL/PLAIN does over TLS.
/// </summary>
public sealed record ClientCredentials(string User, string Password)
{
    public override string ToString() => $"ClientCredentials {{ User = {User} }}";
}
