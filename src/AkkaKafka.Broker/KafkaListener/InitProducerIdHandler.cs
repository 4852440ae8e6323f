using Akka.Actor;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// Kafka InitProducerId: the controller hands out the producer id (see Controller/ProducerIdAllocator); with a
/// transactional id, the transaction coordinator answers (see Transactions/TransactionalIdActor). A controller that does not answer in time, or cannot write a block of ids, is
/// COORDINATOR_NOT_AVAILABLE, which both librdkafka and the Java client retry; the broker answers that within a second
/// (see BrokerActor.ToController), whatever the controller is doing.
/// </summary>
internal static class InitProducerIdHandler
{
    /// <summary>
    /// An idempotent producer's id comes from the controller; a transactional id's from the transaction coordinator,
    /// with the producer id and epoch a KIP-360 producer (v3+) names when it carries on after an error.
    /// </summary>
    private static IAkkaKafkaMessage Command(InitProducerIdRequestData request) => request.TransactionalId is { } transactionalId
        ? new InitTransactionalProducer(transactionalId, request.TransactionTimeoutMs,
            request.ProducerId != -1 ? new ProducerIdAndEpoch(request.ProducerId, request.ProducerEpoch) : null)
        : new InitProducerId();

    public static async Task<InitProducerIdResponseData> HandleAsync(KafkaNode node, KafkaRequestContext context, InitProducerIdRequestData request)
    {
        try
        {
            var result = await node.Broker.Ask<InitProducerIdResult>(Command(request), node.Broker.RequestTimeout);
            // A block of ids the controller could not write (full disk): Kafka clients retry InitProducerId on
            // COORDINATOR_NOT_AVAILABLE, while KAFKA_STORAGE_ERROR is not a code they expect here. The Akka producer
            // retries either, and tells its user the storage error by its name, as it tells a refused produce's.
            var error = result.Error == ErrorCode.KafkaStorageError && context.Listener != Http.BrokerMetrics.AkkaListener
                ? ErrorCode.CoordinatorNotAvailable
                : result.Error;
            // PRODUCER_FENCED came with v4 (KIP-588); older clients know the same refusal as INVALID_PRODUCER_EPOCH.
            if (error == ErrorCode.ProducerFenced && context.Version < 4) error = ErrorCode.InvalidProducerEpoch;
            return new InitProducerIdResponseData(error, result.ProducerId, result.ProducerEpoch);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or TimeoutException)
        {
            return new InitProducerIdResponseData(ErrorCode.CoordinatorNotAvailable, -1, -1);
        }
    }
}
