using Akka.Actor;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Client.Consumer;

/// <summary>
/// One consumer's fetches, per broker, as Kafka's consumer makes them: the <see cref="PartitionFetcher"/>s say where
/// they want to read (<see cref="WantFetch"/>) or start (<see cref="WantStart"/>), and this actor sends each broker one
/// Kafka Fetch (or ListOffsets) for all the partitions it owns, over the Kafka API the brokers serve to both transports.
/// A partition is in at most one fetch at a time, and a broker has at most <see cref="MaxFetchesPerBroker"/> in flight
/// (one long poll on idle partitions, one for partitions just drained), each answer at most fetch-max-bytes: so a
/// consumer of 10,000 partitions sends a few requests, not 10,000, and never floods remoting. A partition whose fetch
/// brought nothing stays here and is in the next fetch; one that brought records or an error goes to its fetcher,
/// which asks again once the records are in the application's buffer. Owners come from metadata kept here, asked again
/// when a broker says a partition moved.
/// </summary>
internal sealed class BrokerFetches : UntypedActor
{
    /// <summary>A long poll on idle partitions beside a fetch of busy ones: a drained partition never waits out another's long poll.</summary>
    private const int MaxFetchesPerBroker = 2;

    private readonly ClusterConnection _connection;
    private readonly string _clientId;
    private readonly Dictionary<TopicPartition, Want> _wanting = new();
    private readonly HashSet<TopicPartition> _fetching = [];
    private readonly Dictionary<string, int> _inFlight = new(StringComparer.Ordinal);
    private readonly Dictionary<TopicPartition, (StartPosition Start, IActorRef Fetcher)> _starts = new();
    /// <summary>The live fetchers and the one partition each reads: a stopped one is forgotten in O(1), not by scanning every want.</summary>
    private readonly Dictionary<IActorRef, TopicPartition> _watched = new();
    private ClusterMetadata _metadata = ClusterMetadata.Empty;
    private bool _metadataInFlight;
    private bool _metadataStale;
    private bool _flushQueued;

    private sealed record Want(long Position, IActorRef Fetcher);

    public BrokerFetches(ClusterConnection connection, string clientId)
    {
        _connection = connection;
        _clientId = clientId;
    }

    public static Props Props(ClusterConnection connection, string clientId) => Akka.Actor.Props.Create(() => new BrokerFetches(connection, clientId));

    /// <summary>Fetch <paramref name="Partition"/> from <paramref name="Position"/>; answered with a <see cref="PartitionFetched"/> that has records or an error.</summary>
    public sealed record WantFetch(TopicPartition Partition, long Position);

