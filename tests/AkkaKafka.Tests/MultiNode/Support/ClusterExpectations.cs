using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using Xunit.Sdk;

namespace AkkaKafka.Tests.MultiNode.Support;

/// <summary>States a spec waits for (bounded) before it asserts: ownership settled, partitions served, membership converged.</summary>
public static class ClusterExpectations
{
    /// <summary>Bound on any one wait for the cluster; a healthy cluster needs a few seconds at most.</summary>
    public static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Polls the controller's metadata (asked through node <paramref name="via"/>) until every partition of
    /// <paramref name="topic"/> is owned by a running node and <paramref name="expect"/> passes.
    /// Returns partition → owner's node number.
    /// </summary>
    public static Task<IReadOnlyDictionary<int, int>> AwaitOwnersAsync(
        this ClusterFixture cluster, string topic, int via, Action<IReadOnlyDictionary<int, int>>? expect = null, TimeSpan? within = null) =>
        Eventually.Async(within ?? Within, async () =>
        {
            var owners = (await cluster.Node(via).MetadataAsync()).Owners(topic);
            var running = cluster.Running.Select(cluster.BrokerId).ToHashSet();
            var stray = owners.Where(kv => kv.Value is null || !running.Contains(kv.Value)).ToList();
            if (stray.Count > 0)
                throw new XunitException("partitions not owned by a running node: " +
                                         string.Join(", ", stray.Select(kv => $"{kv.Key} -> {kv.Value ?? "nobody"}")));
            IReadOnlyDictionary<int, int> byNode = owners.ToDictionary(kv => kv.Key, kv => cluster.NumberOf(kv.Value!));
            expect?.Invoke(byNode);
            return byNode;
        });

    /// <summary>
    /// Waits until a ListOffsets for every partition succeeds through every running node: each node routes by
    /// current metadata to a live owner whose partition has recovered its log.
    /// </summary>
    public static Task AwaitServedEverywhereAsync(this ClusterFixture cluster, string topic, int partitions, TimeSpan? within = null) =>
        Eventually.Async(within ?? Within, async () =>
        {
            var asks = from n in cluster.Running
                       from p in Enumerable.Range(0, partitions)
                       select Served(n, p);
            await Task.WhenAll(asks);

            async Task Served(int node, int partition)
            {
                var response = await cluster.Node(node).LogEndOffsetAsync(topic, partition);
                if (response.Error != ErrorCode.None)
                    throw new XunitException($"node {node} cannot serve {topic}-{partition} yet: {response.Error}");
            }
        });

    /// <summary>Polls the cluster status (asked through node <paramref name="via"/>) until <paramref name="expect"/> passes.</summary>
    public static Task<ClusterStatus> AwaitClusterStatusAsync(this ClusterFixture cluster, int via, Action<ClusterStatus> expect, TimeSpan? within = null) =>
        Eventually.Async(within ?? Within, async () =>
        {
            var status = await cluster.Node(via).ClusterStatusAsync();
            expect(status);
            return status;
        });

    /// <summary>How many partitions node <paramref name="node"/> owns.</summary>
    public static int OwnedBy(this IReadOnlyDictionary<int, int> owners, int node) => owners.Values.Count(o => o == node);

    /// <summary>Partitions whose owner differs between two assignments.</summary>
    public static IReadOnlyList<int> Moved(IReadOnlyDictionary<int, int> before, IReadOnlyDictionary<int, int> after) =>
        before.Keys.Where(p => before[p] != after[p]).Order().ToList();
}
