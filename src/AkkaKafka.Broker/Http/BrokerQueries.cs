using System.Net.Http.Json;
using Akka.Actor;
using Akka.Cluster;
using AkkaKafka.Broker.KafkaListener;
using AkkaKafka.Broker.Node;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Http;

/// <summary>
/// What the JSON API and the scrape-time gauges ask this node: metadata, ListOffsets, and the coordinator's ListGroups
/// and DescribeGroup (as the Kafka group handlers ask them), asked of this node's BrokerActor in-process, which routes
/// them as it routes a client's. Membership comes from this node's own view of the cluster.
/// </summary>
public sealed class BrokerQueries(ActorSystem system, BrokerGateway broker, BrokerMetrics metrics, HttpSettings http)
{
    /// <summary>A console refresh must not hang on one slow partition owner: each ask is bounded well below a request timeout.</summary>
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);
    private readonly HttpClient _peers = http.Tls.PeerClient();
    private static readonly System.Text.Json.JsonSerializerOptions PeerJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    public string SelfId { get; } = BrokerIds.Of(Cluster.Get(system).SelfAddress);

    public Task<ClusterMetadata> CachedMetadataAsync() => broker.Ask<ClusterMetadata>(BrokerActor.GetCachedMetadata.Instance, AskTimeout);

    public async Task<ClusterView> ClusterAsync()
    {
        var metadata = await CachedMetadataAsync();
        var state = Cluster.Get(system).State;
        var leader = state.Leader is { } l ? BrokerIds.Of(l) : null;
        var members = state.Members.Select(m =>
        {
            var id = BrokerIds.Of(m.Address);
            var info = metadata.Broker(id);
            return new MemberView(id, m.Status.ToString(), !state.Unreachable.Contains(m),
                info is { NodeId: not BrokerInfo.NoNodeId } ? info.NodeId : null,
                info?.KafkaEndpoint ?? BrokerRoles.Parse(m.Roles).KafkaEndpoint, BrokerRoles.HttpEndpointOf(m.Roles),
                id == leader, id == metadata.Controller, id == SelfId);
        }).OrderBy(m => m.Id, StringComparer.Ordinal).ToList();
        return new ClusterView(SelfId, leader, metadata.Controller, http.Admin, members, metrics.TotalRecordsIn, metrics.TotalRecordsOut);
    }

    public async Task<IReadOnlyList<TopicView>> TopicsAsync()
    {
        var metadata = await CachedMetadataAsync();
        var sizes = await SizesAsync(metadata);
        var topics = metadata.Topics.OrderBy(t => t.Name, StringComparer.Ordinal).Select(async topic =>
        {
            var partitions = await Task.WhenAll(topic.Partitions.Select(async p =>
            {
                var start = OffsetAsync(topic.Name, p.Partition, ListOffsetsRequest.Earliest);
                var end = OffsetAsync(topic.Name, p.Partition, ListOffsetsRequest.Latest);
                long? size = sizes.TryGetValue((topic.Name, topic.TopicId, p.Partition), out var s) ? s : null;
                var ownerNodeId = p.Owner is null ? null : metadata.Broker(p.Owner) is { NodeId: not BrokerInfo.NoNodeId } b ? b.NodeId : (int?)null;
                return new PartitionView(p.Partition, p.Owner, ownerNodeId, await start, await end, size);
            }));
            return new TopicView(topic.Name, topic.TopicId, topic.PartitionCount, topic.RetentionMs, topic.RetentionBytes, partitions);
        });
        return await Task.WhenAll(topics);
    }

    /// <summary>
    /// Log sizes by partition: this broker's own, and those of every other owner read from its /api/partitions/local
    /// (a size lives only in the owner's memory; no cluster message carries it). An owner without HTTP or that does
    /// not answer in time leaves its partitions' sizes unknown.
    /// </summary>
    private async Task<Dictionary<(string Topic, long TopicId, int Partition), long>> SizesAsync(ClusterMetadata metadata)
    {
        var sizes = metadata.Topics.Any(t => t.Partitions.Any(p => p.Owner == SelfId))
            ? metrics.LocalLogs().ToDictionary(l => (l.Topic, l.TopicId, l.Partition), l => l.SizeBytes)
            : [];
        var owners = metadata.Topics.SelectMany(t => t.Partitions).Select(p => p.Owner).OfType<string>().Where(o => o != SelfId).ToHashSet();
        var endpoints = Cluster.Get(system).State.Members
            .Where(m => owners.Contains(BrokerIds.Of(m.Address)))
            .Select(m => BrokerRoles.HttpEndpointOf(m.Roles)).OfType<string>().ToList();
        var remote = await Task.WhenAll(endpoints.Select(async endpoint =>
        {
            try
            {
                using var timeout = new CancellationTokenSource(AskTimeout);
                return await _peers.GetFromJsonAsync<List<LocalLogView>>($"{http.Tls.Scheme}://{endpoint}/api/partitions/local", PeerJson, timeout.Token) ?? [];
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException)
            {
                return [];
            }
        }));
        foreach (var log in remote.SelectMany(r => r)) sizes[(log.Topic, log.TopicId, log.Partition)] = log.SizeBytes;
        return sizes;
    }

    public async Task<IReadOnlyList<GroupView>> GroupsAsync()
    {
        var names = await broker.Ask<ListGroupsResponse>(ListGroups.Instance, AskTimeout);
        var groups = await Task.WhenAll(names.Groups.OrderBy(g => g, StringComparer.Ordinal).Select(GroupAsync));
        return groups.OfType<GroupView>().ToList();
    }

    private async Task<GroupView?> GroupAsync(string name)
    {
        GroupDescription d;
        try
        {
            d = await broker.Ask<GroupDescription>(new DescribeGroup(name), AskTimeout);
        }
        catch (Exception e) when (IsNoAnswer(e))
        {
            return null;
        }
        if (d.Error != ErrorCode.None) return null;
        var owners = new Dictionary<TopicPartition, string>();
        foreach (var m in d.Members)
            foreach (var tp in m.Assignment) owners[tp] = m.MemberId;
        var partitions = d.Committed.Select(o => new TopicPartition(o.Topic, o.Partition)).Concat(owners.Keys).Distinct()
            .OrderBy(tp => tp.Topic, StringComparer.Ordinal).ThenBy(tp => tp.Partition).ToList();
        var rows = await Task.WhenAll(partitions.Select(async tp =>
        {
            var committed = d.Committed.FirstOrDefault(o => o.Topic == tp.Topic && o.Partition == tp.Partition)?.Offset;
            var end = await OffsetAsync(tp.Topic, tp.Partition, ListOffsetsRequest.Latest);
            // Kafka's lag: what the group has yet to read; never negative (a commit may run ahead of a stale end offset).
            long? lag = committed is { } c && c >= 0 && end is { } e ? Math.Max(0, e - c) : null;
            return new GroupPartitionView(tp.Topic, tp.Partition, committed, end, lag, owners.GetValueOrDefault(tp));
        }));
        var members = d.Members.Select(m => new GroupMemberView(m.MemberId, m.ClientId, m.ClientHost,
            m.Assignment.Select(tp => $"{tp.Topic}-{tp.Partition}").ToList())).ToList();
        return new GroupView(d.Group, d.State, d.Generation, d.Protocol, members, rows);
    }

    /// <summary>The earliest or latest offset of a partition, asked of its owner; null when it does not answer (failing over).</summary>
    public async Task<long?> OffsetAsync(string topic, int partition, long which)
    {
        try
        {
            var response = await broker.Ask<ListOffsetsResponse>(new ListOffsetsRequest(topic, partition, which), AskTimeout);
            return response.Error == ErrorCode.None ? response.Offset : null;
        }
        catch (Exception e) when (IsNoAnswer(e))
        {
            return null;
        }
    }

    /// <summary>
    /// Ready: this node is Up in the cluster, the journal answers (the controller, a persistent actor stopped while its
    /// journal fails and started again once it answers, replies, and no partition's last write here failed), and every
    /// partition the newest metadata this broker received assigns to it has recovered its log: ready means a produce to
    /// any of them is taken now, not after a restart's replay of thousands of partitions.
    /// </summary>
    public async Task<HealthView> ReadinessAsync()
    {
        var self = Cluster.Get(system).SelfMember;
        if (self.Status != MemberStatus.Up) return new HealthView("not ready", $"cluster member status is {self.Status}, not Up");
        if (metrics.LastJournalWriteFailed) return new HealthView("not ready", "the last journal write of a partition on this broker failed");
        try
        {
            var metadata = await broker.Ask<MetadataResponse>(new GetMetadata([]), AskTimeout);
            if (metadata.Metadata.Controller is null) return new HealthView("not ready", "no controller yet");
            var cached = await CachedMetadataAsync();
            if (cached.Controller is null) return new HealthView("not ready", "this broker has no metadata from the controller yet");
            var (owned, recovering) = metrics.Recovery(cached, SelfId);
            if (recovering > 0) return new HealthView("not ready", $"{recovering} of the {owned} partitions this broker owns are still recovering their logs");
        }
        catch (Exception e) when (IsNoAnswer(e))
        {
            return new HealthView("not ready", $"the controller (and its journal) did not answer within {AskTimeout.TotalSeconds:0} s");
        }
        return new HealthView("ready");
    }

    public Task<TopicCommandResult> CreateTopicAsync(string name, int partitions, long retentionMs, long retentionBytes) =>
        broker.Ask<TopicCommandResult>(new CreateTopic(name, partitions, retentionMs, retentionBytes));

    public Task<TopicCommandResult> DeleteTopicAsync(string name) => broker.Ask<TopicCommandResult>(new DeleteTopic(name));

    private static bool IsNoAnswer(Exception e) => e is AskTimeoutException or TimeoutException or TaskCanceledException;
}
