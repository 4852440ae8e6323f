using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Hosting;

/// <summary>
/// What an operator watching one broker's terminal should be told when the cluster's metadata changes: the controller
/// moving (to this broker or elsewhere) and this broker's partitions arriving or leaving. Pure: the lines follow from
/// the previous and the new metadata alone.
/// </summary>
public sealed class BrokerEventLog
{
    private readonly string _self;

    private BrokerEventLog(string self, ClusterMetadata seen)
    {
        _self = self;
        Seen = seen;
    }

    /// <summary>The metadata the lines so far describe.</summary>
    public ClusterMetadata Seen { get; }

    public static BrokerEventLog Start(string self) => new(self, ClusterMetadata.Empty);

    /// <summary>The lines that tell <paramref name="next"/> apart from what was seen, and the state that has seen it.</summary>
    public (BrokerEventLog State, IReadOnlyList<string> Lines) Updated(ClusterMetadata next)
    {
        if (next.Version <= Seen.Version) return (this, []);
        var lines = new List<string>();
        if (next.Controller != Seen.Controller && next.Controller is not null)
            lines.Add(next.Controller == _self ? "this broker is now the controller (the oldest broker)" : $"the controller is now {next.Controller}");

        var before = Owned(Seen);
        var after = Owned(next);
        var gained = after.Where(p => !before.ContainsKey(p.Key)).Select(p => p.Key).ToList();
        var lost = before.Keys.Where(p => !after.ContainsKey(p)).ToList();
        if (gained.Count > 0) lines.Add($"now owns {Describe(gained)}");
        foreach (var group in lost.GroupBy(p => OwnerOf(next, p)).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var partitions = Describe(group.ToList());
            lines.Add(group.Key switch
            {
                null => $"no longer owns {partitions} (topic deleted)",
                "" => $"no longer owns {partitions} (waiting for a new owner)",
                var owner => $"no longer owns {partitions} (moved to {owner})",
            });
        }
        return (new BrokerEventLog(_self, next), lines);
    }

    private Dictionary<(string Topic, int Partition), long> Owned(ClusterMetadata metadata)
    {
        var owned = new Dictionary<(string, int), long>();
        foreach (var topic in metadata.Topics)
        foreach (var p in topic.Partitions)
            if (p.Owner == _self) owned[(topic.Name, p.Partition)] = p.Epoch;
        return owned;
    }

    /// <summary>The new owner of a partition; "" when it has none yet, null when its topic is gone.</summary>
    private static string? OwnerOf(ClusterMetadata metadata, (string Topic, int Partition) partition) =>
        metadata.Topic(partition.Topic)?.Partition(partition.Partition) is { } p ? p.Owner ?? "" : null;

    /// <summary>"orders-0, orders-3 and 4 more": short enough for one line however many partitions move.</summary>
    internal static string Describe(IReadOnlyList<(string Topic, int Partition)> partitions)
    {
        const int shown = 8;
        var names = partitions.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition)
            .Select(p => $"{p.Topic}-{p.Partition}").ToList();
        var text = string.Join(", ", names.Take(shown));
        return names.Count > shown ? $"{text} and {names.Count - shown} more" : text;
    }
}
