using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Client;

/// <summary>Topic administration and cluster status, as Kafka's kafka-topics and kafka-metadata tools offer.</summary>
public sealed partial class AdminClient(ClusterConnection connection)
{
    public Task<TopicCommandResult> CreateTopicAsync(string topic, int partitions, long retentionMs = CreateTopic.UseDefault, long retentionBytes = CreateTopic.UseDefault, CancellationToken ct = default) =>
        CreateTopicAsync(new CreateTopic(topic, partitions, retentionMs, retentionBytes), ct);

    /// <summary>Creates a topic with every setting <see cref="CreateTopic"/> carries (message.timestamp.type too).</summary>
    public Task<TopicCommandResult> CreateTopicAsync(CreateTopic create, CancellationToken ct = default) =>
        connection.AskAsync<TopicCommandResult>(create, cancellationToken: ct);

    public Task<TopicCommandResult> DeleteTopicAsync(string topic, CancellationToken ct = default) =>
        connection.AskAsync<TopicCommandResult>(new DeleteTopic(topic), cancellationToken: ct);

    /// <summary>Grows a topic to <paramref name="totalPartitions"/> partitions (Kafka's CreatePartitions / kafka-topics --alter).</summary>
    public Task<TopicCommandResult> AddPartitionsAsync(string topic, int totalPartitions, CancellationToken ct = default) =>
        connection.AskAsync<TopicCommandResult>(new AddPartitions(topic, totalPartitions), cancellationToken: ct);

    /// <summary>
    /// Changes a topic's retention (kafka-configs --alter --add-config retention.ms=…); <see cref="AlterTopicConfigs.Unchanged"/>
    /// leaves a setting as it is.
    /// </summary>
    public Task<TopicCommandResult> AlterTopicConfigsAsync(string topic, long retentionMs = AlterTopicConfigs.Unchanged, long retentionBytes = AlterTopicConfigs.Unchanged, CancellationToken ct = default) =>
        AlterTopicConfigsAsync(new AlterTopicConfigs(topic, retentionMs, retentionBytes), ct);

    /// <summary>Changes a topic's configs as <paramref name="alter"/> says (message.timestamp.type too).</summary>
    public Task<TopicCommandResult> AlterTopicConfigsAsync(AlterTopicConfigs alter, CancellationToken ct = default) =>
        connection.AskAsync<TopicCommandResult>(alter, cancellationToken: ct);

    /// <summary>
    /// The metadata of the cluster, or of <paramref name="topics"/>; one of those the user may not describe fails the
    /// call with TOPIC_AUTHORIZATION_FAILED, as a Kafka client's metadata request fails for such a topic.
    /// </summary>
    public async Task<ClusterMetadata> MetadataAsync(IReadOnlyList<string>? topics = null, bool autoCreate = false, CancellationToken ct = default)
    {
        var response = await connection.AskAsync<MetadataResponse>(new GetMetadata(topics, autoCreate), cancellationToken: ct);
        if (response.UnauthorizedTopics is [var denied, ..])
            throw new KafkaException(ErrorCode.TopicAuthorizationFailed, $"TOPIC_AUTHORIZATION_FAILED: user '{connection.User}' may not describe topic '{denied}'");
        return response.Metadata;
    }

    public Task<ClusterStatus> ClusterStatusAsync(CancellationToken ct = default) =>
        connection.AskAsync<ClusterStatus>(GetClusterStatus.Instance, cancellationToken: ct);

