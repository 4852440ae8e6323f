namespace AkkaKafka.Protocol;

/// <summary>What a request or answer adds around its record batches in one Akka remoting frame.</summary>
public static class RemotingFrame
{
    /// <summary>
    /// Room left in akka.remote.dot-netty.tcp.maximum-frame-size for a message's envelope beside its batches. Brokers and
    /// clients check their batch and fetch bounds against it at start-up: a message over the frame size fails with
    /// Akka's OversizedPayloadException, which the sender only sees as a request timing out.
    /// </summary>
    public const int Overhead = 64 * 1024;
}
