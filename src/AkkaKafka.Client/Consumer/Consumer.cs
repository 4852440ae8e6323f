using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Akka.Actor;
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
/// <para>A thread-safe facade over a <see cref="ConsumerActor"/>, the one owner of the consumer's partitions,
/// positions, commits and group session, with a <see cref="PartitionFetcher"/> child per partition. The facade only
/// sends it messages and reads the buffer; the application's thread touches nothing of the actor's state but the
/// lease of each record it takes (how far it has been given records).</para>
/// </summary>
public sealed class Consumer : IAsyncDisposable
{
    // Close commits and leaves in two steps of at most 5 s each (ConsumerActor); a little more for the messages.
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(12);
    private readonly ClusterConnection _connection;
    private readonly AdminClient _admin;
    private readonly Channel<Delivery> _buffer;
    private readonly ConsumerView _view = new();
    private readonly IActorRef _actor;
    private readonly string _clientId;
    private int _subscribed;
    private int _disposed;

    public Consumer(ClusterConnection connection, string? clientId = null)
    {
        _connection = connection;
        _admin = new AdminClient(connection);
        _buffer = Channel.CreateBounded<Delivery>(new BoundedChannelOptions(connection.Settings.MaxBufferedRecords)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        // Kafka clients name themselves (rdkafka, consumer-<group>-<n>); `group describe` shows ours as akkakafka.
        _clientId = clientId ?? $"akkakafka-consumer-{Environment.ProcessId}";
        _actor = connection.System.ActorOf(ConsumerActor.Props(connection, _clientId, _buffer.Writer, _view,
            error => OnFetchError?.Invoke(error)), $"consumer-{Guid.NewGuid():N}");
    }

    /// <summary>
    /// Called (on a consumer thread: keep it short) when a partition's fetches start failing, e.g. KAFKA_STORAGE_ERROR:
    /// once per error until fetches succeed again, not once per fetch. The consumer retries by itself; this tells the
    /// reader why no records come. Routine partition moves (NOT_LEADER_OR_FOLLOWER) are not told.
    /// </summary>
    public Action<FetchError>? OnFetchError { get; init; }

    /// <summary>The partitions this consumer reads right now.</summary>
    public IReadOnlyCollection<TopicPartition> Assignment => _view.Assignment;

    /// <summary>Whether more records are already waiting in the buffer (a reader may batch its output until not).</summary>
    public bool HasBufferedRecords => _buffer.Reader.Count > 0;

    /// <summary>The member id while in a group.</summary>
    public string? MemberId => _view.MemberId;

    /// <summary>The group generation <see cref="Assignment"/> belongs to; -1 outside a group (Kafka's groupMetadata().generationId()).</summary>
    public int Generation => _view.Generation;

    /// <summary>Starts reading the given partitions (all when null) of a topic; fails if the topic does not exist.</summary>
    public async Task<IReadOnlyList<int>> AssignAsync(string topic, StartPosition start, IReadOnlyList<int>? partitions = null, CancellationToken ct = default)
    {
        var t = await TopicAsync(topic, ct);
        var chosen = partitions ?? Enumerable.Range(0, t.PartitionCount).ToList();
        foreach (var p in chosen)
            if (p < 0 || p >= t.PartitionCount)
                throw new KafkaException(ErrorCode.UnknownTopicOrPartition, $"topic '{topic}' has no partition {p}");
        var offsets = await StartPositions.ResolveAsync(_connection, _clientId, chosen.Select(p => (new TopicPartition(topic, p), start)).ToList(), ct);
        var starts = chosen.Select(p => new TopicPartition(topic, p)).Select(tp => new PartitionStart(tp, offsets[tp])).ToList();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _actor.Tell(new AssignPartitions(starts, done));
        await done.Task.WaitAsync(ct);
        return chosen;
    }

    /// <summary>
    /// Joins consumer group <paramref name="group"/> for <paramref name="topic"/>; reads whatever partitions the
    /// coordinator assigns, from the committed position or else from <paramref name="resetTo"/>.
    /// </summary>
    public async Task SubscribeAsync(string group, string topic, StartPosition resetTo, CancellationToken ct = default)
    {
        if (Interlocked.Exchange(ref _subscribed, 1) == 1) throw new InvalidOperationException("already subscribed");
        var t = await TopicAsync(topic, ct);
        var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _actor.Tell(new JoinConsumerGroup(group, Enumerable.Range(0, t.PartitionCount).Select(p => new TopicPartition(topic, p)).ToList(), resetTo, joined));
        await joined.Task.WaitAsync(ct);
    }

    /// <summary>The records of every assigned partition, in offset order within each partition.</summary>
    public async IAsyncEnumerable<ConsumerRecord> ReadAllAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var (record, lease) in _buffer.Reader.ReadAllAsync(ct))
        {
            // A partition taken away by a rebalance: its new owner reads it from the position committed when it was revoked.
            if (!lease.TryHandOver(record.Offset + 1)) continue;
            yield return record;
        }
    }

    /// <summary>
    /// Commits the position after the last record handed to the application, for partitions whose position moved
    /// (nothing outside a group). A commit refused because the group rebalanced is made again, after rejoining, for the
    /// partitions this member kept; a refusal that stands is a <see cref="KafkaException"/>.
    /// </summary>
    public async Task CommitAsync(CancellationToken ct = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _actor.Tell(new CommitNow(done));
        await done.Task.WaitAsync(ct);
    }

    private async Task<TopicMetadata> TopicAsync(string topic, CancellationToken ct)
    {
        // A broker that does not know the cluster yet refuses Metadata, retriably: the request is sent again until it is answered.
        var metadata = await _admin.MetadataAsync([topic], autoCreate: false, ct);
        return metadata.Topic(topic) ?? throw new KafkaException(ErrorCode.UnknownTopicOrPartition, $"topic '{topic}' does not exist");
    }

    /// <summary>Stops fetching, commits what was handed to the application and leaves the group (bounded), then ends the buffer.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        if (!_connection.System.WhenTerminated.IsCompleted)
        {
            var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _actor.Tell(new CloseConsumer(closed));
            try
            {
                await closed.Task.WaitAsync(CloseTimeout);
            }
            catch (TimeoutException)
            {
                // Leaving is a courtesy: without it the coordinator expires us after the session timeout.
                _actor.Tell(PoisonPill.Instance);
            }
        }
        _buffer.Writer.TryComplete();
    }
}
