namespace AkkaKafka.Protocol.Kafka.Apis;

/// <summary>
/// AddPartitionsToTxn v0–4 (flexible from v3). v0–3 are the client's form: one transaction, its partitions added.
/// v4+ is the brokers' batched form (KIP-890 part 1): many transactions, each with verify_only, sent by a partition
/// leader to check a transactional produce; brokers only (ClusterAction). v5 only allows TRANSACTION_ABORTABLE in the
/// answer, which this coordinator never gives, so it is not advertised. A v0–3 request is read as one transaction
/// with verify_only false, and only such a request can be written at those versions.
/// </summary>
public sealed record AddPartitionsToTxnRequestData(IReadOnlyList<AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction> Transactions) : IKafkaRequest
{
    public const short FirstBatchedVersion = 4;

    public sealed record AddPartitionsToTxnTransaction(string TransactionalId, long ProducerId, short ProducerEpoch, bool VerifyOnly,
        IReadOnlyList<AddPartitionsToTxnTopic> Topics);

    public sealed record AddPartitionsToTxnTopic(string Name, IReadOnlyList<int> Partitions);

    public ApiKey ApiKey => ApiKey.AddPartitionsToTxn;

    /// <summary>The client's form (v0–3): one transaction's partitions to add.</summary>
    public static AddPartitionsToTxnRequestData ForClient(string transactionalId, long producerId, short producerEpoch, IReadOnlyList<AddPartitionsToTxnTopic> topics) =>
        new([new AddPartitionsToTxnTransaction(transactionalId, producerId, producerEpoch, VerifyOnly: false, topics)]);

    public static AddPartitionsToTxnRequestData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.AddPartitionsToTxn, version);
        AddPartitionsToTxnRequestData request;
        if (version >= FirstBatchedVersion)
        {
            request = new AddPartitionsToTxnRequestData(r.Array((ref KafkaReader t) =>
            {
                var (transactionalId, producerId, producerEpoch, verifyOnly) = (t.String(flexible), t.Int64(), t.Int16(), t.Boolean());
                var transaction = new AddPartitionsToTxnTransaction(transactionalId, producerId, producerEpoch, verifyOnly, ReadTopics(ref t, flexible));
                t.TaggedFields(flexible);
                return transaction;
            }, flexible));
        }
        else
        {
            var (transactionalId, producerId, producerEpoch) = (r.String(flexible), r.Int64(), r.Int16());
            request = ForClient(transactionalId, producerId, producerEpoch, ReadTopics(ref r, flexible));
        }
        r.TaggedFields(flexible);
        return request;
    }

    private static IReadOnlyList<AddPartitionsToTxnTopic> ReadTopics(ref KafkaReader r, bool flexible) => r.Array((ref KafkaReader t) =>
    {
        var topic = new AddPartitionsToTxnTopic(t.String(flexible), t.Array((ref KafkaReader p) => p.Int32(), flexible));
        t.TaggedFields(flexible);
        return topic;
    }, flexible);

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.AddPartitionsToTxn, version);
        if (version >= FirstBatchedVersion)
        {
            w.Array(Transactions, (t, transaction) =>
            {
                t.String(transaction.TransactionalId, flexible).Int64(transaction.ProducerId).Int16(transaction.ProducerEpoch).Boolean(transaction.VerifyOnly);
                WriteTopics(t, transaction.Topics, flexible);
                t.TaggedFields(flexible);
            }, flexible);
        }
        else
        {
            if (Transactions is not [{ VerifyOnly: false } only])
                throw new ArgumentException($"AddPartitionsToTxn v{version} carries exactly one transaction and no verify_only; batches need v{FirstBatchedVersion}+");
            w.String(only.TransactionalId, flexible).Int64(only.ProducerId).Int16(only.ProducerEpoch);
            WriteTopics(w, only.Topics, flexible);
        }
        w.TaggedFields(flexible);
    }

    private static void WriteTopics(KafkaWriter w, IReadOnlyList<AddPartitionsToTxnTopic> topics, bool flexible) =>
        w.Array(topics, (t, topic) => t
            .String(topic.Name, flexible)
            .Array(topic.Partitions, (p, partition) => p.Int32(partition), flexible)
            .TaggedFields(flexible), flexible);
}

