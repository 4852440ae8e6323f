namespace AkkaKafka.Broker.Http;

// What the JSON API answers (camelCase on the wire). The console renders exactly these; scripts may read them too.

/// <param name="Self">This broker's remoting id ("host:port").</param>
/// <param name="Leader">The Akka cluster leader (address-ordered; runs membership changes).</param>
/// <param name="Controller">The broker running the controller singleton (the oldest).</param>
/// <param name="RecordsIn">Records appended to this broker's partitions since it started (the console charts its rate).</param>
public sealed record ClusterView(string Self, string? Leader, string? Controller, bool Admin, IReadOnlyList<MemberView> Members,
    long RecordsIn, long RecordsOut);

/// <param name="Id">Remoting "host:port" (the id the metadata and the admin commands use).</param>
/// <param name="NodeId">Kafka node id; null until the controller has given one.</param>
public sealed record MemberView(string Id, string Status, bool Reachable, int? NodeId, string? KafkaEndpoint, string? HttpEndpoint,
    bool Leader, bool Controller, bool Self);

public sealed record TopicView(string Name, long TopicId, int PartitionCount, long RetentionMs, long RetentionBytes, IReadOnlyList<PartitionView> Partitions);

/// <param name="SizeBytes">Reported by the owner (asked over its HTTP port when it is another broker); null when it does not answer.</param>
public sealed record PartitionView(int Partition, string? Owner, int? OwnerNodeId, long? LogStartOffset, long? LogEndOffset, long? SizeBytes);

public sealed record GroupView(string Group, string State, int Generation, string Protocol, IReadOnlyList<GroupMemberView> Members,
    IReadOnlyList<GroupPartitionView> Partitions);

public sealed record GroupMemberView(string MemberId, string ClientId, string ClientHost, IReadOnlyList<string> Assignment);

/// <param name="Lag">Log end offset minus committed offset; null when either is unknown.</param>
public sealed record GroupPartitionView(string Topic, int Partition, long? CommittedOffset, long? LogEndOffset, long? Lag, string? MemberId);

public sealed record HealthView(string Status, [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Reason = null);

/// <summary>The body of POST /api/topics.</summary>
public sealed record CreateTopicBody(string? Name, int? Partitions, long? RetentionMs, long? RetentionBytes);

public sealed record TopicCommandView(string Topic, string Error, string Message);

/// <summary>A partition this broker owns, as /api/partitions/local lists it (other brokers read the sizes from it).</summary>
public sealed record LocalLogView(string Topic, long TopicId, int Partition, long LogStartOffset, long LogEndOffset, long SizeBytes);
