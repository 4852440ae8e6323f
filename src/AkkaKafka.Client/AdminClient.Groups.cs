using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Client;

/// <summary>One member of a consumer group, as Kafka's DescribeGroups shows it (its partitions decoded from ConsumerProtocol).</summary>
public sealed record ConsumerGroupMember(string MemberId, string ClientId, string ClientHost, IReadOnlyList<TopicPartition> Assignment);

/// <summary>
/// A consumer group as kafka-consumer-groups --describe puts it together: DescribeGroups (state, chosen assignor,
/// members) and OffsetFetch (every committed offset the user may see).
/// </summary>
public sealed record ConsumerGroupDescription(string Group, string State, string ProtocolType, string Protocol,
    IReadOnlyList<ConsumerGroupMember> Members, IReadOnlyDictionary<TopicPartition, long> Committed);

/// <summary>
/// What `group reset-offsets` asks: <see cref="Topic"/>'s partitions (those listed, or all when none is), moved as
/// <see cref="Mode"/> with <see cref="Value"/> says; with <see cref="DryRun"/> the plan is only worked out.
/// </summary>
public sealed record GroupOffsetsReset(string Group, string Topic, IReadOnlyList<int> Partitions, OffsetResetMode Mode, long Value, bool DryRun);

/// <summary>
/// Consumer-group administration with Kafka's group APIs, as kafka-consumer-groups and Kafka's Admin client do it:
/// FindCoordinator for the group, then ListGroups, DescribeGroups, OffsetFetch, OffsetCommit and DeleteGroups, each a
/// Kafka request frame handled by the same handlers (and the same ACLs) as a Kafka client's.
/// </summary>
public sealed partial class AdminClient
{
    private static readonly TimeSpan CoordinatorRetryPause = TimeSpan.FromMilliseconds(200);
    // The coordinator when it is the broker the connection reaches (a broker without a Kafka listener names no node);
    // null instead means "not found yet": asked again.
    private const string AnyBroker = "";
    // The coordinator found for each group, as Kafka's admin client keeps it: asked of FindCoordinator once, forgotten
    // when it answers NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE or does not answer (the coordinator moved).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _coordinators = new();

    /// <summary>Every group the user may describe (kafka-consumer-groups --list), in the coordinator's (ordinal) order.</summary>
    public async Task<IReadOnlyList<string>> ListGroupsAsync(CancellationToken ct = default)
    {
        // Every broker answers for the one group coordinator, so any broker will do, as any does for Kafka's admin.
        var response = await UntilCoordinatorAnswersAsync(null, new ListGroupsRequestData(), ListGroupsResponseData.Read, r => r.ErrorCode, "list groups", ct);
        if (response.ErrorCode != ErrorCode.None) throw Refusal(response.ErrorCode, "list groups", null);
        return response.Groups.Select(g => g.GroupId).ToList();
    }

    /// <summary>
    /// The group's state, members and committed offsets (kafka-consumer-groups --describe). A group that does not
    /// exist is a <see cref="KafkaException"/> (GROUP_ID_NOT_FOUND), as Kafka's tool says it does not exist.
    /// </summary>
    public async Task<ConsumerGroupDescription> DescribeGroupAsync(string group, CancellationToken ct = default)
    {
        var described = await DescribedAsync(group, ct);
        if (described.GroupState == GroupStates.Dead) throw new KafkaException(ErrorCode.GroupIdNotFound, $"group '{group}' does not exist");
        var members = described.Members.Select(m => new ConsumerGroupMember(m.MemberId, m.ClientId, m.ClientHost,
            described.ProtocolType == GroupDescription.ConsumerProtocolType ? ConsumerProtocol.TryDecodeAssignment(m.MemberAssignment.Span) ?? [] : [])).ToList();
        return new ConsumerGroupDescription(group, described.GroupState, described.ProtocolType, described.ProtocolData, members,
            await CommittedAsync(group, null, ct));
    }

    /// <summary>Deletes an empty group and its committed offsets (kafka-consumer-groups --delete).</summary>
    public async Task DeleteGroupAsync(string group, CancellationToken ct = default)
    {
        var response = await UntilCoordinatorAnswersAsync(group, new DeleteGroupsRequestData([group]),
            DeleteGroupsResponseData.Read, r => r.Results.FirstOrDefault()?.ErrorCode ?? ErrorCode.UnknownServerError, $"delete group '{group}'", ct);
        var error = response.Results.FirstOrDefault(r => r.GroupId == group)?.ErrorCode ?? ErrorCode.UnknownServerError;
        if (error != ErrorCode.None)
            throw error switch
            {
                ErrorCode.GroupIdNotFound => new KafkaException(error, $"group '{group}' does not exist"),
                ErrorCode.NonEmptyGroup => new KafkaException(error, $"Group '{group}' could not be deleted due to: NON_EMPTY_GROUP (the group is not empty)"),
                _ => Refusal(error, $"delete group '{group}'", ("delete", group)),
            };
    }

