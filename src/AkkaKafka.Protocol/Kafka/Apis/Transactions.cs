namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>DescribeTransactions v0 (flexible; the only version): the coordinator's state of each transactional id named.</summary>
public sealed record DescribeTransactionsRequestData(IReadOnlyList<string> TransactionalIds) : IKafkaRequest
{
    public ApiKey ApiKey => ApiKey.DescribeTransactions;

    public static DescribeTransactionsRequestData Read(ref KafkaReader r, short version)
    {
        var ids = r.Array((ref KafkaReader s) => s.String(true), true);
        r.TaggedFields(true);
        return new DescribeTransactionsRequestData(ids);
    }

    public void Write(KafkaWriter w, short version)
    {
        w.Array(TransactionalIds, (s, id) => s.String(id, true), true);
        w.TaggedFields(true);
    }
}

/// <summary>Per transactional id: an error, or its state (Kafka's state names), timeout, transaction start, producer and partitions.</summary>
public sealed record DescribeTransactionsResponseData(IReadOnlyList<DescribeTransactionsResponseData.TransactionState> TransactionStates, int ThrottleTimeMs = 0)
    : IKafkaResponse
{
    public sealed record TransactionState(ErrorCode ErrorCode, string TransactionalId, string State, int TransactionTimeoutMs,
        long TransactionStartTimeMs, long ProducerId, short ProducerEpoch, IReadOnlyList<TopicData> Topics);

    public sealed record TopicData(string Topic, IReadOnlyList<int> Partitions);

    public static DescribeTransactionsResponseData Read(ref KafkaReader r, short version)
    {
        var throttle = r.Int32();
        var states = r.Array((ref KafkaReader s) =>
        {
            var error = (ErrorCode)s.Int16();
            var id = s.String(true);
            var state = s.String(true);
            var timeout = s.Int32();
            var start = s.Int64();
            var producerId = s.Int64();
            var epoch = s.Int16();
            var topics = s.Array((ref KafkaReader t) =>
            {
                var topic = new TopicData(t.String(true), t.Array((ref KafkaReader p) => p.Int32(), true));
                t.TaggedFields(true);
                return topic;
            }, true);
            s.TaggedFields(true);
            return new TransactionState(error, id, state, timeout, start, producerId, epoch, topics);
        }, true);
        r.TaggedFields(true);
        return new DescribeTransactionsResponseData(states, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        w.Int32(ThrottleTimeMs);
        w.Array(TransactionStates, (s, state) => s
            .Int16((short)state.ErrorCode).String(state.TransactionalId, true).String(state.State, true)
            .Int32(state.TransactionTimeoutMs).Int64(state.TransactionStartTimeMs).Int64(state.ProducerId).Int16(state.ProducerEpoch)
            .Array(state.Topics, (t, topic) => t
                .String(topic.Topic, true).Array(topic.Partitions, (p, partition) => p.Int32(partition), true).TaggedFields(true), true)
            .TaggedFields(true), true);
        w.TaggedFields(true);
    }
}

/// <summary>
/// ListTransactions v0–1 (flexible from v0): the coordinator's transactional ids, filtered by state names and producer
/// ids (empty: all) and, from v1, by how long the transaction has run (<see cref="DurationFilterMs"/> -1: all).
/// </summary>
public sealed record ListTransactionsRequestData(IReadOnlyList<string> StateFilters, IReadOnlyList<long> ProducerIdFilters, long DurationFilterMs = -1)
    : IKafkaRequest
{
    public ApiKey ApiKey => ApiKey.ListTransactions;

    public static ListTransactionsRequestData Read(ref KafkaReader r, short version)
    {
        var states = r.Array((ref KafkaReader s) => s.String(true), true);
        var producerIds = r.Array((ref KafkaReader p) => p.Int64(), true);
        var duration = version >= 1 ? r.Int64() : -1;
        r.TaggedFields(true);
        return new ListTransactionsRequestData(states, producerIds, duration);
    }

    public void Write(KafkaWriter w, short version)
    {
        w.Array(StateFilters, (s, state) => s.String(state, true), true);
        w.Array(ProducerIdFilters, (p, id) => p.Int64(id), true);
        if (version >= 1) w.Int64(DurationFilterMs);
        w.TaggedFields(true);
    }
}

/// <summary>The transactional ids listed, with the state filters the coordinator did not know.</summary>
public sealed record ListTransactionsResponseData(ErrorCode ErrorCode, IReadOnlyList<string> UnknownStateFilters,
    IReadOnlyList<ListTransactionsResponseData.TransactionState> TransactionStates, int ThrottleTimeMs = 0) : IKafkaResponse
{
    public sealed record TransactionState(string TransactionalId, long ProducerId, string State);

    public static ListTransactionsResponseData Read(ref KafkaReader r, short version)
    {
        var throttle = r.Int32();
        var error = (ErrorCode)r.Int16();
        var unknown = r.Array((ref KafkaReader s) => s.String(true), true);
        var states = r.Array((ref KafkaReader s) =>
        {
            var state = new TransactionState(s.String(true), s.Int64(), s.String(true));
            s.TaggedFields(true);
            return state;
        }, true);
        r.TaggedFields(true);
        return new ListTransactionsResponseData(error, unknown, states, throttle);
    }

    public void Write(KafkaWriter w, short version)
    {
        w.Int32(ThrottleTimeMs);
        w.Int16((short)ErrorCode);
        w.Array(UnknownStateFilters, (s, state) => s.String(state, true), true);
        w.Array(TransactionStates, (s, state) => s
            .String(state.TransactionalId, true).Int64(state.ProducerId).String(state.State, true).TaggedFields(true), true);
        w.TaggedFields(true);
    }
}
