using System.Collections.Immutable;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster.Tools.Client;
using Akka.Configuration;
using AkkaKafka.Protocol;
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
    private ClusterConnection(ActorSystem system, IActorRef clusterClient, IReadOnlyList<HostPort> bootstrap, ClientSettings settings)
    {
        System = system;
        ClusterClient = clusterClient;
        Routes = new PartitionRoutes(system, clusterClient, settings.RequestTimeout);
        Bootstrap = bootstrap;
        Settings = settings;
    }

    public ActorSystem System { get; }
    public IActorRef ClusterClient { get; }
    /// <summary>Straight to a partition's owner, for produce and fetch.</summary>
    public PartitionRoutes Routes { get; }
    public IReadOnlyList<HostPort> Bootstrap { get; }
    public ClientSettings Settings { get; }

    /// <summary>This client's remoting address ("host:port"), sent with requests for the brokers' transaction log.</summary>
    public string Address => ((ExtendedActorSystem)System).Provider.DefaultAddress is { Host: { } host, Port: { } port } ? $"{host}:{port}" : "unknown";

    /// <summary>Starts the client system; does not wait for the cluster (the first request does).</summary>
    public static ClusterConnection Create(IReadOnlyList<HostPort> bootstrap, Config? overrides = null, string systemName = "akkakafka-client")
    {
        if (bootstrap.Count == 0) throw new ArgumentException("--bootstrap needs at least one host:port");
        var config = (overrides ?? Config.Empty)
            .WithFallback(HoconFiles.Load("tls.hocon", "client.hocon", "serialization.hocon"))
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
        return new ClusterConnection(system, client, bootstrap, new ClientSettings(system.Settings.Config));
    }

    /// <summary>Wraps a broker request for the ClusterClient.</summary>
    public static object ToBroker(IBrokerCommand command) => new ClusterClient.Send(Names.BrokerPath, command, localAffinity: true);

    /// <summary>Sends a request and waits for its reply; an unreachable cluster is a <see cref="ClusterUnavailableException"/>.</summary>
    public async Task<T> AskAsync<T>(IBrokerCommand command, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var wait = timeout ?? Settings.RequestTimeout;
        try
        {
            return await ClusterClient.Ask<T>(ToBroker(command), wait, cancellationToken);
        }
        catch (AskTimeoutException)
        {
            throw new ClusterUnavailableException(
                $"no answer from the cluster at {string.Join(",", Bootstrap)} within {wait.TotalSeconds:0.#}s (is a broker running there?)");
        }
    }

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
