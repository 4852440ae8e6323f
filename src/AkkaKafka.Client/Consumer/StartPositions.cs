using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Client.Consumer;

/// <summary>
/// Turns <see cref="StartPosition"/>s into offsets with Kafka's ListOffsets, as Kafka's consumer does: one request per
/// broker for all the partitions it owns, so a consumer of 10,000 partitions asks a few brokers once each, not the
/// cluster 10,000 times.
/// </summary>
internal static class StartPositions
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The offset of each partition. Retriable refusals (a partition moving) are asked again, with fresh metadata,
    /// until <paramref name="timeout"/>; then, or at the first other refusal, it throws (<see cref="KafkaException"/>,
    /// <see cref="ClusterUnavailableException"/>).
    /// </summary>
    public static async Task<IReadOnlyDictionary<TopicPartition, long>> ResolveAsync(ClusterConnection connection, string clientId,
        IReadOnlyCollection<(TopicPartition Partition, StartPosition Start)> wanted, TimeSpan timeout, CancellationToken ct)
    {
        var found = new Dictionary<TopicPartition, long>();
        var left = new List<(TopicPartition Partition, long Timestamp, StartPosition Start)>();
        foreach (var (tp, start) in wanted)
        {
            if (start is StartPosition.At at) found[tp] = at.Offset;
            else left.Add((tp, TimestampOf(start), start));
        }
        var admin = new AdminClient(connection);
        var deadline = DateTime.UtcNow + timeout;
        string? lastRefusal = null;
        while (left.Count > 0)
        {
            if (DateTime.UtcNow >= deadline)
                throw new ClusterUnavailableException($"no start offset for {left.Count} partitions within {timeout.TotalSeconds:0.#}s{(lastRefusal is null ? "" : $" (last: {lastRefusal})")}");
            var metadata = await admin.MetadataAsync(left.Select(l => l.Partition.Topic).Distinct().ToList(), autoCreate: false, ct);
            var again = new List<(TopicPartition Partition, long Timestamp, StartPosition Start)>();
            var refused = false;
            var asks = left.GroupBy(l => metadata.Topic(l.Partition.Topic)?.Partition(l.Partition.Partition)?.Owner)
                .Select(async owned =>
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
            foreach (var (asked, response, failure) in await Task.WhenAll(asks))
            {
                if (response is null)
                {
                    lastRefusal = failure!.Message;
                    refused = true;
                    again.AddRange(asked);
                    continue;
                }
                var answers = response.Topics.SelectMany(t => t.Partitions.Select(p => (Tp: new TopicPartition(t.Name, p.PartitionIndex), p)))
                    .ToDictionary(a => a.Tp, a => a.p);
                foreach (var ask in asked)
                {
                    var answer = answers.GetValueOrDefault(ask.Partition);
                    var error = answer?.ErrorCode ?? ErrorCode.UnknownServerError;
                    if (answer is { ErrorCode: ErrorCode.None })
                    {
                        // No record at or after the timestamp: start at the end, as Kafka's consumer does.
                        if (answer.Offset < 0 && ask.Start is StartPosition.AtTimestamp) again.Add((ask.Partition, ListOffsetsRequest.Latest, ask.Start));
                        else found[ask.Partition] = answer.Offset;
                    }
                    else if (error.IsRetriable())
                    {
                        lastRefusal = $"{ask.Partition.Topic}-{ask.Partition.Partition}: {FetchError.KafkaNameOf(error)}";
                        refused = true;
                        again.Add(ask);
                    }
                    else
                        throw new KafkaException(error, $"list offsets for {ask.Partition.Topic}-{ask.Partition.Partition}: {FetchError.KafkaNameOf(error)} ({error.Describe()})");
                }
            }
            left = again;
            // A partition moving gets a moment to settle; one only sent again for its end offset needs none.
            if (refused) await Task.Delay(RetryAfter, ct);
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
