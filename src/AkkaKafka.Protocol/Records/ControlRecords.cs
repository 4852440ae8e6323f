using System.Buffers.Binary;

namespace AkkaKafka.Protocol.Records;

/// <summary>Kafka's control record types (the key's second int16): the end of a transaction.</summary>
public enum TransactionResult : short
{
    Abort = 0,
    Commit = 1,
}

/// <summary>
/// Kafka's transaction markers (KIP-98): a control batch (attributes transactional | control) of one record whose key
/// is version (int16 0) + type (int16: 0 abort, 1 commit) and whose value is version (int16 0) + the coordinator epoch
/// (int32), with the producer id and epoch in the batch header and no sequence (-1). Clients skip such batches; the
/// partition reads them to close a producer's open transaction.
/// </summary>
public static class ControlRecords
{
    private const short CurrentVersion = 0;

    /// <summary>A marker batch, offsets from 0 (the partition stamps its own when it appends it).</summary>
    public static byte[] Marker(long producerId, short producerEpoch, TransactionResult result, int coordinatorEpoch, long timestamp)
    {
        var key = new byte[4];
        BinaryPrimitives.WriteInt16BigEndian(key, CurrentVersion);
        BinaryPrimitives.WriteInt16BigEndian(key.AsSpan(2), (short)result);
        var value = new byte[6];
        BinaryPrimitives.WriteInt16BigEndian(value, CurrentVersion);
        BinaryPrimitives.WriteInt32BigEndian(value.AsSpan(2), coordinatorEpoch);
        var builder = new RecordBatchBuilder();
        builder.Add(timestamp, key, value);
        var bytes = builder.Build(producer: new ProducerFields(producerId, producerEpoch, -1));
        RecordBatch.SetFlags(bytes, RecordBatchLayout.TransactionalFlag | RecordBatchLayout.ControlFlag);
        return bytes;
    }

    /// <summary>A producer's batch marked as part of its open transaction (what a transactional producer sends).</summary>
    public static byte[] Transactional(byte[] batch)
    {
        RecordBatch.SetFlags(batch, RecordBatchLayout.TransactionalFlag);
        return batch;
    }

    /// <summary>The marker a control batch carries: commit or abort, and the coordinator epoch that wrote it.</summary>
    /// <exception cref="CorruptRecordException">When the batch is not a control batch or its record is not a marker.</exception>
    public static (TransactionResult Result, int CoordinatorEpoch) ReadMarker(RecordBatch batch)
    {
        if (!batch.IsControl) throw new CorruptRecordException("not a control batch");
        foreach (var record in batch.Records())
        {
            if (record.Key is not { Length: >= 4 } key)
                throw new CorruptRecordException("a control record's key must hold a version and a type (4 bytes)");
            var type = BinaryPrimitives.ReadInt16BigEndian(key.AsSpan(2));
            if (type is not ((short)TransactionResult.Abort or (short)TransactionResult.Commit))
                throw new CorruptRecordException($"control record type {type} is not a transaction marker (0 abort, 1 commit)");
            var epoch = record.Value is { Length: >= 6 } value ? BinaryPrimitives.ReadInt32BigEndian(value.AsSpan(2)) : -1;
            return ((TransactionResult)type, epoch);
        }
        throw new CorruptRecordException("a control batch without a record");
    }
}