    /// <summary>
    /// Moves a group's committed offsets of one topic (kafka-consumer-groups --reset-offsets) and answers the plan. As
    /// Kafka's tool: refused unless the group is Empty (or unknown: the reset creates it); the partitions' bounds from
    /// ListOffsets, the current positions from OffsetFetch, the plan worked out here (<see cref="OffsetResetPlan"/>),
    /// then one OffsetCommit outside any generation, as Kafka's Admin client alterConsumerGroupOffsets sends it.
    /// </summary>
    public async Task<IReadOnlyList<PartitionOffsetReset>> ResetGroupOffsetsAsync(GroupOffsetsReset reset, CancellationToken ct = default)
    {
        var group = reset.Group;
        if (group.Length == 0) throw new KafkaException(ErrorCode.InvalidGroupId, "the group id is empty");
        var state = (await DescribedAsync(group, ct)).GroupState;
        if (!OffsetResetPlan.MayReset(state)) throw new KafkaException(ErrorCode.NonEmptyGroup, OffsetResetPlan.InactiveGroupRequired(group, state));

        var bounds = await BoundsAsync(reset, ct);
        var committed = await CommittedAsync(group, [new OffsetFetchRequestTopic(reset.Topic, bounds.Select(b => b.Partition).ToList())], ct);
        var plan = OffsetResetPlan.Make(reset.Topic, bounds, committed, reset.Mode, reset.Value);
        if (plan.IsRefused) throw new KafkaException(ErrorCode.InvalidRequest, plan.Refusal!);
        if (reset.DryRun || plan.Moves.Count == 0) return plan.Moves;

        var commit = new OffsetCommitRequestData(group, [new OffsetCommitRequestTopic(reset.Topic,
            plan.Moves.Select(m => new OffsetCommitRequestPartition(m.Partition, m.NewOffset, null)).ToList())]);
        static ErrorCode FirstError(OffsetCommitResponseData r) =>
            r.Topics.SelectMany(t => t.Partitions).Select(p => p.ErrorCode).FirstOrDefault(e => e != ErrorCode.None);
        var response = await UntilCoordinatorAnswersAsync(group, commit, OffsetCommitResponseData.Read, FirstError,
            $"commit the offsets of group '{group}'", ct);
        return FirstError(response) switch
        {
            ErrorCode.None => plan.Moves,
            // A member joined since the group was described: the broker takes no commit from outside a generation then.
            ErrorCode.UnknownMemberId or ErrorCode.IllegalGeneration or ErrorCode.RebalanceInProgress =>
                throw new KafkaException(ErrorCode.NonEmptyGroup, OffsetResetPlan.InactiveGroupRequired(group, (await DescribedAsync(group, ct)).GroupState)),
            ErrorCode.TopicAuthorizationFailed => throw Refusal(ErrorCode.TopicAuthorizationFailed, "", ("read", reset.Topic)),
            var error => throw Refusal(error, $"commit the offsets of group '{group}'", ("read", group)),
        };
    }

    /// <summary>Kafka's DescribeGroups of one group; a refusal (GROUP_AUTHORIZATION_FAILED, …) is a <see cref="KafkaException"/>.</summary>
    private async Task<DescribedGroup> DescribedAsync(string group, CancellationToken ct)
    {
        var response = await UntilCoordinatorAnswersAsync(group, new DescribeGroupsRequestData([group]),
            DescribeGroupsResponseData.Read, r => r.Groups.FirstOrDefault()?.ErrorCode ?? ErrorCode.UnknownServerError, $"describe group '{group}'", ct);
        var described = response.Groups.FirstOrDefault(g => g.GroupId == group)
                        ?? throw new KafkaException(ErrorCode.UnknownServerError, $"describe group '{group}': the answer did not name the group");
        if (described.ErrorCode != ErrorCode.None) throw Refusal(described.ErrorCode, $"describe group '{group}'", ("describe", group));
        return described;
    }

