using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Client.Consumer;

/// <summary>A record as the application receives it.</summary>
public sealed record ConsumerRecord(string Topic, int Partition, long Offset, long Timestamp, byte[]? Key, byte[]? Value, IReadOnlyList<RecordHeader> Headers);

/// <summary>Where to start reading a partition (and, in a group, where to start when nothing is committed).</summary>
public abstract record StartPosition
{
    public sealed record Earliest : StartPosition;
    public sealed record Latest : StartPosition;
    public sealed record At(long Offset) : StartPosition;
    /// <summary>
    /// The first record whose timestamp is at or after <paramref name="TimestampMs"/> (Unix ms), per partition, as Kafka's
    /// offsetsForTimes finds it; where no record is that new, the log end (only records still to come).
    /// </summary>
    public sealed record AtTimestamp(long TimestampMs) : StartPosition;
}

/// <summary>
/// Reads partitions with one long-poll fetch per partition at a time (no fixed-interval polling: the broker answers
/// as soon as records arrive). Records go into a bounded buffer; when the application falls behind the fetchers
/// wait, so neither the broker nor the consumer buffers without bound.
/// <para>Either <see cref="AssignAsync"/> partitions by hand, or <see cref="SubscribeAsync"/> as a member of a
/// consumer group: the group coordinator divides the partitions among members, and positions of records handed to
/// the application are committed (at least once), so a restarted member resumes after the last commit.</para>
/// </summary>
public sealed class Consumer : IAsyncDisposable
{
    private readonly ClusterConnection _connection;
    private readonly AdminClient _admin;
    private readonly Channel<ConsumerRecord> _buffer;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<TopicPartition, Fetcher> _fetchers = new();
    private readonly ConcurrentDictionary<TopicPartition, long> _handedOver = new();
    private readonly Dictionary<TopicPartition, long> _committed = new();
    private readonly string _clientId;
    private GroupSession? _group;
    private Task? _groupLoop;

    public Consumer(ClusterConnection connection, string? clientId = null)
    {
        _connection = connection;
        _admin = new AdminClient(connection);
        _clientId = clientId ?? $"consumer-{Environment.ProcessId}";
        _buffer = Channel.CreateBounded<ConsumerRecord>(new BoundedChannelOptions(connection.Settings.MaxBufferedRecords)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>The partitions this consumer reads right now.</summary>
    public IReadOnlyCollection<TopicPartition> Assignment => _fetchers.Keys.ToList();

    /// <summary>Whether more records are already waiting in the buffer (a reader may batch its output until not).</summary>
    public bool HasBufferedRecords => _buffer.Reader.Count > 0;

    /// <summary>The member id while in a group.</summary>
    public string? MemberId => _group?.MemberId;

    /// <summary>Starts reading the given partitions (all when null) of a topic; fails if the topic does not exist.</summary>
    public async Task<IReadOnlyList<int>> AssignAsync(string topic, StartPosition start, IReadOnlyList<int>? partitions = null, CancellationToken ct = default)
    {
        var t = await TopicAsync(topic, ct);
        var chosen = partitions ?? Enumerable.Range(0, t.PartitionCount).ToList();
        foreach (var p in chosen)
            if (p < 0 || p >= t.PartitionCount)
                throw new KafkaException(ErrorCode.UnknownTopicOrPartition, $"topic '{topic}' has no partition {p}");
        foreach (var p in chosen)
            StartFetcher(new TopicPartition(topic, p), await ResolveAsync(topic, p, start, ct));
        return chosen;
    }

    /// <summary>
    /// Joins consumer group <paramref name="group"/> for <paramref name="topic"/>; reads whatever partitions the
    /// coordinator assigns, from the committed position or else from <paramref name="resetTo"/>.
    /// </summary>
    public async Task SubscribeAsync(string group, string topic, StartPosition resetTo, CancellationToken ct = default)
    {
        if (_group is not null) throw new InvalidOperationException("already subscribed");
        var t = await TopicAsync(topic, ct);
        _group = new GroupSession(group, Enumerable.Range(0, t.PartitionCount).Select(p => new TopicPartition(topic, p)).ToList(), resetTo);
        await JoinAsync(ct);
        _groupLoop = Task.Run(() => GroupLoopAsync(_stop.Token));
    }

    /// <summary>The records of every assigned partition, in offset order within each partition.</summary>
    public async IAsyncEnumerable<ConsumerRecord> ReadAllAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var record in _buffer.Reader.ReadAllAsync(ct))
        {
            var tp = new TopicPartition(record.Topic, record.Partition);
            // A partition taken away by a rebalance: its new owner reads it from the committed position.
            if (!_fetchers.TryGetValue(tp, out var fetcher) || fetcher.Stopped) continue;
            _handedOver[tp] = record.Offset + 1;
            yield return record;
        }
    }

