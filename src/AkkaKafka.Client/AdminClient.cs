using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Client;

/// <summary>Topic administration and cluster status, as Kafka's kafka-topics and kafka-metadata tools offer.</summary>
public sealed class AdminClient(ClusterConnection connection)
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
    /// Moves a group's committed offsets (kafka-consumer-groups --reset-offsets); answers the plan. Refused
    /// (<see cref="ErrorCode.NonEmptyGroup"/>) while the group has live members.
    /// </summary>
    public Task<ResetGroupOffsetsResponse> ResetGroupOffsetsAsync(ResetGroupOffsets reset, CancellationToken ct = default) =>
        connection.AskAsync<ResetGroupOffsetsResponse>(reset, cancellationToken: ct);

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

    public async Task<long> ListOffsetAsync(string topic, int partition, long timestamp, CancellationToken ct = default)
    {
        var response = await connection.AskAsync<ListOffsetsResponse>(new ListOffsetsRequest(topic, partition, timestamp), cancellationToken: ct);
        if (response.Error != ErrorCode.None)
            throw new KafkaException(response.Error, $"list offsets for {topic}-{partition}: {Consumer.FetchError.KafkaNameOf(response.Error)} ({response.Error.Describe()})");
        return response.Offset;
    }
}

/// <summary>A request the brokers refused, with Kafka's error code.</summary>
public sealed class KafkaException(ErrorCode error, string message) : Exception(message)
{
    public ErrorCode Error { get; } = error;
}
