using System.Text;
using AkkaKafka.Broker;
using AkkaKafka.Broker.Controller;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Cli;

/// <summary>Text output in the shape Kafka's tools print, so Kafka users can read it at a glance.</summary>
internal static class Format
{
    /// <summary>
    /// A topic as kafka-topics --describe shows it: its configs (DescribeConfigs) on the first line, then a line per
    /// partition with its leader's Kafka node id ("none" while it has none, or when its owner has no Kafka listener)
    /// and leader epoch (Metadata).
    /// </summary>
    public static string Topic(MetadataResponseData.MetadataResponseTopic t, IReadOnlyDictionary<string, string?> configs)
    {
        string Config(string name) => configs.GetValueOrDefault(name) is { } value ? Retention(value) : "-";
        var sb = new StringBuilder();
        sb.Append($"Topic: {t.Name}\tPartitionCount: {t.Partitions.Count}\tRetentionMs: {Config(TopicConfigs.RetentionMs)}\tRetentionBytes: {Config(TopicConfigs.RetentionBytes)}\tMessageTimestampType: {configs.GetValueOrDefault(TopicConfigs.MessageTimestampType) ?? "-"}\n");
        foreach (var p in t.Partitions.OrderBy(p => p.PartitionIndex))
            sb.Append($"\tTopic: {t.Name}\tPartition: {p.PartitionIndex}\tLeader: {(p.LeaderId < 0 ? "none" : p.LeaderId.ToString())}\tEpoch: {p.LeaderEpoch}\n");
        return sb.ToString();
    }

    private static string Retention(string value) => value.StartsWith('-') ? "forever" : value;

    public static string ClusterStatus(ClusterStatus status)
    {
        var sb = new StringBuilder();
        // User topics and internal ones (__transactions) are counted apart, so the spread of user partitions is plain.
        Dictionary<string, int> Owned(bool internalTopics) => status.Metadata.Topics
            .Where(t => IsInternal(t.Name) == internalTopics)
            .SelectMany(t => t.Partitions).Where(p => p.Owner is not null)
            .GroupBy(p => p.Owner!).ToDictionary(g => g.Key, g => g.Count());
        var owned = Owned(false);
        var ownedInternal = Owned(true);
        sb.Append($"Leader (controller, oldest Up broker): {status.Leader ?? "none: the controller is failing over (this broker answered from its last metadata)"}\n");
        // Oldest first, so the controller (the oldest Up broker) is the first Up broker: the order says the age, no
        // column need (the AGE column was a rank, and was read as a time).
        sb.Append($"Members: {status.Members.Count}, oldest first\n");
        // NODE-ID and KAFKA come last: scripts (.ci/run, run-cluster.ps1) read the first columns by position.
        sb.Append($"{"ADDRESS",-36} {"STATUS",-22} {"ROLES",-10} {"PARTITIONS",10} {"INTERNAL",8} {"NODE-ID",7} {"KAFKA",-21}\n");
        foreach (var m in status.Members)
        {
            var id = HostPortOf(m.Address);
            var leader = id == status.Leader ? " (leader)" : "";
            var broker = status.Metadata.Broker(id);
            var nodeId = broker is { NodeId: >= 0 } ? broker.NodeId.ToString() : "-";
            // The roles that carry the Kafka endpoint and node id have their own columns; the HTTP endpoint is the console's.
            var roles = string.Join(",", m.Roles.Where(r => !BrokerRoles.IsKafkaRole(r) && !BrokerRoles.IsHttpRole(r)).Order(StringComparer.Ordinal));
            sb.Append($"{m.Address,-36} {m.Status,-22} {roles,-10} {owned.GetValueOrDefault(id),10} {ownedInternal.GetValueOrDefault(id),8} {nodeId,7} {broker?.KafkaEndpoint ?? "-",-21}{leader}\n");
        }
        var topics = status.Metadata.Topics.Where(t => !IsInternal(t.Name)).ToList();
        sb.Append($"Topics: {topics.Count}, partitions: {topics.Sum(t => t.PartitionCount)}, unassigned: {topics.SelectMany(t => t.Partitions).Count(p => p.Owner is null)}\n");
        return sb.ToString();
    }

    /// <summary>`user list`: one user a line with its mechanisms, under a header (a header alone when there are none).</summary>
    public static string Users(IReadOnlyList<AkkaKafka.Client.UserSummary> users)
    {
        var width = Math.Max("USER".Length, users.Count == 0 ? 0 : users.Max(u => u.Name.Length));
        var sb = new StringBuilder();
        sb.Append($"{"USER".PadRight(width)} MECHANISMS\n");
        foreach (var u in users) sb.Append($"{u.Name.PadRight(width)} {string.Join(",", u.Mechanisms)}\n");
        return sb.ToString();
    }

    /// <summary>`acl list`: a table of the allow rules, in the order they were added.</summary>
    public static string Acls(IReadOnlyList<AkkaKafka.Protocol.Security.AclRule> acls)
    {
        var userWidth = Math.Max("USER".Length, acls.Count == 0 ? 0 : acls.Max(a => a.User.Length));
        var nameWidth = Math.Max("RESOURCE".Length, acls.Count == 0 ? 0 : acls.Max(a => a.ResourceName.Length));
        var sb = new StringBuilder();
        sb.Append($"{"USER".PadRight(userWidth)} {"TYPE",-7} {"RESOURCE".PadRight(nameWidth)} OPERATION\n");
        foreach (var a in acls)
            sb.Append($"{a.User.PadRight(userWidth)} {a.ResourceType.ToString().ToLowerInvariant(),-7} {a.ResourceName.PadRight(nameWidth)} {a.Operation.ToString().ToLowerInvariant()}\n");
        return sb.ToString();
    }

    public static bool IsInternal(string topic) => topic.StartsWith("__", StringComparison.Ordinal);

    /// <summary>"akka.tcp://akkakafka@127.0.0.1:4053" -> "127.0.0.1:4053".</summary>
    public static string HostPortOf(string address)
    {
        var at = address.LastIndexOf('@');
        return at < 0 ? address : address[(at + 1)..];
    }
}
