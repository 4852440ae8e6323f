using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Client.Consumer;

/// <summary>
/// Turns <see cref="StartPosition"/>s into offsets with Kafka's ListOffsets, as Kafka's consumer does: one request per
/// broker for all the partitions it owns (<see cref="AdminClient.ListOffsetsAsync"/>), so a consumer of 10,000
/// partitions asks a few brokers once each, not the cluster 10,000 times.
/// </summary>
internal static class StartPositions
{
    /// <summary>
    /// The offset of each partition; a partition moving is asked again until the request timeout. Throws
    /// <see cref="KafkaException"/> at the first other refusal, <see cref="ClusterUnavailableException"/> at the timeout.
    /// </summary>
    public static async Task<IReadOnlyDictionary<TopicPartition, long>> ResolveAsync(ClusterConnection connection, string clientId,
        IReadOnlyCollection<(TopicPartition Partition, StartPosition Start)> wanted, CancellationToken ct)
    {
        var found = wanted.Where(w => w.Start is StartPosition.At).ToDictionary(w => w.Partition, w => ((StartPosition.At)w.Start).Offset);
        var asked = wanted.Where(w => w.Start is not StartPosition.At).Select(w => (w.Partition, Timestamp: TimestampOf(w.Start))).ToList();
        var admin = new AdminClient(connection);
        var answers = await admin.ListOffsetsAsync(asked, clientId, ct);
        // No record at or after the timestamp: start at the end, as Kafka's consumer does.
        var atEnd = asked.Where(a => a.Timestamp >= 0 && answers[a.Partition] is { ErrorCode: ErrorCode.None, Offset: < 0 })
            .Select(a => (a.Partition, ListOffsetsRequest.Latest)).ToList();
        var ends = atEnd.Count == 0 ? new Dictionary<TopicPartition, Protocol.Kafka.Apis.ListOffsetsResponseData.ListOffsetsPartitionResponse>()
            : await admin.ListOffsetsAsync(atEnd, clientId, ct);
        foreach (var (tp, _) in asked)
        {
            var answer = ends.GetValueOrDefault(tp) ?? answers[tp];
            if (answer.ErrorCode != ErrorCode.None)
                throw new KafkaException(answer.ErrorCode, $"list offsets for {tp.Topic}-{tp.Partition}: {FetchError.KafkaNameOf(answer.ErrorCode)} ({answer.ErrorCode.Describe()})");
            found[tp] = answer.Offset;
        }
        return found;
    }

    private static long TimestampOf(StartPosition start) => start switch
    {
        StartPosition.Earliest => ListOffsetsRequest.Earliest,
        StartPosition.AtTimestamp at => Math.Max(0, at.TimestampMs),
        _ => ListOffsetsRequest.Latest,
    };
}
