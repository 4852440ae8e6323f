using Akka.Actor;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker;

/// <summary>The error reply that matches a partition request, so every refusal reaches the caller in its own type.</summary>
public static class ErrorReplies
{
    /// <summary>Replies with the error, except to acks=0 produces, which by contract get no reply at all.</summary>
    public static void Send(IActorRef replyTo, IPartitionRequest request, ErrorCode error, string? message = null)
    {
        if (request is ProduceRequest { Acks: Acks.None }) return;
        replyTo.Tell(For(request, error, message));
    }

    public static object For(IPartitionRequest request, ErrorCode error, string? message = null) => request switch
    {
        ProduceRequest p => new ProduceResponse(p.Topic, p.Partition, error, -1, -1, message ?? error.Describe()),
        FetchRequest f => new FetchResponse(f.Topic, f.Partition, error, -1, -1, [], message ?? error.Describe()),
        ListOffsetsRequest l => new ListOffsetsResponse(l.Topic, l.Partition, error, -1),
        WriteTxnMarker w => new WriteTxnMarkerResponse(w.Topic, w.Partition, error, -1, message ?? error.Describe()),
        DescribeProducers d => new ProducersDescription(d.Topic, d.Partition, error, [], message ?? error.Describe()),
        _ => throw new ArgumentOutOfRangeException(nameof(request), request.GetType().Name),
    };
}
