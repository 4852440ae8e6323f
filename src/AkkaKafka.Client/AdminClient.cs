using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Client;

/// <summary>Topic administration and cluster status, as Kafka's kafka-topics and kafka-metadata tools offer.</summary>
public sealed partial class AdminClient(ClusterConnection connection)
{
    /// <summary>Kafka's "the brokers' default" for a partition count or replication factor (CreateTopics v4+, KIP-464).</summary>
    public const int BrokerDefault = -1;

    /// <summary>
    /// Kafka's CreateTopics for one topic: <paramref name="partitions"/> <see cref="BrokerDefault"/> takes the brokers'
    /// num.partitions; <paramref name="configs"/> are topic configs by Kafka's names (retention.ms, retention.bytes,
    /// message.timestamp.type, …). The answer says how many partitions the topic got.
    /// </summary>
    public async Task<TopicResult> CreateTopicAsync(string topic, int partitions = BrokerDefault, IReadOnlyDictionary<string, string>? configs = null,
        CancellationToken ct = default)
    {
        var request = new CreateTopicsRequestData(
            [new(topic, partitions, BrokerDefault, [], (configs ?? new Dictionary<string, string>()).Select(c => new CreateTopicsRequestData.CreatableTopicConfig(c.Key, c.Value)).ToList())],
            TimeoutMs);
        var answer = Single((await KafkaAsync(request, CreateTopicsResponseData.Read, ct)).Topics, t => t.Name, topic, "CreateTopics");
        if (answer.ErrorCode != ErrorCode.None) return Refused(topic, answer.ErrorCode, answer.ErrorMessage, "create");
        // CreateTopics up to v4 does not echo the count the brokers chose: the metadata, which the controller published before answering, has it.
        var count = partitions != BrokerDefault ? partitions
            : (await TopicsAsync([topic], ct)).Topics.FirstOrDefault(t => t.Name == topic)?.Partitions.Count;
        return new TopicResult(topic, ErrorCode.None, $"Created topic {topic} with {count?.ToString() ?? "the brokers' default number of"} partitions.");
    }

    /// <summary>Kafka's DeleteTopics for one topic.</summary>
    public async Task<TopicResult> DeleteTopicAsync(string topic, CancellationToken ct = default)
    {
        var answer = Single((await KafkaAsync(new DeleteTopicsRequestData([topic], TimeoutMs), DeleteTopicsResponseData.Read, ct)).Responses,
            t => t.Name, topic, "DeleteTopics");
        return answer.ErrorCode == ErrorCode.None ? new TopicResult(topic, ErrorCode.None, $"Deleted topic {topic}.") : Refused(topic, answer.ErrorCode, answer.ErrorMessage, "delete");
    }

    /// <summary>
    /// Grows a topic to <paramref name="totalPartitions"/> partitions (Kafka's CreatePartitions / kafka-topics --alter);
    /// fewer than it has is Kafka's INVALID_PARTITIONS, with the brokers' reason.
    /// </summary>
    public async Task<TopicResult> AddPartitionsAsync(string topic, int totalPartitions, CancellationToken ct = default)
    {
        var answer = Single((await KafkaAsync(new CreatePartitionsRequestData([new(topic, totalPartitions)], TimeoutMs), CreatePartitionsResponseData.Read, ct)).Results,
            t => t.Name, topic, "CreatePartitions");
        return answer.ErrorCode == ErrorCode.None
            ? new TopicResult(topic, ErrorCode.None, $"Topic {topic} now has {totalPartitions} partitions.")
            : Refused(topic, answer.ErrorCode, answer.ErrorMessage, "alter");
    }

    /// <summary>
    /// Changes a topic's configs by Kafka's names (kafka-configs --alter, Kafka's IncrementalAlterConfigs): a value
    /// SETs the config, null DELETEs it (back to the brokers' default). Configs not named stay as they are.
    /// </summary>
    public async Task<TopicResult> AlterTopicConfigsAsync(string topic, IReadOnlyDictionary<string, string?> configs, CancellationToken ct = default)
    {
        var request = new IncrementalAlterConfigsRequestData([new(IncrementalAlterConfigsRequestData.TopicResource, topic,
            configs.Select(c => new IncrementalAlterConfigsRequestData.AlterableConfig(c.Key,
                c.Value is null ? IncrementalAlterConfigsRequestData.Delete : IncrementalAlterConfigsRequestData.Set, c.Value)).ToList())]);
        var answer = Single((await KafkaAsync(request, IncrementalAlterConfigsResponseData.Read, ct)).Responses, r => r.ResourceName, topic, "IncrementalAlterConfigs");
        if (answer.ErrorCode != ErrorCode.None) return Refused(topic, answer.ErrorCode, answer.ErrorMessage, "alter");
        // What the topic has now, the configs not named included, as kafka-configs --describe would show them.
        var now = (await DescribeTopicConfigsAsync([topic], ct))[topic];
        return new TopicResult(topic, ErrorCode.None,
            $"Updated the configs of topic {topic}: {string.Join(", ", AlterableConfigs.Where(now.ContainsKey).Select(name => $"{name}={now[name]}"))}.");
    }

    /// <summary>The topic configs that mean something here (besides cleanup.policy, which can only be delete).</summary>
    private static readonly string[] AlterableConfigs = ["retention.ms", "retention.bytes", "message.timestamp.type"];

    /// <summary>
    /// The configs of <paramref name="topics"/> by Kafka's names, in one DescribeConfigs; a topic refused (unknown, not
    /// allowed) fails the call with a <see cref="KafkaException"/>.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string?>>> DescribeTopicConfigsAsync(IReadOnlyList<string> topics,
        CancellationToken ct = default)
    {
        var request = new DescribeConfigsRequestData(topics.Select(t => new DescribeConfigsRequestData.DescribeConfigsResource(DescribeConfigsRequestData.TopicResource, t, null)).ToList());
        var results = (await KafkaAsync(request, DescribeConfigsResponseData.Read, ct)).Results;
        var configs = new Dictionary<string, IReadOnlyDictionary<string, string?>>(StringComparer.Ordinal);
        foreach (var topic in topics)
        {
            var answer = Single(results, r => r.ResourceName, topic, "DescribeConfigs");
            if (answer.ErrorCode != ErrorCode.None) throw new KafkaException(answer.ErrorCode, Refused(topic, answer.ErrorCode, answer.ErrorMessage, "describe").Message);
            configs[topic] = answer.Configs.ToDictionary(c => c.Name, c => c.Value, StringComparer.Ordinal);
        }
        return configs;
    }

