using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using static AkkaKafka.Protocol.Kafka.Apis.ListOffsetsResponseData;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// Kafka ListOffsets v0–5 from the partition owners: -2 earliest (log start), -1 latest (log end), or the first
/// record at or after a timestamp; with isolation_level read_committed (v2+) latest is the last stable offset. v0
/// answers in its old style (an offsets array).
/// </summary>
internal static class ListOffsetsHandler
{
    public static async Task<ListOffsetsResponseData> HandleAsync(KafkaNode node, KafkaRequestContext context, ListOffsetsRequestData request)
    {
        var topics = await Task.WhenAll(request.Topics.Select(async topic => new ListOffsetsTopicResponse(topic.Name,
            await Task.WhenAll(topic.Partitions.Select(async p =>
            {
                var r = await node.AskOwnerAsync<ListOffsetsResponse>(new ListOffsetsRequest(topic.Name, p.PartitionIndex, p.Timestamp,
                    request.IsolationLevel == (sbyte)IsolationLevel.ReadCommitted ? IsolationLevel.ReadCommitted : IsolationLevel.ReadUncommitted), node.Broker.RequestTimeout);
                if (context.Version == 0)
                    return new ListOffsetsPartitionResponse(p.PartitionIndex, r.Error,
                        OldStyleOffsets: r.Error == ErrorCode.None && r.Offset >= 0 && p.MaxNumOffsets > 0 ? [r.Offset] : []);
                return new ListOffsetsPartitionResponse(p.PartitionIndex, r.Error, r.Error == ErrorCode.None ? r.Timestamp : -1, r.Error == ErrorCode.None ? r.Offset : -1);
            })))));
        return new ListOffsetsResponseData(topics);
    }
}
