using Akka.Configuration;
using AkkaKafka.Client;
using AkkaKafka.Client.Consumer;
using AkkaKafka.Protocol;
using AkkaKafka.Tests.MultiNode.Support;

namespace AkkaKafka.Tests.FaultTolerance;

/// <summary>In-process client connections for the fault-tolerance specs, each with its own ActorSystem.</summary>
public static class Clients
{
    /// <summary>
    /// Shorter client timings than hocon/client.hocon, so a dead or frozen contact point costs a client seconds:
    /// it notices a silent receptionist after ~1.5 s (instead of 8 s) and looks for another, a produce lost with a
    /// dying broker is retried after 3 s (instead of 15 s), and a record stuck that long is given up after 45 s
    /// (instead of 120 s), so that the specs end in bounded time even if a partition never comes back.
    /// </summary>
    public static readonly Config Timings = ConfigurationFactory.ParseString("""
        akka.loggers = []
        akka.loglevel = OFF
        akka.stdout-loglevel = OFF
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        akka.cluster.client.heartbeat-interval = 500ms
        akka.cluster.client.acceptable-heartbeat-pause = 1500ms
        akka.cluster.client.establishing-get-contacts-interval = 500ms
        akkakafka.client.request-timeout = 3s
        akkakafka.client.delivery-timeout = 45s
        """);

    public static ClusterConnection Connect(IEnumerable<int> ports, string name) =>
        ClusterConnection.Create(ports.Select(p => new HostPort("127.0.0.1", p)).ToList(), Timings, name);

    /// <summary>
    /// A member of <paramref name="group"/> reading <paramref name="topic"/> from the earliest offset. A consumer
    /// subscribes once: while the cluster settles under load, a failed subscription is made again with a new one.
    /// </summary>
    public static Task<Consumer> SubscribeAsync(ClusterConnection connection, string clientId, string group, string topic,
        TimeSpan within, TimeSpan perAttempt) =>
        Eventually.Async(within, async () =>
        {
            var attempt = new Consumer(connection, clientId);
            try
            {
                using var bound = new CancellationTokenSource(perAttempt);
                await attempt.SubscribeAsync(group, topic, new StartPosition.Earliest(), bound.Token);
                return attempt;
            }
            catch (Exception)
            {
                await attempt.DisposeAsync();
                throw;
            }
        });

    /// <summary>Stops a client's ActorSystem, failing whatever its producer still holds; gives up waiting after a few seconds.</summary>
    public static async Task CloseAsync(ClusterConnection? connection)
    {
        if (connection is null) return;
        try
        {
            await connection.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            // Nothing of it outlives the test process; the brokers are killed regardless.
        }
    }
}
