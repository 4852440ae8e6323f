using Akka.Actor;
using Akka.Persistence;
using AkkaKafka.Broker.Partition;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Broker.Storage;

/// <summary>
/// Reads stored batches of a partition in bulk, straight from the journal table: one query returns a run of rows,
/// each payload decoded by the journal's own serializer binding (<see cref="StorageSerializer"/> hands the stored
/// RecordBatch bytes back as they are, no copy). This replaces an Akka.Persistence replay per fetch, which costs a
/// highest-sequence-number query, a range query and an actor message per row.
/// Thread-safe and stateless apart from a query counter: every call opens a pooled connection of its own.
/// </summary>
public sealed class JournalBatchReader
{
    /// <summary>The most rows one query asks for, whatever the estimate: bounds a query's time and memory.</summary>
    public const int MaxRowsPerQuery = 10_000;

    private readonly JournalTable _table;
    private readonly Akka.Serialization.Serialization _serialization;
    private readonly string _query;
    private readonly string _replayQuery;
    private readonly string _highestQuery;
    private long _queries;

    public JournalBatchReader(JournalTable table, Akka.Serialization.Serialization serialization)
    {
        _table = table;
        _serialization = serialization;
        _query = table.RangeQuery;
        _replayQuery = table.ReplayQuery;
        _highestQuery = table.HighestSequenceNrQuery;
    }

    /// <summary>Range reads run so far, replays not counted (specs use it to tell a cache hit from a journal read).</summary>
    public long Queries => Interlocked.Read(ref _queries);

    /// <summary>
    /// The batches from the one holding <paramref name="request"/>'s offset on, contiguous, oldest first, about
    /// MaxBytes in all (whole batches; the last may cross it). Empty when the journal does not hold the offset (it
    /// was deleted by retention meanwhile). Runs on the thread pool: Microsoft.Data.Sqlite's async calls complete
    /// synchronously, and a caller on an actor's thread must never wait on I/O.
    /// </summary>
    public Task<JournalRange> ReadAsync(JournalRangeRequest request, CancellationToken cancellationToken = default) =>
        Task.Run(() => LocateAsync(request, cancellationToken), cancellationToken);

    private async Task<JournalRange> LocateAsync(JournalRangeRequest request, CancellationToken cancellationToken)
    {
        var from = request.FromSequenceNr;
        var restartFrom = request.FallbackSequenceNr;
        while (true)
        {
            var rows = await QueryAsync(request, from, cancellationToken);
            if (rows.StartedAfterOffset && from > restartFrom)
            {
                // The estimate landed past the offset: read again from where the offset is known to be at or after.
                from = restartFrom;
                continue;
            }
            if (rows.Batches.Count == 0 && rows.RowsRead == rows.Limit)
            {
                // The whole window lay below the offset (batch sizes spoil the estimate): read on.
                from = rows.NextSequenceNr;
                continue;
            }
            return new JournalRange(rows.StartedAfterOffset ? [] : rows.Batches, rows.NextSequenceNr);
        }
    }

