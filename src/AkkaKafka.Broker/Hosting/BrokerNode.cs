using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.Client;
using Akka.Cluster.Tools.Singleton;
using AkkaKafka.Broker.Transactions;
using Akka.Pattern;
using AkkaKafka.Broker.Controller;
using AkkaKafka.Broker.Group;
using AkkaKafka.Broker.Http;
using AkkaKafka.Broker.TransactionLog;
using AkkaKafka.Broker.KafkaListener;
using AkkaKafka.Broker.Node;
using Akka.Event;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Broker.Hosting;

/// <summary>
/// A running broker node: its ActorSystem (a member of the broker cluster with role "broker"), the ZookeeperActor
/// singleton manager and proxy, and the BrokerActor that clients reach through the ClusterClientReceptionist.
/// </summary>
public sealed class BrokerNode : IAsyncDisposable
{
    private BrokerNode(ActorSystem system, IActorRef broker, BrokerSettings settings, KafkaListenerHost? kafkaListener, BrokerHttpHost? http)
    {
        Http = http;
        System = system;
        Broker = broker;
        Settings = settings;
        KafkaListener = kafkaListener;
    }

    public ActorSystem System { get; }
    public IActorRef Broker { get; }
    public BrokerSettings Settings { get; }
    /// <summary>The Kafka-protocol listener; null when --kafka-port is 0.</summary>
    public KafkaListenerHost? KafkaListener { get; }
    /// <summary>Metrics, health, JSON API and web console; null when --http-port is 0.</summary>
    public BrokerHttpHost? Http { get; }
    public string BrokerId => BrokerIds.Of(Cluster.Get(System).SelfAddress);
    /// <summary>This node's record of its controller incarnations; <see cref="ControllerFence.Superseded"/> says why it stopped itself, if it did.</summary>
    public ControllerFence ControllerFence { get; private init; } = new();
    public Task WhenTerminated => System.WhenTerminated;

    /// <summary>Starts the node and waits until it is Up in the cluster; throws <see cref="BrokerStartupException"/> with a one-line reason otherwise.</summary>
    public static async Task<BrokerNode> StartAsync(BrokerOptions options, CancellationToken cancellationToken = default)
    {
        var (journal, snapshots) = await JournalStorage.PrepareAsync(options, cancellationToken);
        Akka.Configuration.Config config;
        Akka.Remote.Transport.DotNetty.DotNettySslSetup? tls;
        try
        {
            config = BrokerConfig.Build(options, journal, snapshots);
            // The certificate is read before any actor system exists: a missing file or a wrong passphrase is one line.
            tls = RemoteTls.Setup(new RemoteTlsSettings(config));
            // Read our own settings once before any actor system exists, so a value of the wrong type in a --config
            // file ("lots" for a size) fails here, quietly, and not half-way through joining the cluster.
            _ = new BrokerSettings(config);
            _ = new BrokerLogSettings(config);
            // A Kafka TLS key that is missing, unreadable or not the certificate's fails here, before joining the cluster.
            if (new Security.SecuritySettings(config).KafkaTls is { } kafkaTls) Security.KafkaTlsCertificate.Load(kafkaTls).Dispose();
            _ = StallWatcher.ThresholdFrom(config);
        }
        catch (Exception e) when (e is Akka.Configuration.ConfigurationException or FormatException or OverflowException or ArgumentException)
        {
            // An impossible setting (e.g. akkakafka.broker.kafka.port in a --config file): one line, not a stack trace.
            throw new BrokerStartupException($"cannot start a broker on {options.Host}:{options.Port}: {e.Message}");
        }

        ActorSystem system;
        try
        {
            var setup = JournalStorage.Setup(config, options, journal, snapshots);
            system = ActorSystem.Create(Names.BrokerSystem, tls is null ? setup : setup.And(tls));
        }
        catch (Exception e) when (e is not BrokerStartupException)
        {
            var inner = e;
            while (inner.InnerException is not null) inner = inner.InnerException;
            throw new BrokerStartupException($"cannot start a broker on {options.Host}:{options.Port}: {inner.Message}");
        }

        try
        {
            return await StartInAsync(system, options, cancellationToken);
        }
        catch (Exception e) when (e is not BrokerStartupException and not OperationCanceledException)
        {
            // A setting of the wrong type that only Akka reads fails here: one line with the innermost reason, not an
            // unhandled exception with a stack trace, and without the system's shutdown chatter around it.
            system.EventStream.SetLogLevel(LogLevel.ErrorLevel);
            await system.Terminate();
            var inner = e;
            while (inner.InnerException is not null) inner = inner.InnerException;
            throw new BrokerStartupException($"cannot start a broker on {options.Host}:{options.Port}: {inner.Message}");
        }
    }

