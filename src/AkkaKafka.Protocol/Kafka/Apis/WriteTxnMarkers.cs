namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>
/// WriteTxnMarkers v0–1 (flexible from v1), the versions Kafka 3.x brokers send: the transaction coordinator asks a
/// partition leader to end producers' transactions with commit or abort markers. Brokers only (ClusterAction).
/// </summary>
public sealed record WriteTxnMarkersRequestData(IReadOnlyList<WriteTxnMarkersRequestData.WritableTxnMarker> Markers) : IKafkaRequest
{
    /// <param name="TransactionResult">false = abort, true = commit (the schema's bool).</param>
    public sealed record WritableTxnMarker(long ProducerId, short ProducerEpoch, bool TransactionResult, IReadOnlyList<WritableTxnMarkerTopic> Topics,
        int CoordinatorEpoch);

    public sealed record WritableTxnMarkerTopic(string Name, IReadOnlyList<int> PartitionIndexes);

    public ApiKey ApiKey => ApiKey.WriteTxnMarkers;

    public static WriteTxnMarkersRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.WriteTxnMarkers, version);
        var markers = r.Array((ref KafkaReader m) =>
        {
            var producerId = m.Int64();
            var producerEpoch = m.Int16();
            var result = m.Boolean();
            var topics = m.Array((ref KafkaReader t) =>
            {
                var topic = new WritableTxnMarkerTopic(t.String(flexible), t.Array((ref KafkaReader p) => p.Int32(), flexible));
                t.TaggedFields(flexible);
                return topic;
            }, flexible);
            var coordinatorEpoch = m.Int32();
            m.TaggedFields(flexible);
            return new WritableTxnMarker(producerId, producerEpoch, result, topics, coordinatorEpoch);
        }, flexible);
        r.TaggedFields(flexible);
        return new WriteTxnMarkersRequestData(markers);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.WriteTxnMarkers, version);
        w.Array(Markers, (m, marker) => m
            .Int64(marker.ProducerId).Int16(marker.ProducerEpoch).Boolean(marker.TransactionResult)
            .Array(marker.Topics, (t, topic) => t
                .String(topic.Name, flexible)
                .Array(topic.PartitionIndexes, (p, index) => p.Int32(index), flexible)
                .TaggedFields(flexible), flexible)
            .Int32(marker.CoordinatorEpoch)
            .TaggedFields(flexible), flexible);
        w.TaggedFields(flexible);
    }
}

/// <summary>Per marker (producer id), per topic and partition, the error code (no throttle time in any version).</summary>
public sealed record WriteTxnMarkersResponseData(IReadOnlyList<WriteTxnMarkersResponseData.WritableTxnMarkerResult> Markers) : IKafkaResponse
{
    public sealed record WritableTxnMarkerResult(long ProducerId, IReadOnlyList<WritableTxnMarkerTopicResult> Topics);

    public sealed record WritableTxnMarkerTopicResult(string Name, IReadOnlyList<WritableTxnMarkerPartitionResult> Partitions);

    public sealed record WritableTxnMarkerPartitionResult(int PartitionIndex, ErrorCode ErrorCode);

    public static WriteTxnMarkersResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.WriteTxnMarkers, version);
        var markers = r.Array((ref KafkaReader m) =>
        {
            var producerId = m.Int64();
            var topics = m.Array((ref KafkaReader t) =>
            {
                var name = t.String(flexible);
                var partitions = t.Array((ref KafkaReader p) =>
                {
                    var partition = new WritableTxnMarkerPartitionResult(p.Int32(), (ErrorCode)p.Int16());
                    p.TaggedFields(flexible);
                    return partition;
                }, flexible);
                t.TaggedFields(flexible);
                return new WritableTxnMarkerTopicResult(name, partitions);
            }, flexible);
            m.TaggedFields(flexible);
            return new WritableTxnMarkerResult(producerId, topics);
        }, flexible);
        r.TaggedFields(flexible);
        return new WriteTxnMarkersResponseData(markers);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.WriteTxnMarkers, version);
        w.Array(Markers, (m, marker) => m
            .Int64(marker.ProducerId)
            .Array(marker.Topics, (t, topic) => t
                .String(topic.Name, flexible)
                .Array(topic.Partitions, (p, partition) => p.Int32(partition.PartitionIndex).Int16((short)partition.ErrorCode).TaggedFields(flexible), flexible)
                .TaggedFields(flexible), flexible)
            .TaggedFields(flexible), flexible);
        w.TaggedFields(flexible);
    }
}