    private async Task<TopicMetadata> TopicAsync(string topic, CancellationToken ct)
    {
        var metadata = await _admin.MetadataAsync([topic], autoCreate: false, ct);
        var deadline = DateTime.UtcNow + _connection.Settings.RequestTimeout;
        while (metadata.Version == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, ct);
            metadata = await _admin.MetadataAsync([topic], autoCreate: false, ct);
        }
        return metadata.Topic(topic) ?? throw new KafkaException(ErrorCode.UnknownTopicOrPartition, $"topic '{topic}' does not exist");
    }

    private async Task<long> ResolveAsync(string topic, int partition, StartPosition start, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + _connection.Settings.RequestTimeout;
        while (true)
        {
            try
            {
                return start switch
                {
                    StartPosition.At at => at.Offset,
                    StartPosition.Earliest => await _admin.ListOffsetAsync(topic, partition, ListOffsetsRequest.Earliest, ct),
                    StartPosition.AtTimestamp at => await _admin.ListOffsetAsync(topic, partition, Math.Max(0, at.TimestampMs), ct) is var found and >= 0
                        ? found : await _admin.ListOffsetAsync(topic, partition, ListOffsetsRequest.Latest, ct),
                    _ => await _admin.ListOffsetAsync(topic, partition, ListOffsetsRequest.Latest, ct),
                };
            }
            catch (KafkaException e) when (e.Error.IsRetriable() && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, ct);
            }
        }
    }

    private void StartFetcher(TopicPartition tp, long position)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        var fetcher = new Fetcher(cts);
        if (!_fetchers.TryAdd(tp, fetcher)) return;
        fetcher.Loop = Task.Run(() => FetchLoopAsync(tp, position, cts.Token));
    }

    private async Task StopFetcherAsync(TopicPartition tp)
    {
        if (!_fetchers.TryRemove(tp, out var fetcher)) return;
        fetcher.Stopped = true;
        await fetcher.Cancellation.CancelAsync();
        try { await (fetcher.Loop ?? Task.CompletedTask); } catch (OperationCanceledException) { }
        _handedOver.TryRemove(tp, out _);
    }

    private async Task FetchLoopAsync(TopicPartition tp, long position, CancellationToken ct)
    {
        var settings = _connection.Settings;
        var maxWaitMs = (int)settings.FetchMaxWait.TotalMilliseconds;
        // Fetches go straight to the partition's owner; when it is not (any more), or cannot be reached, look again.
        var owner = await OwnerAsync(tp, ct);
        while (!ct.IsCancellationRequested)
        {
            FetchResponse response;
            try
            {
                response = await _connection.Routes.AskAsync<FetchResponse>(owner,
                    new FetchRequest(tp.Topic, tp.Partition, position, settings.FetchMaxBytes, maxWaitMs, _clientId, _connection.Address),
                    settings.FetchMaxWait + settings.RequestTimeout, ct);
            }
            catch (OperationCanceledException) { return; }
            catch (ClusterUnavailableException)
            {
                // A broker failing over or a moment without contact: keep trying, the cluster client reconnects.
                await Delay(500, ct);
                owner = await OwnerAsync(tp, ct);
                continue;
            }

            switch (response.Error)
            {
                case ErrorCode.None:
                    try
                    {
                        foreach (var record in RecordBatches.ReadRecords(response.Records))
                        {
                            if (record.Offset < position) continue; // a batch may start before the requested offset
                            await _buffer.Writer.WriteAsync(new ConsumerRecord(tp.Topic, tp.Partition, record.Offset, record.Timestamp, record.Key, record.Value, record.Headers), ct);
                            position = record.Offset + 1;
                        }
                    }
                    catch (OperationCanceledException) { return; }
                    break;
                case ErrorCode.OffsetOutOfRange when position < response.LogStartOffset:
                    // Retention removed what we wanted to read: continue from the oldest record left (auto.offset.reset=earliest).
                    position = response.LogStartOffset;
                    break;
                case ErrorCode.OffsetOutOfRange:
                    position = response.HighWatermark;
                    break;
                default:
                    // NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE…: the partition moved or is moving.
                    await Delay(200, ct);
                    owner = await OwnerAsync(tp, ct);
                    break;
            }
        }
    }

    /// <summary>The partition's owner as the cluster's metadata names it now; null (ask any broker) when unknown.</summary>
    private async Task<string?> OwnerAsync(TopicPartition tp, CancellationToken ct)
    {
        try
        {
            var metadata = await _admin.MetadataAsync([tp.Topic], autoCreate: false, ct);
            return metadata.Topic(tp.Topic)?.Partition(tp.Partition)?.Owner;
        }
        catch (Exception e) when (e is ClusterUnavailableException or KafkaException or OperationCanceledException)
        {
            return null;
        }
    }

    // ---------------- consumer group ----------------

    private async Task JoinAsync(CancellationToken ct)
    {
        var g = _group!;
        var response = await _connection.AskAsync<JoinGroupResponse>(
            new JoinGroup(g.Group, g.MemberId, _clientId, g.Partitions, (int)_connection.Settings.SessionTimeout.TotalMilliseconds), cancellationToken: ct);
        if (response.Error != ErrorCode.None) throw new KafkaException(response.Error, $"joining group {g.Group}: {response.Error.Describe()}");
        g.MemberId = response.MemberId;
        await ApplyAssignmentAsync(response.Generation, response.Assignment, ct);
    }

    private async Task ApplyAssignmentAsync(int generation, IReadOnlyList<TopicPartition> assignment, CancellationToken ct)
    {
        var g = _group!;
        g.Generation = generation;
        var wanted = assignment.ToHashSet();
        foreach (var revoked in _fetchers.Keys.Where(tp => !wanted.Contains(tp)).ToList())
            await StopFetcherAsync(revoked);
        var added = assignment.Where(tp => !_fetchers.ContainsKey(tp)).ToList();
        if (added.Count == 0) return;
        var committed = await _connection.AskAsync<OffsetFetchResponse>(new OffsetFetch(g.Group, added), cancellationToken: ct);
        foreach (var tp in added)
        {
            var offset = committed.Offsets.FirstOrDefault(o => o.Topic == tp.Topic && o.Partition == tp.Partition)?.Offset ?? -1;
            if (offset >= 0) _committed[tp] = offset;
            StartFetcher(tp, offset >= 0 ? offset : await ResolveAsync(tp.Topic, tp.Partition, g.ResetTo, ct));
        }
    }

    private async Task GroupLoopAsync(CancellationToken ct)
    {
        var settings = _connection.Settings;
        var interval = TimeSpan.FromTicks(Math.Min(settings.HeartbeatInterval.Ticks, settings.AutoCommitInterval.Ticks));
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, ct);
                await CommitAsync(ct);
                var g = _group!;
                var beat = await _connection.AskAsync<HeartbeatResponse>(new Heartbeat(g.Group, g.MemberId!, g.Generation), cancellationToken: ct);
                if (beat.Error == ErrorCode.UnknownMemberId)
                {
                    // Expired, or the coordinator moved to another broker: join again under a new member id.
                    g.MemberId = null;
                    await JoinAsync(ct);
                }
                else if (beat.Generation != g.Generation)
                    await ApplyAssignmentAsync(beat.Generation, beat.Assignment, ct);
            }
            catch (OperationCanceledException) { return; }
            catch (Exception e) when (e is ClusterUnavailableException or KafkaException)
            {
                // The coordinator is failing over; the next heartbeat tries again.
            }
        }
    }

    /// <summary>Commits the position after the last record handed to the application, for partitions whose position moved.</summary>
    public async Task CommitAsync(CancellationToken ct = default)
    {
        var g = _group;
        if (g?.MemberId is null) return;
        var offsets = _handedOver
            .Where(kv => !_committed.TryGetValue(kv.Key, out var c) || c != kv.Value)
            .Select(kv => new PartitionOffset(kv.Key.Topic, kv.Key.Partition, kv.Value)).ToList();
        if (offsets.Count == 0) return;
        var response = await _connection.AskAsync<OffsetCommitResponse>(new OffsetCommit(g.Group, g.MemberId, g.Generation, offsets, _connection.Address), cancellationToken: ct);
        if (response.Error == ErrorCode.None)
            foreach (var o in offsets) _committed[new TopicPartition(o.Topic, o.Partition)] = o.Offset;
    }

    private static async Task Delay(int ms, CancellationToken ct)
    {
        try { await Task.Delay(ms, ct); } catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await (_groupLoop ?? Task.CompletedTask); } catch (OperationCanceledException) { }
        foreach (var tp in _fetchers.Keys.ToList())
        {
            if (!_fetchers.TryGetValue(tp, out var f)) continue;
            try { await (f.Loop ?? Task.CompletedTask); } catch (OperationCanceledException) { }
        }
        if (_group?.MemberId is { } memberId)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await CommitAsync(cts.Token);
                await _connection.AskAsync<LeaveGroupResponse>(new LeaveGroup(_group.Group, memberId), TimeSpan.FromSeconds(5), cts.Token);
            }
            catch (Exception e) when (e is ClusterUnavailableException or KafkaException or OperationCanceledException)
            {
                // Leaving is a courtesy: without it the coordinator expires us after the session timeout.
            }
        }
        _buffer.Writer.TryComplete();
    }

    private sealed class Fetcher(CancellationTokenSource cancellation)
    {
        public CancellationTokenSource Cancellation { get; } = cancellation;
        public Task? Loop { get; set; }
        public volatile bool Stopped;
    }

    private sealed class GroupSession(string group, IReadOnlyList<TopicPartition> partitions, StartPosition resetTo)
    {
        public string Group { get; } = group;
        public IReadOnlyList<TopicPartition> Partitions { get; } = partitions;
        public StartPosition ResetTo { get; } = resetTo;
        public string? MemberId { get; set; }
        public int Generation { get; set; }
    }
}
