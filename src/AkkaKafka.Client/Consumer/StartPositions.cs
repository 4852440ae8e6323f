using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Client.Consumer;

/// <summary>Turns a <see cref="StartPosition"/> into an offset of one partition (Kafka's ListOffsets).</summary>
internal static class StartPositions
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromMilliseconds(200);

    /// <summary>Retries retriable refusals (a partition moving) until <paramref name="timeout"/>, then throws.</summary>
    public static async Task<long> ResolveAsync(AdminClient admin, TimeSpan timeout, TopicPartition tp, StartPosition start, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return start switch
                {
                    StartPosition.At at => at.Offset,
                    StartPosition.Earliest => await admin.ListOffsetAsync(tp.Topic, tp.Partition, ListOffsetsRequest.Earliest, ct),
                    StartPosition.AtTimestamp at => await admin.ListOffsetAsync(tp.Topic, tp.Partition, Math.Max(0, at.TimestampMs), ct) is var found and >= 0
                        ? found : await admin.ListOffsetAsync(tp.Topic, tp.Partition, ListOffsetsRequest.Latest, ct),
                    _ => await admin.ListOffsetAsync(tp.Topic, tp.Partition, ListOffsetsRequest.Latest, ct),
                };
            }
            catch (KafkaException e) when (e.Error.IsRetriable() && DateTime.UtcNow < deadline)
            {
                await Task.Delay(RetryAfter, ct);
            }
        }
    }
}