    private static async Task<BrokerNode> StartInAsync(ActorSystem system, BrokerOptions options, CancellationToken cancellationToken)
    {
        var settings = BrokerSettings.Create(system);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cluster = Cluster.Get(system);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        _ = system.WhenTerminated.ContinueWith(_ => up.TrySetException(new BrokerStartupException(
            $"broker stopped before joining the cluster (seed nodes: {string.Join(", ", options.Seeds.DefaultIfEmpty(new HostPort(options.Host, options.Port)))} unreachable?)")),
            TaskScheduler.Default);

        system.ActorOf(QuarantineWatcher.Props(), "quarantine-watcher");
        var fence = new ControllerFence();
        if (StallWatcher.ThresholdFrom(system.Settings.Config) is { } stallThreshold)
            system.ActorOf(StallWatcher.Props(stallThreshold), "stall-watcher");
        var proxy = StartSingleton(system, ZookeeperActor.Props(settings, fence), Names.ZookeeperSingletonName, Names.ZookeeperProxyName);
        var groupCoordinator = StartSingleton(system, GroupCoordinatorActor.Props(), Names.GroupCoordinatorSingletonName, Names.GroupCoordinatorProxyName);
        // Producer ids for transactional ids come from the controller's allocator, as idempotent producers' do; markers
        // go through the BrokerActor of the node the singleton runs on, which routes each to its partition's owner.
        var transactionCoordinator = StartSingleton(system,
            TransactionCoordinatorActor.Props(proxy, system.ActorSelection("/user/" + Names.BrokerActorName), TransactionSettings.Create(system.Settings.Config),
                settings.RequestTimeout),
            Names.TransactionCoordinatorSingletonName, Names.TransactionCoordinatorProxyName);
        var broker = system.ActorOf(BrokerActor.Props(proxy, groupCoordinator, transactionCoordinator, settings), Names.BrokerActorName);
        ClusterClientReceptionist.Get(system).RegisterService(broker);
        if (settings.TransactionLog)
            system.ActorOf(TransactionLogActor.Props(broker, settings.TransactionLogFlushInterval, BrokerIds.Of(cluster.SelfAddress)), "transaction-log");

        var finished = await Task.WhenAny(up.Task, Task.Delay(options.JoinTimeout, cancellationToken));
        if (finished != up.Task)
        {
            await system.Terminate();
            throw new BrokerStartupException($"could not join the cluster within {options.JoinTimeout.TotalSeconds:0}s (seed nodes unreachable?)");
        }
        await up.Task;
        QuietenFinalShutdownLog(system);
        var http = await StartHttpAsync(system, broker, settings);
        return new BrokerNode(system, broker, settings, await StartKafkaListenerAsync(system, broker, settings), http) { ControllerFence = fence };
    }