    /// <summary>Kafka's OffsetFetch: the partitions of <paramref name="topics"/>, or (null) every one the group committed that the user may see.</summary>
    private async Task<IReadOnlyDictionary<TopicPartition, long>> CommittedAsync(string group, IReadOnlyList<OffsetFetchRequestTopic>? topics, CancellationToken ct)
    {
        static ErrorCode FirstError(OffsetFetchResponseData r) => r.ErrorCode != ErrorCode.None ? r.ErrorCode
            : r.Topics.SelectMany(t => t.Partitions).Select(p => p.ErrorCode).FirstOrDefault(e => e != ErrorCode.None);
        var response = await UntilCoordinatorAnswersAsync(group, new OffsetFetchRequestData(group, topics),
            OffsetFetchResponseData.Read, FirstError, $"fetch the offsets of group '{group}'", ct);
        var error = FirstError(response);
        if (error == ErrorCode.TopicAuthorizationFailed)
            throw Refusal(error, "", ("describe", response.Topics.First(t => t.Partitions.Any(p => p.ErrorCode == error)).Name));
        if (error != ErrorCode.None) throw Refusal(error, $"fetch the offsets of group '{group}'", ("describe", group));
        return response.Topics.SelectMany(t => t.Partitions.Where(p => p.CommittedOffset >= 0)
                .Select(p => (Tp: new TopicPartition(t.Name, p.PartitionIndex), p.CommittedOffset)))
            .ToDictionary(x => x.Tp, x => x.CommittedOffset);
    }

    /// <summary>The log start and end (and for a reset by time, the offset for that time) of each partition the reset moves.</summary>
    private async Task<IReadOnlyList<PartitionBounds>> BoundsAsync(GroupOffsetsReset reset, CancellationToken ct)
    {
        var topic = (await MetadataAsync([reset.Topic], autoCreate: false, ct)).Topic(reset.Topic)
                    ?? throw new KafkaException(ErrorCode.UnknownTopicOrPartition, $"topic '{reset.Topic}' does not exist");
        if (reset.Partitions.FirstOrDefault(p => p < 0 || p >= topic.PartitionCount, -1) is var missing and >= 0)
            throw new KafkaException(ErrorCode.UnknownTopicOrPartition, $"topic '{reset.Topic}' has no partition {missing}");
        var partitions = reset.Partitions.Count > 0 ? reset.Partitions.Distinct().Order().ToList() : Enumerable.Range(0, topic.PartitionCount).ToList();
        long[] timestamps = reset.Mode == OffsetResetMode.ToDatetime
            ? [ListOffsetsRequest.Earliest, ListOffsetsRequest.Latest, Math.Max(0, reset.Value)]
            : [ListOffsetsRequest.Earliest, ListOffsetsRequest.Latest];
        var asks = timestamps.Select(t => ListOffsetsAsync(partitions.Select(p => (new TopicPartition(reset.Topic, p), t)).ToList(), AdminClientId, ct)).ToList();
        var answers = await Task.WhenAll(asks);
        long Offset(int which, int partition)
        {
            var answer = answers[which][new TopicPartition(reset.Topic, partition)];
            if (answer.ErrorCode == ErrorCode.TopicAuthorizationFailed) throw Refusal(answer.ErrorCode, "", ("describe", reset.Topic));
            return answer.ErrorCode == ErrorCode.None ? answer.Offset
                : throw new KafkaException(answer.ErrorCode, $"cannot read the offsets of {reset.Topic}-{partition}: {answer.ErrorCode.Describe()}");
        }
        return partitions.Select(p => new PartitionBounds(p, Offset(0, p), Offset(1, p), answers.Length > 2 ? Offset(2, p) : -1)).ToList();
    }

    /// <summary>
    /// The group's coordinator: the one found before, else Kafka's FindCoordinator for the group, asked of the broker the
    /// connection reaches. Answers the coordinator's broker id, <see cref="AnyBroker"/>, or null while the coordinator is
    /// not available (asked again). GROUP_AUTHORIZATION_FAILED is a <see cref="KafkaException"/>.
    /// </summary>
    private async Task<string?> CoordinatorOfAsync(string group, CancellationToken ct)
    {
        if (_coordinators.TryGetValue(group, out var known)) return known;
        var found = await FindCoordinatorAsync(group, ct);
        if (found is not null) _coordinators[group] = found;
        return found;
    }