    /// <summary>Find where <paramref name="Partition"/> starts; answered with <see cref="PartitionFetcher.Positioned"/> or <see cref="PartitionFetcher.StartNotFound"/>.</summary>
    public sealed record WantStart(TopicPartition Partition, StartPosition Start);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case WantFetch want:
                Watch(Sender, want.Partition);
                _wanting[want.Partition] = new Want(want.Position, Sender);
                QueueFlush();
                break;
            case WantStart want:
                Watch(Sender, want.Partition);
                _starts[want.Partition] = (want.Start, Sender);
                QueueFlush();
                break;
            case Flush:
                _flushQueued = false;
                SendStarts();
                SendFetches();
                break;
            case MetadataAnswered answered:
                OnMetadata(answered.Metadata);
                break;
            case FetchAnswered answered:
                OnFetchAnswered(answered);
                break;
            case Terminated terminated:
                Forget(terminated.ActorRef);
                break;
        }
    }

    private void Watch(IActorRef fetcher, TopicPartition partition)
    {
        if (_watched.TryAdd(fetcher, partition)) Context.Watch(fetcher);
    }

    /// <summary>A fetcher stopped (its lease ended): nothing more is fetched for it, and answers still coming are dropped.</summary>
    private void Forget(IActorRef fetcher)
    {
        if (!_watched.Remove(fetcher, out var tp)) return;
        // A new lease's fetcher may already want the same partition: only this fetcher's own wants go.
        if (_wanting.TryGetValue(tp, out var want) && want.Fetcher.Equals(fetcher)) _wanting.Remove(tp);
        if (_starts.TryGetValue(tp, out var start) && start.Fetcher.Equals(fetcher)) _starts.Remove(tp);
    }

    /// <summary>
    /// Sends after the messages already in the mailbox: the wants of many fetchers that arrive together go in one request.
    /// </summary>
    private void QueueFlush()
    {
        if (_flushQueued) return;
        _flushQueued = true;
        Self.Tell(Flush.Instance);
    }

    /// <summary>
    /// New metadata; a partition whose topic it does not have gets UNKNOWN_TOPIC_OR_PARTITION (its fetcher retries in a
    /// while), so a deleted topic does not make this actor ask for metadata without end.
    /// </summary>
    private void OnMetadata(ClusterMetadata? metadata)
    {
        _metadataInFlight = false;
        if (metadata is null)
            _metadataStale = true;
        else
        {
            _metadata = metadata;
            foreach (var (tp, want) in _wanting.Where(w => metadata.Topic(w.Key.Topic) is null).ToList())
            {
                _wanting.Remove(tp);
                want.Fetcher.Tell(new PartitionFetched(new FetchResponseData.PartitionData(tp.Partition, ErrorCode.UnknownTopicOrPartition, -1, null), null));
            }
        }
        QueueFlush();
    }

    private void RefreshMetadata()
    {
        if (_metadataInFlight) return;
        _metadataInFlight = true;
        _metadataStale = false;
        var topics = _wanting.Keys.Select(tp => tp.Topic).Concat(_starts.Keys.Select(tp => tp.Topic)).Concat(_fetching.Select(tp => tp.Topic))
            .Distinct().ToList();
        new AdminClient(_connection).MetadataAsync(topics, autoCreate: false)
            .PipeTo(Self, success: m => new MetadataAnswered(m), failure: _ => new MetadataAnswered(null));
    }

    private string? OwnerOf(TopicPartition tp) => _metadata.Topic(tp.Topic)?.Partition(tp.Partition)?.Owner;

    /// <summary>All start positions asked for so far, in one batch (ListOffsets per broker, <see cref="StartPositions"/>).</summary>
    private void SendStarts()
    {
        if (_starts.Count == 0) return;
        var batch = _starts.ToList();
        _starts.Clear();
        var wanted = batch.Select(s => (s.Key, s.Value.Start)).ToList();
        StartPositions.ResolveAsync(_connection, _clientId, wanted, CancellationToken.None).ContinueWith(t =>
        {
            foreach (var (tp, (_, fetcher)) in batch)
            {
                if (t.IsCompletedSuccessfully) fetcher.Tell(new PartitionFetcher.Positioned(t.Result[tp]));
                else fetcher.Tell(new PartitionFetcher.StartNotFound(t.Exception?.GetBaseException() ?? new TaskCanceledException()));
            }
        }, TaskContinuationOptions.ExecuteSynchronously);
    }

    /// <summary>One fetch per broker (within <see cref="MaxFetchesPerBroker"/>) of every partition that waits for one and is not in one.</summary>
    private void SendFetches()
    {
        if (_wanting.Count == 0) return;
        // Stale metadata still routes (a moved partition answers NOT_LEADER and waits for the new); an unknown topic waits for the answer.
        if (_metadataStale || _wanting.Keys.Any(tp => _metadata.Topic(tp.Topic) is null)) RefreshMetadata();
        foreach (var owned in _wanting.Where(w => _metadata.Topic(w.Key.Topic) is not null).GroupBy(w => OwnerOf(w.Key) ?? "").ToList())
        {
            if (_inFlight.GetValueOrDefault(owned.Key) >= MaxFetchesPerBroker) continue;
            var partitions = owned.Select(w => (Partition: w.Key, w.Value.Position, w.Value.Fetcher)).ToList();
            foreach (var p in partitions)
            {
                _wanting.Remove(p.Partition);
                _fetching.Add(p.Partition);
            }
            _inFlight[owned.Key] = _inFlight.GetValueOrDefault(owned.Key) + 1;
            Send(owned.Key, partitions);
        }
    }

    private void Send(string owner, List<(TopicPartition Partition, long Position, IActorRef Fetcher)> partitions)
    {
        var settings = _connection.Settings;
        var request = new FetchRequestData(-1, (int)settings.FetchMaxWait.TotalMilliseconds, 1,
            partitions.GroupBy(p => p.Partition.Topic)
                .Select(t => new FetchRequestData.FetchTopic(t.Key, t.Select(p => new FetchRequestData.FetchPartition(p.Partition.Partition, p.Position, settings.FetchMaxBytes)).ToList()))
                .ToList(),
            MaxBytes: settings.FetchMaxBytes, IsolationLevel: (sbyte)settings.IsolationLevel);
        _connection.Routes.KafkaAsync(owner.Length == 0 ? null : owner, request, _clientId, FetchResponseData.Read, settings.FetchMaxWait + settings.RequestTimeout)
            .PipeTo(Self, success: r => new FetchAnswered(owner, partitions, r, null), failure: e => new FetchAnswered(owner, partitions, null, e.GetBaseException()));
    }

    private void OnFetchAnswered(FetchAnswered answered)
    {
        _inFlight[answered.Owner] -= 1;
        var results = answered.Response?.Responses
            .SelectMany(t => t.Partitions.Select(p => (Tp: new TopicPartition(t.Topic, p.PartitionIndex), Data: p)))
            .ToDictionary(r => r.Tp, r => r.Data);
        foreach (var (tp, position, fetcher) in answered.Partitions)
        {
            _fetching.Remove(tp);
            if (!_watched.ContainsKey(fetcher)) continue; // its lease ended meanwhile
            if (answered.Failure is { } failure)
            {
                _metadataStale = true;
                fetcher.Tell(new PartitionFetched(null, failure));
                continue;
            }
            if (results!.GetValueOrDefault(tp) is not { } data)
            {
                fetcher.Tell(new PartitionFetched(null, new KafkaException(ErrorCode.UnknownServerError, $"the fetch answer of broker {answered.Owner} lacks {tp.Topic}-{tp.Partition}")));
                continue;
            }
            if (data.ErrorCode == ErrorCode.None && (data.Records?.Length ?? 0) == 0)
            {
                // Nothing new: it stays for the next fetch, unless its fetcher asked for another position meanwhile.
                _wanting.TryAdd(tp, new Want(position, fetcher));
                continue;
            }
            if (data.ErrorCode is ErrorCode.NotLeaderOrFollower or ErrorCode.LeaderNotAvailable or ErrorCode.UnknownTopicOrPartition)
                _metadataStale = true;
            fetcher.Tell(new PartitionFetched(data, null, _connection.Settings.IsolationLevel));
        }
        QueueFlush();
    }

    private sealed record FetchAnswered(string Owner, List<(TopicPartition Partition, long Position, IActorRef Fetcher)> Partitions,
        FetchResponseData? Response, Exception? Failure);

    private sealed record MetadataAnswered(ClusterMetadata? Metadata);

    private sealed class Flush
    {
        public static readonly Flush Instance = new();
    }
}

/// <summary>
/// A partition's part of a fetch answer (records or an error), or the failure of the whole fetch; with the isolation
/// level the fetch was made at, which says how its records are read (<see cref="FetchedRecords"/>).
/// </summary>
internal sealed record PartitionFetched(FetchResponseData.PartitionData? Data, Exception? Failure, IsolationLevel Isolation = IsolationLevel.ReadUncommitted);
