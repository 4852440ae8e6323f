using Akka.Actor;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// Kafka InitProducerId: the controller hands out the producer id (see Controller/ProducerIdAllocator); a
/// transactional id is refused there. A controller that does not answer in time, or cannot write a block of ids, is
/// COORDINATOR_NOT_AVAILABLE, which both librdkafka and the Java client retry; the broker answers that within a second
/// (see BrokerActor.ToController), whatever the controller is doing.
/// </summary>
internal static class InitProducerIdHandler
{
    public static async Task<InitProducerIdResponseData> HandleAsync(KafkaNode node, KafkaRequestContext context, InitProducerIdRequestData request)
    {
        try
        {
            var result = await node.Broker.Ask<InitProducerIdResult>(new InitProducerId(request.TransactionalId), node.Broker.RequestTimeout);
            // A block of ids the controller could not write (full disk): Kafka clients retry InitProducerId on
            // COORDINATOR_NOT_AVAILABLE, while KAFKA_STORAGE_ERROR is not a code they expect here. The Akka producer
            // retries either, and tells its user the storage error by its name, as it tells a refused produce's.
            var error = result.Error == ErrorCode.KafkaStorageError && context.Listener != Http.BrokerMetrics.AkkaListener
                ? ErrorCode.CoordinatorNotAvailable
                : result.Error;
            return new InitProducerIdResponseData(error, result.ProducerId, result.ProducerEpoch);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or TimeoutException)
        {
            return new InitProducerIdResponseData(ErrorCode.CoordinatorNotAvailable, -1, -1);
        }
    }
}
