using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.Client;

namespace AkkaKafka.Broker.Http;

/// <summary>
/// Gauges read when /metrics is scraped (prometheus-net's before-collect callback, which may ask actors
/// asynchronously): membership by status, controller, partitions owned, group lag, Akka client connections.
/// </summary>
public sealed class BrokerScrape(ActorSystem system, BrokerQueries queries, BrokerMetrics metrics)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);
    private static readonly MemberStatus[] Statuses = Enum.GetValues<MemberStatus>();
    /// <summary>Two scrapes at once (two Prometheus servers) update the gauges one after the other.</summary>
    private readonly SemaphoreSlim _one = new(1, 1);
    private HashSet<(string Group, string Topic, string Partition)> _lagLabels = [];

    public void Register() => metrics.Registry.AddBeforeCollectCallback(UpdateAsync);

    private async Task UpdateAsync(CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken);
        try
        {
            await UpdateGaugesAsync(cancellationToken);
        }
        finally
        {
            _one.Release();
        }
    }

    private async Task UpdateGaugesAsync(CancellationToken cancellationToken)
    {
        var members = Cluster.Get(system).State.Members;
        foreach (var status in Statuses)
            metrics.ClusterMembers.WithLabels(status.ToString()).Set(members.Count(m => m.Status == status));

        try
        {
            var metadata = await queries.CachedMetadataAsync();
            metrics.Controller.Set(metadata.Controller == queries.SelfId ? 1 : 0);
            metrics.PartitionsOwned.Set(metadata.Topics.Sum(t => t.Partitions.Count(p => p.Owner == queries.SelfId)));
            await UpdateLagAsync();
            var clients = await ClusterClientReceptionist.Get(system).Underlying.Ask<ClusterClients>(GetClusterClients.Instance, AskTimeout, cancellationToken);
            metrics.SetAkkaConnections(clients.ClusterClientsList.Count);
        }
        catch (Exception e) when (e is AskTimeoutException or TimeoutException or TaskCanceledException)
        {
            // A scrape during a failover shows the values of the previous one rather than failing.
        }
    }

    private async Task UpdateLagAsync()
    {
        var seen = new HashSet<(string, string, string)>();
        foreach (var group in await queries.GroupsAsync())
            foreach (var p in group.Partitions)
            {
                if (p.Lag is not { } lag) continue;
                var labels = (group.Group, p.Topic, p.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture));
                metrics.GroupLag.WithLabels(labels.Item1, labels.Item2, labels.Item3).Set(lag);
                seen.Add(labels);
            }
        // Groups deleted or partitions no longer committed disappear from the scrape, as in Kafka's exporters.
        foreach (var gone in _lagLabels.Where(l => !seen.Contains(l))) metrics.GroupLag.RemoveLabelled(gone.Group, gone.Topic, gone.Partition);
        _lagLabels = seen;
    }
}
