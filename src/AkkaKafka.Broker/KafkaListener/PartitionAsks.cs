using Akka.Actor;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// Partition requests from Kafka clients go to this node's BrokerActor wrapped as <see cref="ForwardedRequest"/>:
/// it serves them only when this node owns the partition and never forwards them on, so a Kafka client that reached
/// the wrong broker gets NOT_LEADER_OR_FOLLOWER and refreshes its metadata, as with Kafka itself.
/// </summary>
internal static class PartitionAsks
{
    /// <summary>Asks the owner; an ask that times out becomes REQUEST_TIMED_OUT in the request's own answer type.</summary>
    public static async Task<TResponse> AskOwnerAsync<TResponse>(this KafkaNode node, IPartitionRequest request, TimeSpan timeout)
    {
        try
        {
            return await node.Broker.Ask<TResponse>(new ForwardedRequest(request), timeout);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or TimeoutException)
        {
            return (TResponse)ErrorReplies.For(request, ErrorCode.RequestTimedOut, $"no answer within {timeout.TotalMilliseconds:0} ms");
        }
    }
}
