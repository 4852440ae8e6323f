using Akka.Actor;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.Group;

/// <summary>The partitions' bounds a reset needs, or why they could not be had.</summary>
public sealed record PartitionBoundsLookupResult(IReadOnlyList<PartitionBounds> Bounds, ErrorCode Error, string? ErrorMessage);

/// <summary>
/// Asks the cluster, through this node's BrokerActor, what a reset of <see cref="ResetGroupOffsets"/> needs to know: the
/// topic's partitions (from the controller), each partition's log start and end, and for --to-datetime the offset
/// ListOffsets by timestamp finds (the partition's segment time index, then the one segment it points to). The
/// partitions may live on any broker; the BrokerActor routes each request to the owner. Runs as a task whose result
/// the GroupActor pipes to itself, so the group never waits.
/// </summary>
internal static class PartitionBoundsLookup
{
    public static async Task<PartitionBoundsLookupResult> LookupAsync(ICanTell broker, ResetGroupOffsets reset, TimeSpan timeout)
    {
        var metadata = (await broker.Ask<MetadataResponse>(new GetMetadata([reset.Topic]), timeout)).Metadata;
        var topic = metadata.Topic(reset.Topic);
        if (topic is null) return Failed(ErrorCode.UnknownTopicOrPartition, $"topic '{reset.Topic}' does not exist");
        foreach (var p in reset.Partitions)
            if (p < 0 || p >= topic.PartitionCount)
                return Failed(ErrorCode.UnknownTopicOrPartition, $"topic '{reset.Topic}' has no partition {p}");
        var partitions = reset.Partitions.Count > 0 ? reset.Partitions.Distinct().ToList() : Enumerable.Range(0, topic.PartitionCount).ToList();

        var lookups = partitions.Select(async p =>
        {
            var start = ListOffsetAsync(broker, reset.Topic, p, ListOffsetsRequest.Earliest, timeout);
            var end = ListOffsetAsync(broker, reset.Topic, p, ListOffsetsRequest.Latest, timeout);
            var byTime = reset.Mode == OffsetResetMode.ToDatetime
                ? ListOffsetAsync(broker, reset.Topic, p, Math.Max(0, reset.Value), timeout)
                : Task.FromResult(new ListOffsetsResponse(reset.Topic, p, ErrorCode.None, -1));
            return (Partition: p, Start: await start, End: await end, ByTime: await byTime);
        }).ToList();
        var answers = await Task.WhenAll(lookups);

        foreach (var a in answers)
            foreach (var response in new[] { a.Start, a.End, a.ByTime })
                if (response.Error != ErrorCode.None)
                    return Failed(response.Error, $"cannot read the offsets of {reset.Topic}-{a.Partition}: {response.Error.Describe()}");
        return new PartitionBoundsLookupResult(
            answers.Select(a => new PartitionBounds(a.Partition, a.Start.Offset, a.End.Offset, a.ByTime.Offset)).ToList(), ErrorCode.None, null);
    }

    private static async Task<ListOffsetsResponse> ListOffsetAsync(ICanTell broker, string topic, int partition, long timestamp, TimeSpan timeout)
    {
        try
        {
            return await broker.Ask<ListOffsetsResponse>(new ListOffsetsRequest(topic, partition, timestamp), timeout);
        }
        catch (AskTimeoutException)
        {
            return new ListOffsetsResponse(topic, partition, ErrorCode.RequestTimedOut, -1);
        }
    }

    private static PartitionBoundsLookupResult Failed(ErrorCode error, string message) => new([], error, message);
}
