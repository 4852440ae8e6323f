using Akka.Actor;
using Akka.Pattern;
using Akka.Persistence;
using Akka.Persistence.Sql.Snapshot;

namespace AkkaKafka.Broker.Storage;

/// <summary>
/// Akka.Persistence.Sql's snapshot store, except that a request its circuit breaker refuses is answered with a failure.
/// In Akka 1.5.73 a half-open breaker (the one trial call after reset-timeout is under way) throws
/// <see cref="OpenCircuitException"/> synchronously out of the store's receive: the store restarts and the request is
/// lost, so a partition recovering just then (after a PostgreSQL failover or restart, when every partition recovers
/// at once) waited the whole recovery timeout (30 s) for its snapshot before it could try again. Answered, it fails
/// at once and tries again after its restart back-off.
/// </summary>
public sealed class AnsweringSnapshotStore(Akka.Configuration.Config config) : SqlSnapshotStore(config)
{
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
}
