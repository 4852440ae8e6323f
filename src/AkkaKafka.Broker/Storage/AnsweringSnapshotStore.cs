using Akka.Actor;
using Akka.Pattern;
using Akka.Persistence;
using Akka.Persistence.Sql.Snapshot;

namespace AkkaKafka.Broker.Storage;

/// <summary>
/// Akka.Persistence.Sql's snapshot store, with two changes.
/// <list type="bullet">
/// <item>A request its circuit breaker refuses is answered with a failure. In Akka 1.5.73 a half-open breaker (the one
/// trial call after reset-timeout is under way) throws <see cref="OpenCircuitException"/> synchronously out of the
/// store's receive: the store restarts and the request is lost, so a partition recovering just then (after a
/// PostgreSQL failover or restart, when every partition recovers at once) waited the whole recovery timeout (30 s)
/// for its snapshot before it could try again. Answered, it fails at once and tries again after its restart
/// back-off.</item>
/// <item>A recovery's load of the newest snapshot is one plain query on the thread pool. Profiled on a restart of
/// 10,000 partitions, the plugin's load (a linq2db query built per call) ran on this actor's own thread, since
/// Microsoft.Data.Sqlite's async calls complete synchronously: every partition's recovery queued for it.</item>
/// </list>
/// </summary>
public sealed class AnsweringSnapshotStore(Akka.Configuration.Config config) : SqlSnapshotStore(config)
{
    private readonly SnapshotTable _table = SnapshotTable.FromConfig(config);

    protected override bool AroundReceive(Receive receive, object message)
    {
        try
        {
            return base.AroundReceive(receive, message);
        }
        catch (OpenCircuitException refused)
        {
            object? answer = message switch
            {
                LoadSnapshot => new LoadSnapshotFailed(refused),
                SaveSnapshot save => new SaveSnapshotFailure(save.Metadata, refused),
                DeleteSnapshot delete => new DeleteSnapshotFailure(delete.Metadata, refused),
                DeleteSnapshots delete => new DeleteSnapshotsFailure(delete.Criteria, refused),
                _ => null,
            };
            if (answer is null) throw;
            Sender.Tell(answer);
            return true;
        }
    }

    protected override Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        var newest = criteria.MaxSequenceNr == long.MaxValue && criteria.MaxTimeStamp == DateTime.MaxValue
                     && criteria.MinSequenceNr <= 0 && (criteria.MinTimestamp is null || criteria.MinTimestamp == DateTime.MinValue);
        if (!newest) return base.LoadAsync(persistenceId, criteria, cancellationToken);
        var serialization = Context.System.Serialization;
        return Task.Run(() => LoadNewestAsync(serialization, persistenceId, cancellationToken), cancellationToken);
    }

    private async Task<SelectedSnapshot?> LoadNewestAsync(Akka.Serialization.Serialization serialization, string persistenceId, CancellationToken cancellationToken)
    {
        await using var connection = await StorageConnections.OpenAsync(_table.Mapping, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = _table.LatestQuery;
        StorageConnections.AddParameter(command, "pid", persistenceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var sequenceNr = reader.GetInt64(0);
        if (reader.IsDBNull(4))
            throw new NotSupportedException($"{persistenceId}: snapshot {sequenceNr} has no serializer identifier " +
                                            "(written by an older snapshot plugin); it cannot be loaded");
        var manifest = reader.IsDBNull(3) ? "" : reader.GetString(3);
        var snapshot = serialization.Deserialize(reader.GetFieldValue<byte[]>(2), reader.GetInt32(4), manifest);
        // The plugin stores the time as ticks on both databases (only its SQL Server mapping uses a date column).
        return new SelectedSnapshot(new SnapshotMetadata(persistenceId, sequenceNr, new DateTime(reader.GetInt64(1))), snapshot);
    }
}