    private async Task<Rows> QueryAsync(JournalRangeRequest request, long from, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _queries);
        var limit = request.RowLimit;
        await using var connection = await StorageConnections.OpenAsync(_table.Mapping, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = _query;
        StorageConnections.AddParameter(command, "pid", request.PersistenceId);
        StorageConnections.AddParameter(command, "from", from);
        StorageConnections.AddParameter(command, "limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);

        var batches = new List<byte[]>();
        long bytes = 0;
        var rowsRead = 0;
        var next = from;
        while (await reader.ReadAsync(cancellationToken))
        {
            rowsRead++;
            var sequenceNr = reader.GetInt64(0);
            next = sequenceNr + 1;
            var payload = reader.GetFieldValue<byte[]>(1);
            var identifier = reader.IsDBNull(2) ? 0 : reader.GetInt32(2);
            var manifest = reader.IsDBNull(3) ? "" : reader.GetString(3);
            if (_serialization.Deserialize(payload, identifier, manifest) is not BatchAppended appended) continue;
            var batch = new RecordBatch(appended.Batch);
            if (batch.NextOffset <= request.Offset) continue;
            if (batches.Count == 0 && batch.BaseOffset > request.Offset)
                return new Rows(batches, next, rowsRead, limit, StartedAfterOffset: true);
            batches.Add(appended.Batch);
            bytes += appended.Batch.Length;
            // Enough: stop stepping (SQLite reads no further; PostgreSQL drains at most the LIMIT).
            if (bytes >= request.MaxBytes) break;
        }
        return new Rows(batches, next, rowsRead, limit, StartedAfterOffset: false);
    }

    /// <summary>
    /// A recovery's replay: the events of <paramref name="persistenceId"/> from <paramref name="fromSequenceNr"/> to
    /// <paramref name="toSequenceNr"/>, at most <paramref name="max"/>, handed to <paramref name="replayed"/> oldest
    /// first as they are read; returns how many. One plain query on a pooled connection: Akka.Persistence.Sql's own
    /// replay builds its query through linq2db and runs it inside an Akka.Streams graph materialized per replay, which
    /// was most of the CPU a restart of 10,000 partitions spent (see <see cref="ReplayingSqlJournal"/>).
    /// </summary>
    public async Task<long> ReplayAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        Action<IPersistentRepresentation> replayed, CancellationToken cancellationToken = default)
    {
        if (max <= 0 || toSequenceNr < fromSequenceNr) return 0;
        await using var connection = await StorageConnections.OpenAsync(_table.Mapping, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = _replayQuery;
        StorageConnections.AddParameter(command, "pid", persistenceId);
        StorageConnections.AddParameter(command, "from", fromSequenceNr);
        StorageConnections.AddParameter(command, "to", toSequenceNr);
        StorageConnections.AddParameter(command, "limit", max);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        long count = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            var sequenceNr = reader.GetInt64(0);
            if (reader.IsDBNull(2))
                throw new NotSupportedException($"{persistenceId}: journal row {sequenceNr} has no serializer identifier " +
                                                "(written by an older journal plugin); it cannot be replayed");
            var manifest = reader.IsDBNull(3) ? "" : reader.GetString(3);
            var payload = _serialization.Deserialize(reader.GetFieldValue<byte[]>(1), reader.GetInt32(2), manifest);
            replayed(new Persistent(payload, sequenceNr, persistenceId, manifest));
            count++;
        }
        return count;
    }

    /// <summary>
    /// The highest sequence number stored for <paramref name="persistenceId"/> above <paramref name="fromSequenceNr"/>,
    /// deleted rows included (the journal keeps the highest deleted one for this), or 0: what Akka.Persistence.Sql
    /// answers outside its delete-compatibility-mode.
    /// </summary>
    public async Task<long> HighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken = default)
    {
        await using var connection = await StorageConnections.OpenAsync(_table.Mapping, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = _highestQuery;
        StorageConnections.AddParameter(command, "pid", persistenceId);
        StorageConnections.AddParameter(command, "from", fromSequenceNr);
        return await command.ExecuteScalarAsync(cancellationToken) is long highest ? highest : 0;
    }

    private sealed record Rows(List<byte[]> Batches, long NextSequenceNr, int RowsRead, int Limit, bool StartedAfterOffset);
}

/// <summary>
/// One bulk read: from <see cref="Offset"/>, about <see cref="MaxBytes"/>, starting the query at
/// <see cref="FromSequenceNr"/> (an estimate, or exact for a sequential reader) and falling back to
/// <see cref="FallbackSequenceNr"/> (the segment's first event) when the estimate lands past the offset.
/// </summary>
public sealed record JournalRangeRequest(string PersistenceId, long Offset, long MaxBytes, long FromSequenceNr, long FallbackSequenceNr, long AverageBatchBytes)
{
    /// <summary>Rows for MaxBytes at the average batch size, with slack for the estimate and for non-batch events.</summary>
    public int RowLimit => (int)Math.Clamp(MaxBytes / Math.Max(1, AverageBatchBytes) * 2 + 16, 16, JournalBatchReader.MaxRowsPerQuery);

    /// <summary>A read for the offset inside <paramref name="segment"/>, starting at an interpolated sequence number.</summary>
    public static JournalRangeRequest InSegment(string persistenceId, Segment segment, long offset, long maxBytes) =>
        new(persistenceId, offset, maxBytes, EstimateSequenceNr(segment, offset), segment.FirstSequenceNr,
            segment.Bytes / Math.Max(1, segment.Batches));

    /// <summary>
    /// Batches inside a segment are nearly evenly spread over its sequence numbers, so interpolating skips most of
    /// the segment; if the guess lands past the offset the read starts again from the segment's first event.
    /// </summary>
    public static long EstimateSequenceNr(Segment segment, long offset)
    {
        var offsets = Math.Max(1, segment.NextOffset - segment.BaseOffset);
        var span = segment.LastSequenceNr - segment.FirstSequenceNr;
        var guess = segment.FirstSequenceNr + (long)((double)(offset - segment.BaseOffset) / offsets * span) - 2;
        return Math.Clamp(guess, segment.FirstSequenceNr, segment.LastSequenceNr);
    }
}

/// <summary>What one bulk read found: contiguous batches and the sequence number a sequential read goes on from.</summary>
public sealed record JournalRange(IReadOnlyList<byte[]> Batches, long NextSequenceNr);