    /// <summary>
    /// Once the loggers stop, Akka.NET prints what is left of the shutdown (INFO included) with its stdout logger,
    /// which would put Akka's chatter back on a terminal that was kept clean: with a log file, only warnings from
    /// there on.
    /// </summary>
    private static void QuietenFinalShutdownLog(ActorSystem system)
    {
        var log = new BrokerLogSettings(system.Settings.Config);
        if (log.File is null || log.TerminalLevel <= LogLevel.InfoLevel) return;
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "quiet-terminal-log", () =>
        {
            system.EventStream.SetLogLevel(LogLevel.WarningLevel);
            return Task.FromResult(Akka.Done.Instance);
        });
    }

    /// <summary>
    /// Opens the Kafka port once the node is Up (before that it could route nothing). Coordinated shutdown closes it
    /// first, before partitions are handed over, so Kafka clients move on to the brokers that stay.
    /// </summary>
    private static async Task<KafkaListenerHost?> StartKafkaListenerAsync(ActorSystem system, IActorRef broker, BrokerSettings settings)
    {
        var kafka = KafkaListenerSettings.Create(system);
        if (!kafka.Enabled) return null;
        var log = Logging.GetLogger(system, "kafka-listener");
        var dispatcher = AkkaClientRequests.DispatcherFor(system, broker, settings);
        var node = dispatcher.Node;
        // Kafka clients connect to the brokers Metadata names: open the port only once the controller's metadata names this
        // broker with its node id, so a client's first Metadata answer lists the broker it is talking to.
        if (!await WaitForOwnNodeIdAsync(node, TimeSpan.FromSeconds(30)))
            log.Warning("Kafka listener: no node id for this broker after 30 s (controller unavailable?); opening the port anyway");
        var listenerSecurity = dispatcher.Security!;
        var security = listenerSecurity.Settings;
        KafkaListenerHost listener;
        try
        {
            var certificate = security.KafkaTls is { } tls ? Security.KafkaTlsCertificate.Load(tls) : null;
            listener = await KafkaListenerHost.StartAsync(kafka.BindHost, kafka.Port, dispatcher,
                (int)kafka.SocketRequestMaxBytes, log, certificate);
        }
        catch (BrokerStartupException)
        {
            await system.Terminate();
            throw;
        }
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceUnbind, "close-kafka-listener", async () =>
        {
            await listener.DisposeAsync();
            return Akka.Done.Instance;
        });
        log.Info("Kafka listener on {0} (advertised as {1}){2}{3}", listener.Endpoint, kafka.AdvertisedEndpoint,
            listenerSecurity.Settings.KafkaTls is null ? "" : ", TLS",
            listenerSecurity.Settings.KafkaSasl ? $", SASL {string.Join(",", listenerSecurity.Settings.KafkaSaslMechanisms)}" : "");
        return listener;
    }

    /// <summary>
    /// Opens the HTTP port (metrics, health, API, console) once the node is Up, as the Kafka listener; coordinated
    /// shutdown closes it with the Kafka listener, so a load balancer's readiness probe stops answering first.
    /// </summary>
    private static async Task<BrokerHttpHost?> StartHttpAsync(ActorSystem system, IActorRef broker, BrokerSettings settings)
    {
        var http = HttpSettings.Create(system);
        if (!http.Enabled) return null;
        var log = Logging.GetLogger(system, "http");
        var metrics = BrokerMetrics.For(system);
        var queries = new BrokerQueries(system, new BrokerGateway(broker, settings.RequestTimeout), metrics, http);
        new BrokerScrape(system, queries, metrics).Register();
        BrokerHttpHost host;
        try
        {
            host = await BrokerHttpHost.StartAsync(http, queries, metrics, log,
                new HttpUsers(Security.SecuritySettings.Create(system), Security.SecurityMetadataHolder.For(system)));
        }
        catch (BrokerStartupException)
        {
            await system.Terminate();
            throw;
        }
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceUnbind, "close-http", async () =>
        {
            await host.DisposeAsync();
            return Akka.Done.Instance;
        });
        log.Info("HTTP (metrics, health, API, console) on {0}://{1}/", http.Tls.Scheme, host.Endpoint);
        return host;
    }

    private static async Task<bool> WaitForOwnNodeIdAsync(KafkaNode node, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            var metadata = await node.CachedMetadataAsync();
            if (metadata.Broker(node.SelfId) is { NodeId: not Protocol.Messages.BrokerInfo.NoNodeId }) return true;
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
        return false;
    }

    /// <summary>Runs a singleton on the oldest broker (the manager lives on every broker) and returns a proxy to it.</summary>
    /// <remarks>
    /// The singleton is a back-off supervisor over the actor: a persistent actor stops when a journal write fails
    /// (a database restarting, another broker holding the SQLite write lock past the journal's call timeout), and
    /// ClusterSingletonManager never starts a stopped singleton again, which would leave the cluster without a
    /// controller until the oldest node changed. The supervisor starts it again once the journal answers.
    /// </remarks>
    private static IActorRef StartSingleton(ActorSystem system, Props props, string name, string proxyName)
    {
        var supervised = BackoffSupervisor.Props(props, name, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10), 0.2);
        system.ActorOf(ClusterSingletonManager.Props(supervised, PoisonPill.Instance,
                ClusterSingletonManagerSettings.Create(system).WithRole(Names.BrokerRole).WithSingletonName(name)),
            name + "-manager");
        return system.ActorOf(ClusterSingletonProxy.Props($"/user/{name}-manager",
                ClusterSingletonProxySettings.Create(system).WithRole(Names.BrokerRole).WithSingletonName(name)),
            proxyName);
    }

    /// <summary>This broker's Kafka node id as the controller's metadata has it, or null when it has none yet.</summary>
    public async Task<int?> KafkaNodeIdAsync(TimeSpan timeout)
    {
        try
        {
            var metadata = await Broker.Ask<Protocol.Messages.ClusterMetadata>(BrokerActor.GetCachedMetadata.Instance, timeout);
            return metadata.Broker(BrokerId) is { NodeId: not Protocol.Messages.BrokerInfo.NoNodeId } b ? b.NodeId : null;
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    /// <summary>
    /// From now on, one line through <paramref name="print"/> per cluster event an operator cares about
    /// (<see cref="BrokerEvents"/>); the host calls it after its banner.
    /// </summary>
    public void PrintEvents(Action<string> print) => System.ActorOf(BrokerEvents.Props(Broker, print), "broker-events");

    /// <summary>Leaves the cluster gracefully (coordinated shutdown): partitions are handed over before the node goes.</summary>
    public Task StopAsync() => CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await System.WhenTerminated;
    }
}
