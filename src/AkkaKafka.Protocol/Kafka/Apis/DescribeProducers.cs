namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>DescribeProducers v0 (flexible; the only version): the active producers of each partition named.</summary>
public sealed record DescribeProducersRequestData(IReadOnlyList<DescribeProducersRequestData.TopicRequest> Topics) : IKafkaRequest
{
    public sealed record TopicRequest(string Name, IReadOnlyList<int> PartitionIndexes);

    public ApiKey ApiKey => ApiKey.DescribeProducers;

    public static DescribeProducersRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DescribeProducers, version);
        var topics = r.Array((ref KafkaReader t) =>
        {
            var topic = new TopicRequest(t.String(flexible), t.Array((ref KafkaReader p) => p.Int32(), flexible));
            t.TaggedFields(flexible);
            return topic;
        }, flexible);
        r.TaggedFields(flexible);
        return new DescribeProducersRequestData(topics);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DescribeProducers, version);
        w.Array(Topics, (t, topic) => t
            .String(topic.Name, flexible)
            .Array(topic.PartitionIndexes, (p, index) => p.Int32(index), flexible)
            .TaggedFields(flexible), flexible);
        w.TaggedFields(flexible);
    }
}

/// <summary>Per topic and partition: an error (with its message) or the producers with state there.</summary>
public sealed record DescribeProducersResponseData(IReadOnlyList<DescribeProducersResponseData.TopicResponse> Topics, int ThrottleTimeMs = 0) : IKafkaResponse
{
    public sealed record TopicResponse(string Name, IReadOnlyList<PartitionResponse> Partitions);

    public sealed record PartitionResponse(int PartitionIndex, ErrorCode ErrorCode, string? ErrorMessage, IReadOnlyList<ProducerState> ActiveProducers);

    /// <param name="CurrentTxnStartOffset">The first offset of its open transaction here, -1 when none is open.</param>
    public sealed record ProducerState(long ProducerId, int ProducerEpoch, int LastSequence, long LastTimestamp, int CoordinatorEpoch, long CurrentTxnStartOffset);

    public static DescribeProducersResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DescribeProducers, version);
        var throttle = r.Int32();
        var topics = r.Array((ref KafkaReader t) =>
        {
            var name = t.String(flexible);
            var partitions = t.Array((ref KafkaReader p) =>
            {
                var index = p.Int32();
                var error = (ErrorCode)p.Int16();
                var message = p.NullableString(flexible);
                var producers = p.Array((ref KafkaReader s) =>
                {
                    var state = new ProducerState(s.Int64(), s.Int32(), s.Int32(), s.Int64(), s.Int32(), s.Int64());
                    s.TaggedFields(flexible);
                    return state;
                }, flexible);
                p.TaggedFields(flexible);
                return new PartitionResponse(index, error, message, producers);
            }, flexible);
            t.TaggedFields(flexible);
            return new TopicResponse(name, partitions);
        }, flexible);
        r.TaggedFields(flexible);
        return new DescribeProducersResponseData(topics, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.DescribeProducers, version);
        w.Int32(ThrottleTimeMs);
        w.Array(Topics, (t, topic) => t
            .String(topic.Name, flexible)
            .Array(topic.Partitions, (p, partition) => p
                .Int32(partition.PartitionIndex).Int16((short)partition.ErrorCode).NullableString(partition.ErrorMessage, flexible)
                .Array(partition.ActiveProducers, (s, state) => s
                    .Int64(state.ProducerId).Int32(state.ProducerEpoch).Int32(state.LastSequence).Int64(state.LastTimestamp)
                    .Int32(state.CoordinatorEpoch).Int64(state.CurrentTxnStartOffset).TaggedFields(flexible), flexible)
                .TaggedFields(flexible), flexible)
            .TaggedFields(flexible), flexible);
        w.TaggedFields(flexible);
    }
}
