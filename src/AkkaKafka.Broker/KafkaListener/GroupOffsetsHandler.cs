using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// Kafka OffsetCommit, TxnOffsetCommit and OffsetFetch over the group coordinator's committed offsets, the same ones
/// `akkakafka consume --group` commits and `akkakafka group describe` shows. Commit metadata strings are not kept.
/// </summary>
internal static class GroupOffsetsHandler
{
    public static async Task<OffsetCommitResponseData> CommitAsync(KafkaNode node, KafkaRequestContext context, OffsetCommitRequestData request)
    {
        var offsets = request.Topics.SelectMany(t => t.Partitions.Select(p => new PartitionOffset(t.Name, p.PartitionIndex, p.CommittedOffset))).ToList();
        var response = await GroupHandler.AskCoordinatorAsync<OffsetCommitResponse>(node,
            new OffsetCommit(request.GroupId, request.MemberId, request.GenerationIdOrMemberEpoch, offsets, context.ClientAddress), node.Broker.RequestTimeout);
        var error = response?.Error ?? ErrorCode.CoordinatorNotAvailable;
        return new OffsetCommitResponseData(request.Topics.Select(t => new OffsetCommitResponseTopic(t.Name,
            t.Partitions.Select(p => new OffsetCommitResponsePartition(p.PartitionIndex, error)).ToList())).ToList());
    }

    /// <summary>
    /// Kafka TxnOffsetCommit: the offsets wait in the group coordinator, pending, until the producer's transaction
    /// ends (the transaction coordinator then sends <see cref="CompleteTransactionalOffsets"/>).
    /// </summary>
    public static async Task<TxnOffsetCommitResponseData> TxnCommitAsync(KafkaNode node, TxnOffsetCommitRequestData request)
    {
        var offsets = request.Topics.SelectMany(t => t.Partitions.Select(p => new PartitionOffset(t.Name, p.PartitionIndex, p.CommittedOffset))).ToList();
        var response = await GroupHandler.AskCoordinatorAsync<OffsetCommitResponse>(node, new TransactionalOffsetCommit(request.GroupId, request.TransactionalId,
            request.ProducerId, request.ProducerEpoch, request.MemberId, request.GenerationId, request.GroupInstanceId, offsets), node.Broker.RequestTimeout);
        return TxnOffsetCommitResponseData.AllFailed(request.Topics, response?.Error ?? ErrorCode.CoordinatorNotAvailable);
    }

    public static async Task<OffsetFetchResponseData> FetchAsync(KafkaNode node, OffsetFetchRequestData request)
    {
        IReadOnlyList<PartitionOffset>? offsets;
        IReadOnlyList<TopicPartition> unstable = [];
        if (request.Topics is null && !request.RequireStable)
        {
            // v2+: null topics means every partition the group has committed.
            var description = await GroupHandler.AskCoordinatorAsync<GroupDescription>(node, new DescribeGroup(request.GroupId), node.Broker.RequestTimeout);
            offsets = description is null ? null : description.Error == ErrorCode.None ? description.Committed : [];
        }
        else
        {
            // With require_stable and null topics, every committed partition is asked for by name, so that those with a
            // transaction's offsets pending are marked as Kafka marks them.
            var partitions = request.Topics?.SelectMany(t => t.PartitionIndexes.Select(p => new TopicPartition(t.Name, p))).ToList()
                ?? (await GroupHandler.AskCoordinatorAsync<GroupDescription>(node, new DescribeGroup(request.GroupId), node.Broker.RequestTimeout) is { } description
                    ? description.Committed.Select(o => new TopicPartition(o.Topic, o.Partition)).ToList()
                    : null);
            var response = partitions is null ? null
                : await GroupHandler.AskCoordinatorAsync<OffsetFetchResponse>(node, new OffsetFetch(request.GroupId, partitions, request.RequireStable), node.Broker.RequestTimeout);
            offsets = response?.Offsets;
            unstable = response?.Unstable ?? [];
        }

        if (offsets is null)
        {
            // v2+ has a top-level error; older versions only per partition.
            var topics = request.Topics?.Select(t => new OffsetFetchResponseTopic(t.Name,
                t.PartitionIndexes.Select(p => new OffsetFetchResponsePartition(p, -1, "", ErrorCode.CoordinatorNotAvailable)).ToList())).ToList() ?? [];
            return new OffsetFetchResponseData(topics, ErrorCode.CoordinatorNotAvailable);
        }
        // Kafka answers an unstable partition with offset -1 and UNSTABLE_OFFSET_COMMIT: the consumer asks again.
        var pending = unstable.ToHashSet();
        return new OffsetFetchResponseData(offsets.GroupBy(o => o.Topic).Select(g => new OffsetFetchResponseTopic(g.Key,
            g.Select(o => pending.Contains(new TopicPartition(o.Topic, o.Partition))
                ? new OffsetFetchResponsePartition(o.Partition, -1, "", ErrorCode.UnstableOffsetCommit)
                : new OffsetFetchResponsePartition(o.Partition, o.Offset, "", ErrorCode.None)).ToList())).ToList());
    }
}
