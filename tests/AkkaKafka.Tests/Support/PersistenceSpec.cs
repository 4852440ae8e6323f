using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.Support;

/// <summary>
/// Base of specs that persist: a TestKit system configured from the real hocon files for one <see cref="JournalBackend"/>,
/// on a fresh data directory that is deleted after the spec. Unavailable backends skip (or fail on CI) before the system starts.
/// </summary>
public abstract class PersistenceSpec : TestKit
{
    private readonly TempDataDirectory _dataDirectory;

    protected PersistenceSpec(JournalBackend backend, ITestOutputHelper output, string overrides)
        : this(Prepare(backend, overrides), backend, output)
    {
    }

    private PersistenceSpec((Config Config, TempDataDirectory Directory) prepared, JournalBackend backend, ITestOutputHelper output)
        : base(prepared.Config, "specs", output)
    {
        _dataDirectory = prepared.Directory;
        Backend = backend;
    }

    protected JournalBackend Backend { get; }

    protected string DataDirectory => _dataDirectory.Path;

    private static (Config, TempDataDirectory) Prepare(JournalBackend backend, string overrides)
    {
        backend.EnsureAvailable();
        var directory = TempDataDirectory.Create();
        try
        {
            return (TestConfigs.Persistence(backend, directory.Path, overrides), directory);
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>Every event stored for <paramref name="persistenceId"/>, read straight from the journal.</summary>
    protected IReadOnlyList<IPersistentRepresentation> JournalEvents(string persistenceId)
    {
        var probe = CreateTestProbe();
        Persistence.Instance.Apply(Sys).JournalFor(null)
            .Tell(new ReplayMessages(0, long.MaxValue, long.MaxValue, persistenceId, probe.Ref), probe.Ref);
        var events = new List<IPersistentRepresentation>();
        while (true)
        {
            switch (probe.ExpectMsg<object>(TimeSpan.FromSeconds(10)))
            {
                case ReplayedMessage replayed:
                    events.Add(replayed.Persistent);
                    break;
                case RecoverySuccess:
                    return events;
                case ReplayMessagesFailure failure:
                    throw new InvalidOperationException("reading the journal failed", failure.Cause);
            }
        }
    }

    /// <summary>The newest snapshot stored for <paramref name="persistenceId"/>, or null.</summary>
    protected SelectedSnapshot? LatestSnapshot(string persistenceId)
    {
        var probe = CreateTestProbe();
        Persistence.Instance.Apply(Sys).SnapshotStoreFor(null)
            .Tell(new LoadSnapshot(persistenceId, SnapshotSelectionCriteria.Latest, long.MaxValue), probe.Ref);
        return probe.ExpectMsg<LoadSnapshotResult>(TimeSpan.FromSeconds(10)).Snapshot;
    }

    /// <summary>Stops <paramref name="actor"/> and waits until it has terminated.</summary>
    protected void StopAndWait(IActorRef actor)
    {
        var watcher = CreateTestProbe();
        watcher.Watch(actor);
        Sys.Stop(actor);
        watcher.ExpectTerminated(actor, TimeSpan.FromSeconds(10));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _dataDirectory.Dispose();
    }
}
