using AkkaKafka.Protocol;

namespace AkkaKafka.Broker.Controller;

/// <summary>Owner and epoch of one partition in the controller's assignment.</summary>
public readonly record struct Ownership(string? Owner, long Epoch);

/// <summary>
/// Decides which broker owns each partition. Pure: the same inputs give the same assignment.
/// <para>Every topic is spread evenly (each broker gets floor or ceil of partitions/brokers), ties go to the broker
/// with the least partitions overall, and only partitions whose owner is gone or over its share move: a broker
/// joining takes just enough partitions to even things out, one leaving gives up only its own.</para>
/// </summary>
public static class PartitionAssigner
{
    /// <param name="brokers">Live brokers, oldest first (the order breaks ties, so it must be stable).</param>
    /// <param name="topics">All topics.</param>
    /// <param name="current">The assignment so far.</param>
    /// <param name="nextEpoch">Hands out a new, higher epoch for each partition that changes owner.</param>
    public static Dictionary<TopicPartition, Ownership> Assign(
        IReadOnlyList<string> brokers,
        IEnumerable<TopicConfig> topics,
        IReadOnlyDictionary<TopicPartition, Ownership> current,
        Func<long> nextEpoch)
    {
        var result = new Dictionary<TopicPartition, Ownership>();
        var live = new HashSet<string>(brokers);
        var globalLoad = brokers.ToDictionary(b => b, _ => 0);
        var brokerOrder = brokers.Select((b, i) => (b, i)).ToDictionary(x => x.b, x => x.i);

        foreach (var topic in topics.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            if (brokers.Count == 0)
            {
                for (var p = 0; p < topic.Partitions; p++)
                {
                    var tp = new TopicPartition(topic.Name, p);
                    var epoch = current.TryGetValue(tp, out var o) ? o.Epoch : 0;
                    result[tp] = new Ownership(null, epoch);
                }
                continue;
            }

            // Who keeps what they have, as long as they are alive.
            var kept = brokers.ToDictionary(b => b, _ => new List<int>());
            var orphans = new List<int>();
            for (var p = 0; p < topic.Partitions; p++)
            {
                if (current.TryGetValue(new TopicPartition(topic.Name, p), out var o) && o.Owner is { } owner && live.Contains(owner))
                    kept[owner].Add(p);
                else
                    orphans.Add(p);
            }

            // Shares: floor for all, ceil for `extra` brokers; prefer those already holding more (fewer moves),
            // then the least loaded overall, then the oldest.
            var floor = topic.Partitions / brokers.Count;
            var extra = topic.Partitions % brokers.Count;
            var quota = brokers.ToDictionary(b => b, _ => floor);
            foreach (var b in brokers
                         .OrderByDescending(b => Math.Min(kept[b].Count, floor + 1))
                         .ThenBy(b => globalLoad[b])
                         .ThenBy(b => brokerOrder[b])
                         .Take(extra))
                quota[b] = floor + 1;

            foreach (var b in brokers)
            {
                var mine = kept[b];
                while (mine.Count > quota[b])
                {
                    orphans.Add(mine[^1]);
                    mine.RemoveAt(mine.Count - 1);
                }
                foreach (var p in mine)
                    result[new TopicPartition(topic.Name, p)] = current[new TopicPartition(topic.Name, p)];
            }

            orphans.Sort();
            foreach (var p in orphans)
            {
                var target = brokers
                    .Where(b => kept[b].Count < quota[b])
                    .OrderBy(b => kept[b].Count)
                    .ThenBy(b => globalLoad[b])
                    .ThenBy(b => brokerOrder[b])
                    .First();
                kept[target].Add(p);
                result[new TopicPartition(topic.Name, p)] = new Ownership(target, nextEpoch());
            }

            foreach (var b in brokers) globalLoad[b] += kept[b].Count;
        }
        return result;
    }
}
