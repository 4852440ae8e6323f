using Akka.Actor;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// Kafka InitProducerId: the controller hands out the producer id (see Controller/ProducerIdAllocator); a
/// transactional id is refused there. A controller that does not answer in time is COORDINATOR_NOT_AVAILABLE, which
/// both librdkafka and the Java client retry.
/// </summary>
internal static class InitProducerIdHandler
{
    public static async Task<InitProducerIdResponseData> HandleAsync(KafkaNode node, InitProducerIdRequestData request)
    {
        try
        {
            var result = await node.Broker.Ask<InitProducerIdResult>(new InitProducerId(request.TransactionalId), node.Broker.RequestTimeout);
            return new InitProducerIdResponseData(result.Error, result.ProducerId, result.ProducerEpoch);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or TimeoutException)
        {
            return new InitProducerIdResponseData(ErrorCode.CoordinatorNotAvailable, -1, -1);
        }
    }
}
