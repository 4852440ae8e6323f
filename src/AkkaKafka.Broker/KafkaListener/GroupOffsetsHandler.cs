using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// Kafka OffsetCommit and OffsetFetch over the group coordinator's committed offsets, the same ones
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

    public static async Task<OffsetFetchResponseData> FetchAsync(KafkaNode node, OffsetFetchRequestData request)
    {
        IReadOnlyList<PartitionOffset>? offsets;
        if (request.Topics is null)
        {
            // v2+: null topics means every partition the group has committed.
            var description = await GroupHandler.AskCoordinatorAsync<GroupDescription>(node, new DescribeGroup(request.GroupId), node.Broker.RequestTimeout);
            offsets = description is null ? null : description.Error == ErrorCode.None ? description.Committed : [];
        }
        else
        {
            var partitions = request.Topics.SelectMany(t => t.PartitionIndexes.Select(p => new TopicPartition(t.Name, p))).ToList();
            var response = await GroupHandler.AskCoordinatorAsync<OffsetFetchResponse>(node, new OffsetFetch(request.GroupId, partitions), node.Broker.RequestTimeout);
            offsets = response?.Offsets;
        }

        if (offsets is null)
        {
            // v2+ has a top-level error; older versions only per partition.
            var topics = request.Topics?.Select(t => new OffsetFetchResponseTopic(t.Name,
                t.PartitionIndexes.Select(p => new OffsetFetchResponsePartition(p, -1, "", ErrorCode.CoordinatorNotAvailable)).ToList())).ToList() ?? [];
            return new OffsetFetchResponseData(topics, ErrorCode.CoordinatorNotAvailable);
        }
        return new OffsetFetchResponseData(offsets.GroupBy(o => o.Topic).Select(g => new OffsetFetchResponseTopic(g.Key,
            g.Select(o => new OffsetFetchResponsePartition(o.Partition, o.Offset, "", ErrorCode.None)).ToList())).ToList());
    }
}