    /// <summary>
    /// Kafka's Metadata, of <paramref name="topics"/> or (null) of every topic, as any Kafka client gets it: leaders by
    /// Kafka node id, brokers with a Kafka listener. Never creates a topic. A topic the user may not describe fails the
    /// call with TOPIC_AUTHORIZATION_FAILED, as it fails a Kafka admin client's describe.
    /// </summary>
    public async Task<MetadataResponseData> TopicsAsync(IReadOnlyList<string>? topics = null, CancellationToken ct = default)
    {
        var answer = await KafkaAsync(new MetadataRequestData(topics?.Select(t => new MetadataRequestData.MetadataRequestTopic(t)).ToList(), AllowAutoTopicCreation: false),
            MetadataResponseData.Read, ct);
        if (answer.Topics.FirstOrDefault(t => t.ErrorCode == ErrorCode.TopicAuthorizationFailed) is { } denied)
            throw new KafkaException(ErrorCode.TopicAuthorizationFailed, $"TOPIC_AUTHORIZATION_FAILED: user '{connection.User}' may not describe topic '{denied.Name}'");
        return answer;
    }

    /// <summary>The request's timeout_ms: how long the brokers may take (the controller's answer), as long as the client waits.</summary>
    private int TimeoutMs => (int)connection.Settings.RequestTimeout.TotalMilliseconds;

    /// <summary>
    /// An admin request to any broker (each hands it to the controller where it must), as Kafka's admin client may send
    /// it to any. The one way the admin clients (this one, <see cref="SecurityAdminClient"/>) send a request.
    /// </summary>
    internal Task<TResponse> KafkaAsync<TResponse>(Protocol.Kafka.IKafkaRequest request, KafkaResponseReader<TResponse> read, CancellationToken ct) =>
        connection.Routes.KafkaAsync(null, request, AdminClientId, read, connection.Settings.RequestTimeout, ct);

    private const string AdminClientId = "akkakafka-admin";

    private static T Single<T>(IReadOnlyList<T> answers, Func<T, string> name, string topic, string api) =>
        answers.FirstOrDefault(a => name(a) == topic) ?? throw new KafkaException(ErrorCode.UnknownServerError, $"the {api} answer has no result for topic '{topic}'");

    /// <summary>
    /// A refusal in one line: who may not do what for an authorization failure (Kafka's message says only that it
    /// failed), else the brokers' reason when they gave one, else Kafka's name of the error and what it means.
    /// </summary>
    private TopicResult Refused(string topic, ErrorCode error, string? message, string operation) => new(topic, error, error switch
    {
        ErrorCode.TopicAuthorizationFailed => $"TOPIC_AUTHORIZATION_FAILED: user '{connection.User}' may not {operation} topic '{topic}'",
        _ when string.IsNullOrEmpty(message) => $"{Consumer.FetchError.KafkaNameOf(error)}: {error.Describe()} (topic '{topic}')",
        _ => message,
    });

    /// <summary>
    /// The metadata of the cluster, or of <paramref name="topics"/>, as the Akka clients route by it (Kafka's Metadata
    /// over the Akka transport: see <see cref="RoutingMetadata"/>); one of those the user may not describe fails the
    /// call with TOPIC_AUTHORIZATION_FAILED, as a Kafka client's metadata request fails for such a topic.
    /// </summary>
    public async Task<ClusterMetadata> MetadataAsync(IReadOnlyList<string>? topics = null, bool autoCreate = false, CancellationToken ct = default)
    {
        var answer = await RoutingMetadata.AskAsync(connection, topics, autoCreate, AdminClientId, ct: ct);
        if (answer.UnauthorizedTopics is [var denied, ..])
            throw new KafkaException(ErrorCode.TopicAuthorizationFailed, $"TOPIC_AUTHORIZATION_FAILED: user '{connection.User}' may not describe topic '{denied}'");
        return answer.Metadata;
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

/// <summary>The outcome of a topic command: Kafka's error code, and one line for the operator (the brokers' reason when refused).</summary>
public sealed record TopicResult(string Topic, ErrorCode Error, string Message)
{
    public bool IsSuccess => Error == ErrorCode.None;
}

/// <summary>A request the brokers refused, with Kafka's error code.</summary>
public sealed class KafkaException(ErrorCode error, string message) : Exception(message)
{
    public ErrorCode Error { get; } = error;
}