    private async Task<string?> FindCoordinatorAsync(string group, CancellationToken ct)
    {
        var found = await connection.Routes.KafkaAsync(null, new FindCoordinatorRequestData(group), AdminClientId, FindCoordinatorResponseData.Read,
            connection.Settings.RequestTimeout, ct);
        if (IsCoordinatorMoving(found.ErrorCode)) return null;
        if (found.ErrorCode != ErrorCode.None) throw Refusal(found.ErrorCode, $"find the coordinator of group '{group}'", ("describe", group));
        // No node: a broker without a Kafka listener, coordinator for whoever asks it; its Akka clients reach it as they
        // reached it now. Otherwise the broker with that node id (metadata just fetched knows every broker's).
        if (found.NodeId == BrokerInfo.NoNodeId) return AnyBroker;
        var metadata = await MetadataAsync([], autoCreate: false, ct);
        return metadata.BrokerByNodeId(found.NodeId)?.Id;
    }

    /// <summary>
    /// Sends <paramref name="request"/> to the coordinator of <paramref name="group"/> (null: any broker) until
    /// it is answered by one that is the coordinator and not still loading, as Kafka's clients retry NOT_COORDINATOR,
    /// COORDINATOR_NOT_AVAILABLE and COORDINATOR_LOAD_IN_PROGRESS: bounded by the request timeout, then
    /// <see cref="ClusterUnavailableException"/>. Any other answer is returned as it is. A coordinator known from before
    /// that turns out to have moved (or does not answer in time) is forgotten and found again at once, even past the
    /// timeout: once per call, as Kafka's admin client retries a call whose coordinator moved.
    /// </summary>
    private async Task<TResponse> UntilCoordinatorAnswersAsync<TResponse>(string? group, IKafkaRequest request,
        KafkaResponseReader<TResponse> read, Func<TResponse, ErrorCode> errorOf, string what, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + connection.Settings.RequestTimeout;
        string? last = null;
        var findAgainLeft = true;
        while (true)
        {
            var remembered = group is not null && _coordinators.ContainsKey(group);
            try
            {
                var owner = group is null ? AnyBroker : await CoordinatorOfAsync(group, ct);
                if (owner is not null)
                {
                    var response = await connection.Routes.KafkaAsync(owner == AnyBroker ? null : owner, request, AdminClientId, read, connection.Settings.RequestTimeout, ct);
                    var error = errorOf(response);
                    if (!IsCoordinatorMoving(error)) return response;
                    // Still loading the group: the right coordinator, only not ready yet.
                    if (error != ErrorCode.CoordinatorLoadInProgress) Forget(group);
                    last = Consumer.FetchError.KafkaNameOf(error);
                }
                else last = "COORDINATOR_NOT_AVAILABLE";
            }
            catch (ClusterUnavailableException e)
            {
                Forget(group);
                last = e.Message;
            }
            // The group has a coordinator, only elsewhere: FindCoordinator now, whatever time is left.
            if (remembered && findAgainLeft && !_coordinators.ContainsKey(group!))
            {
                findAgainLeft = false;
                continue;
            }
            if (DateTime.UtcNow >= deadline)
                throw new ClusterUnavailableException($"could not {what} within {connection.Settings.RequestTimeout.TotalSeconds:0.#}s (last: {last})");
            await Task.Delay(CoordinatorRetryPause, ct);
        }
    }

    private void Forget(string? group)
    {
        if (group is not null) _coordinators.TryRemove(group, out _);
    }

    private static bool IsCoordinatorMoving(ErrorCode error) =>
        error is ErrorCode.NotCoordinator or ErrorCode.CoordinatorNotAvailable or ErrorCode.CoordinatorLoadInProgress;

    /// <summary>A refusal in one line: an authorization failure as the brokers word it (with what was denied), else what failed and why.</summary>
    private KafkaException Refusal(ErrorCode error, string what, (string Operation, string Resource)? denied) => error switch
    {
        ErrorCode.GroupAuthorizationFailed when denied is var (op, name) =>
            new KafkaException(error, $"GROUP_AUTHORIZATION_FAILED: user '{connection.User}' may not {op} group '{name}'"),
        ErrorCode.TopicAuthorizationFailed when denied is var (op, name) =>
            new KafkaException(error, $"TOPIC_AUTHORIZATION_FAILED: user '{connection.User}' may not {op} topic '{name}'"),
        ErrorCode.TransactionalIdAuthorizationFailed when denied is var (op, name) =>
            new KafkaException(error, $"TRANSACTIONAL_ID_AUTHORIZATION_FAILED: user '{connection.User}' may not {op} transactional id '{name}'"),
        _ => new KafkaException(error, $"{what}: {Consumer.FetchError.KafkaNameOf(error)} ({error.Describe()})"),
    };
}
