using System.Collections.Concurrent;
using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Sql.Journal;

namespace AkkaKafka.Broker.Storage;

/// <summary>
/// Akka.Persistence.Sql's journal, except that a recovery's reads (the highest sequence number, then the replay) are
/// plain queries through <see cref="JournalBatchReader"/>, run on the thread pool. Profiled on a restart of 10,000
/// partitions (dotnet-trace, sampled thread time), the plugin's replay (a linq2db query built per call, run inside an
/// Akka.Streams graph materialized per replay) was about a quarter of the broker's CPU until ready, and its highest
/// sequence number query ran on this actor's own thread (Microsoft.Data.Sqlite's async calls complete
/// synchronously), so every recovery queued behind every other one and behind the writes. Writes and deletes stay
/// the plugin's own.
/// </summary>
public sealed class ReplayingSqlJournal : SqlWriteJournal
{
    private readonly JournalBatchReader _reader = JournalReads.Get(Context.System).Reader;

    /// <summary>The plugin keeps a table of deleted sequence numbers in this mode, which its own query must read.</summary>
    private readonly bool _deleteCompatibilityMode;

    /// <summary>
    /// The write in flight per persistence id: a recovery's highest sequence number waits for it, as the plugin's
    /// own does, so an actor restarted while its last write was still under way never reuses that write's numbers.
    /// </summary>
    private readonly ConcurrentDictionary<string, Task> _writesInFlight = new();

    public ReplayingSqlJournal(Akka.Configuration.Config config) : base(config)
    {
        _deleteCompatibilityMode = config.GetBoolean("delete-compatibility-mode", false);
    }

    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken = default)
    {
        var writes = messages.ToList();
        var write = base.WriteMessagesAsync(writes, cancellationToken);
        var persistenceId = writes[0].PersistenceId;
        _writesInFlight[persistenceId] = write;
        write.ContinueWith(_ => _writesInFlight.TryRemove(KeyValuePair.Create(persistenceId, (Task)write)), TaskContinuationOptions.ExecuteSynchronously);
        return write;
    }

    public override Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken = default)
    {
        if (_deleteCompatibilityMode) return base.ReadHighestSequenceNrAsync(persistenceId, fromSequenceNr, cancellationToken);
        var inFlight = _writesInFlight.TryGetValue(persistenceId, out var write) ? write : Task.CompletedTask;
        // Off this actor's thread: Microsoft.Data.Sqlite's async calls complete synchronously.
        return Task.Run(async () =>
        {
            // Whether that write succeeded or failed does not matter here, only that it is over.
            await inFlight.ContinueWith(_ => { }, TaskContinuationOptions.ExecuteSynchronously);
            return await _reader.HighestSequenceNrAsync(persistenceId, fromSequenceNr, cancellationToken);
        }, cancellationToken);
    }

    public override Task ReplayMessagesAsync(IActorContext context, string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        Action<IPersistentRepresentation> recoveryCallback) =>
        Task.Run(() => _reader.ReplayAsync(persistenceId, fromSequenceNr, toSequenceNr, max, recoveryCallback));
}