    /// <summary>
    /// Kafka's ListOffsets for many partitions at once, as Kafka's clients send it: one request per broker, for all the
    /// partitions it owns (timestamp -2 the log start, -1 the log end, else the first record at or after it). A
    /// partition moving (a retriable error, or its broker lost) is asked again with fresh metadata until the request
    /// timeout; then the call fails (<see cref="ClusterUnavailableException"/>). Other errors are in the answer, per partition.
    /// </summary>
    public async Task<IReadOnlyDictionary<TopicPartition, ListOffsetsResponseData.ListOffsetsPartitionResponse>> ListOffsetsAsync(
        IReadOnlyCollection<(TopicPartition Partition, long Timestamp)> wanted, string clientId = "admin", CancellationToken ct = default)
    {
        var found = new Dictionary<TopicPartition, ListOffsetsResponseData.ListOffsetsPartitionResponse>();
        var left = wanted.Distinct().ToList();
        var deadline = DateTime.UtcNow + connection.Settings.RequestTimeout;
        string? lastRefusal = null;
        while (left.Count > 0)
        {
            if (DateTime.UtcNow >= deadline)
                throw new ClusterUnavailableException($"no offsets for {left.Count} partitions within {connection.Settings.RequestTimeout.TotalSeconds:0.#}s{(lastRefusal is null ? "" : $" (last: {lastRefusal})")}");
            var metadata = await MetadataAsync(left.Select(l => l.Partition.Topic).Distinct().ToList(), autoCreate: false, ct);
            var asks = left.GroupBy(l => metadata.Topic(l.Partition.Topic)?.Partition(l.Partition.Partition)?.Owner).Select(async owned =>
            {
                var request = new ListOffsetsRequestData(-1, owned.GroupBy(l => l.Partition.Topic)
                    .Select(t => new ListOffsetsRequestData.ListOffsetsTopic(t.Key,
                        t.Select(l => new ListOffsetsRequestData.ListOffsetsPartition(l.Partition.Partition, l.Timestamp)).ToList()))
                    .ToList());
                try
                {
                    var answer = await connection.Routes.KafkaAsync(owned.Key, request, clientId, ListOffsetsResponseData.Read, connection.Settings.RequestTimeout, ct);
                    return (Asked: owned.ToList(), Response: (ListOffsetsResponseData?)answer, Failure: (Exception?)null);
                }
                catch (ClusterUnavailableException e)
                {
                    return (Asked: owned.ToList(), Response: (ListOffsetsResponseData?)null, Failure: (Exception?)e);
                }
            });
            var again = new List<(TopicPartition Partition, long Timestamp)>();
            foreach (var (asked, response, failure) in await Task.WhenAll(asks))
            {
                if (response is null)
                {
                    lastRefusal = failure!.Message;
                    again.AddRange(asked);
                    continue;
                }
                var answers = response.Topics.SelectMany(t => t.Partitions.Select(p => (Tp: new TopicPartition(t.Name, p.PartitionIndex), p))).ToDictionary(a => a.Tp, a => a.p);
                foreach (var ask in asked)
                {
                    var answer = answers.GetValueOrDefault(ask.Partition)
                                 ?? new ListOffsetsResponseData.ListOffsetsPartitionResponse(ask.Partition.Partition, ErrorCode.UnknownServerError);
                    if (answer.ErrorCode.IsRetriable())
                    {
                        lastRefusal = $"{ask.Partition.Topic}-{ask.Partition.Partition}: {Consumer.FetchError.KafkaNameOf(answer.ErrorCode)}";
                        again.Add(ask);
                    }
                    else found[ask.Partition] = answer;
                }
            }
            left = again;
            // A partition moving gets a moment to settle.
            if (left.Count > 0) await Task.Delay(ListOffsetsRetryPause, ct);
        }
        return found;
    }

    private static readonly TimeSpan ListOffsetsRetryPause = TimeSpan.FromMilliseconds(200);

    /// <summary>One partition's offset for <paramref name="timestamp"/> (see <see cref="ListOffsetsAsync"/>); a refusal is a <see cref="KafkaException"/>.</summary>
    public async Task<long> ListOffsetAsync(string topic, int partition, long timestamp, CancellationToken ct = default)
    {
        var tp = new TopicPartition(topic, partition);
        var answer = (await ListOffsetsAsync([(tp, timestamp)], ct: ct))[tp];
        if (answer.ErrorCode != ErrorCode.None)
            throw new KafkaException(answer.ErrorCode, $"list offsets for {topic}-{partition}: {Consumer.FetchError.KafkaNameOf(answer.ErrorCode)} ({answer.ErrorCode.Describe()})");
        return answer.Offset;
    }
}

/// <summary>A request the brokers refused, with Kafka's error code.</summary>
public sealed class KafkaException(ErrorCode error, string message) : Exception(message)
{
    public ErrorCode Error { get; } = error;
}
