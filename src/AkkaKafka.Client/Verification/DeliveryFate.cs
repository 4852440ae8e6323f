using AkkaKafka.Protocol;

namespace AkkaKafka.Client.Verification;

/// <summary>What a producer's error says about a record's fate: definitely not stored, or not known.</summary>
public static class DeliveryFate
{
    /// <summary>
    /// True when the error says the record was not stored: a broker refused it with a non-retriable error (the
    /// request was answered). A timeout, a lost connection or a retriable error that outlived the delivery timeout
    /// leaves the fate unknown: an earlier try may have been written.
    /// </summary>
    public static bool IsDefinite(Exception error) =>
        error.GetBaseException() is KafkaException { Error: var code } && code != ErrorCode.RequestTimedOut && !code.IsRetriable();
}