/// <summary>
/// Per topic and partition, the error code. v0–3 answer the one transaction (<see cref="ResultsByTopicV3AndBelow"/>);
/// v4+ answer per transaction with a top-level error code (<see cref="ErrorCode"/>, <see cref="ResultsByTransaction"/>),
/// as the schema keeps them apart.
/// </summary>
public sealed record AddPartitionsToTxnResponseData(
    IReadOnlyList<AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult> ResultsByTopicV3AndBelow,
    IReadOnlyList<AddPartitionsToTxnResponseData.AddPartitionsToTxnResult> ResultsByTransaction,
    ErrorCode ErrorCode = ErrorCode.None,
    int ThrottleTimeMs = 0) : IKafkaResponse
{
    public sealed record AddPartitionsToTxnResult(string TransactionalId, IReadOnlyList<AddPartitionsToTxnTopicResult> TopicResults);

    public sealed record AddPartitionsToTxnTopicResult(string Name, IReadOnlyList<AddPartitionsToTxnPartitionResult> ResultsByPartition);

    public sealed record AddPartitionsToTxnPartitionResult(int PartitionIndex, ErrorCode PartitionErrorCode);

    public static AddPartitionsToTxnResponseData Read(ref KafkaReader r, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.AddPartitionsToTxn, version);
        var throttle = r.Int32();
        AddPartitionsToTxnResponseData response;
        if (version >= AddPartitionsToTxnRequestData.FirstBatchedVersion)
        {
            var error = (ErrorCode)r.Int16();
            var transactions = r.Array((ref KafkaReader t) =>
            {
                var result = new AddPartitionsToTxnResult(t.String(flexible), ReadTopics(ref t, flexible));
                t.TaggedFields(flexible);
                return result;
            }, flexible);
            response = new AddPartitionsToTxnResponseData([], transactions, error, throttle);
        }
        else
        {
            response = new AddPartitionsToTxnResponseData(ReadTopics(ref r, flexible), [], ErrorCode.None, throttle);
        }
        r.TaggedFields(flexible);
        return response;
    }

    private static IReadOnlyList<AddPartitionsToTxnTopicResult> ReadTopics(ref KafkaReader r, bool flexible) => r.Array((ref KafkaReader t) =>
    {
        var name = t.String(flexible);
        var partitions = t.Array((ref KafkaReader p) =>
        {
            var partition = new AddPartitionsToTxnPartitionResult(p.Int32(), (ErrorCode)p.Int16());
            p.TaggedFields(flexible);
            return partition;
        }, flexible);
        t.TaggedFields(flexible);
        return new AddPartitionsToTxnTopicResult(name, partitions);
    }, flexible);

    public void Write(KafkaWriter w, short version)
    {
        var flexible = KafkaApis.IsFlexible(ApiKey.AddPartitionsToTxn, version);
        w.Int32(ThrottleTimeMs);
        if (version >= AddPartitionsToTxnRequestData.FirstBatchedVersion)
        {
            w.Int16((short)ErrorCode).Array(ResultsByTransaction, (t, transaction) =>
            {
                t.String(transaction.TransactionalId, flexible);
                WriteTopics(t, transaction.TopicResults, flexible);
                t.TaggedFields(flexible);
            }, flexible);
        }
        else
        {
            WriteTopics(w, ResultsByTopicV3AndBelow, flexible);
        }
        w.TaggedFields(flexible);
    }

    private static void WriteTopics(KafkaWriter w, IReadOnlyList<AddPartitionsToTxnTopicResult> topics, bool flexible) =>
        w.Array(topics, (t, topic) => t
            .String(topic.Name, flexible)
            .Array(topic.ResultsByPartition, (p, partition) => p.Int32(partition.PartitionIndex).Int16((short)partition.PartitionErrorCode).TaggedFields(flexible), flexible)
            .TaggedFields(flexible), flexible);
}
