using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;
using static AkkaKafka.Protocol.Kafka.Apis.WriteTxnMarkersResponseData;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// The partition's half of Kafka transactions on the wire. WriteTxnMarkers: each marker goes to the owner of each
/// partition named, which appends it as a control batch (<see cref="WriteTxnMarker"/>), the way produce reaches the
/// owner; the transaction coordinator will send the same message from inside the cluster. DescribeProducers: each
/// partition's owner tells its producers (<see cref="DescribeProducers"/>).
/// </summary>
internal static class TransactionMarkersHandler
{
    public static async Task<WriteTxnMarkersResponseData> WriteAsync(KafkaNode node, WriteTxnMarkersRequestData request)
    {
        var markers = await Task.WhenAll(request.Markers.Select(async marker => new WritableTxnMarkerResult(marker.ProducerId,
            await Task.WhenAll(marker.Topics.Select(async topic => new WritableTxnMarkerTopicResult(topic.Name,
                await Task.WhenAll(topic.PartitionIndexes.Select(async partition =>
                {
                    var written = await node.AskOwnerAsync<WriteTxnMarkerResponse>(new WriteTxnMarker(topic.Name, partition, marker.ProducerId,
                        marker.ProducerEpoch, marker.TransactionResult ? TransactionResult.Commit : TransactionResult.Abort, marker.CoordinatorEpoch),
                        node.Broker.RequestTimeout);
                    return new WritableTxnMarkerPartitionResult(partition, written.Error);
                }))))))));
        return new WriteTxnMarkersResponseData(markers);
    }

    public static async Task<DescribeProducersResponseData> DescribeProducersAsync(KafkaNode node, DescribeProducersRequestData request)
    {
        var topics = await Task.WhenAll(request.Topics.Select(async topic => new DescribeProducersResponseData.TopicResponse(topic.Name,
            await Task.WhenAll(topic.PartitionIndexes.Select(async partition =>
            {
                var described = await node.AskOwnerAsync<ProducersDescription>(new DescribeProducers(topic.Name, partition), node.Broker.RequestTimeout);
                return new DescribeProducersResponseData.PartitionResponse(partition, described.Error, described.ErrorMessage,
                    described.Producers.Select(p => new DescribeProducersResponseData.ProducerState(p.ProducerId, p.ProducerEpoch, p.LastSequence,
                        p.LastTimestamp, p.CoordinatorEpoch, p.CurrentTxnStartOffset)).ToList());
            })))));
        return new DescribeProducersResponseData(topics);
    }
}
