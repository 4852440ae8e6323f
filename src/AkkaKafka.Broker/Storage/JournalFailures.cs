using System.Net.Sockets;
using Akka.Pattern;
using Akka.Persistence;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace AkkaKafka.Broker.Storage;

/// <summary>
/// Which failed journal writes certainly wrote nothing, so that the writer may answer the command with an error and
/// carry on with its state as it was, instead of stopping as Akka.Persistence makes every persistent actor do after a
/// failed write (and leaving its clients to time out while it restarts).
/// <para>Certain: the journal's circuit breaker was open (the call was never made); SQLite refused the transaction
/// (SQLite commits all or nothing and reports the failure: "database or disk is full", "database is locked"; not a
/// constraint violation, which means another writer holds the sequence number); the
/// database refused the connection, or no host of a multi-host connection string takes writes (a failover). Anything else, a timeout above all, may have written the events after all:
/// then only a restart that recovers from the journal knows the truth.</para>
/// </summary>
public static class JournalFailures
{
    private const int SqliteConstraint = 19;
    // Npgsql's words (NpgsqlMultiHostDataSource) when every host was skipped or answered as the wrong kind.
    private const string NoWritableHost = "No suitable host was found.";

    public static bool WroteNothing(Exception cause)
    {
        for (var e = cause; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // A unique-key violation is how the journal fences a stale writer (another owner or controller took
                // the sequence number): that writer must stop and recover, never answer and carry on.
                case SqliteException { SqliteErrorCode: SqliteConstraint }:
                    return false;
                case OpenCircuitException or SqliteException:
                    return true;
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return true;
                // PostgreSQL refused the session before any statement ran: starting up, shutting down, or full.
                case PostgresException { SqlState: "57P03" or "53300" }:
                    return true;
                // A connection string with several hosts and Target Session Attributes=read-write found none that takes
                // writes (the primary is gone, the standby not yet promoted): no connection was opened.
                case NpgsqlException { InnerException: null, Message: NoWritableHost }:
                    return true;
                case TimeoutException or OperationCanceledException:
                    return false;
            }
        }
        return false;
    }

    /// <summary>
    /// The same write told as rejected when it certainly wrote nothing: Akka.Persistence then calls OnPersistRejected
    /// and keeps the actor running (its callbacks for the events are not run), instead of stopping it. The broken
    /// connections were forgotten already, at the write's <see cref="AsWriteFinishedIfNothingWritten"/>.
    /// </summary>
    public static object AsRejectionIfNothingWritten(WriteMessageFailure failure) =>
        WroteNothing(failure.Cause) ? new WriteMessageRejected(failure.Persistent, failure.Cause, failure.ActorInstanceId) : failure;

    /// <summary>
    /// The end of a write that certainly wrote nothing, told as a finished one: Akka.Persistence leaves a persistent
    /// actor "writing" after WriteMessagesFailed (it expects to stop it), so without this every later write of an
    /// actor kept running by <see cref="AsRejectionIfNothingWritten"/> would wait forever to be sent to the journal.
    /// The per-event failures that follow still say what became of each event. The journal reports a failed write
    /// once with this message and then once per event, all with the same cause: the pools are emptied here, once per
    /// write, not once per event (each time also dropping connections other actors had just opened afresh).
    /// </summary>
    public static object AsWriteFinishedIfNothingWritten(WriteMessagesFailed failed)
    {
        ForgetBrokenConnections(failed.Cause);
        return WroteNothing(failed.Cause) ? WriteMessagesSuccessful.Instance : failed;
    }

    /// <summary>
    /// <paramref name="message"/>, or, for a failed write that certainly wrote nothing, its rejection (see
    /// <see cref="AsRejectionIfNothingWritten"/> and <see cref="AsWriteFinishedIfNothingWritten"/>): what a persistent
    /// actor that answers a failed write and keeps running passes on from its AroundReceive.
    /// </summary>
    public static object KeepRunningIfNothingWritten(object message) => message switch
    {
        WriteMessagesFailed failed => AsWriteFinishedIfNothingWritten(failed),
        WriteMessageFailure failure => AsRejectionIfNothingWritten(failure),
        _ => message,
    };

    /// <summary>
    /// After PostgreSQL went away, every idle connection in Npgsql's pool is a dead socket that Npgsql hands out
    /// unchecked: each journal call (a write, a recovery's replay) then failed on one of them in turn, and with the
    /// circuit breaker letting one call through per reset-timeout and partitions restarting with a back-off, writes
    /// came back ~40 s after the database did. A connection-level failure empties the pools at once, so the next call
    /// opens a fresh connection. Errors the server answered on a live session (a unique-key violation) keep the pool.
    /// </summary>
    public static void ForgetBrokenConnections(Exception cause)
    {
        for (var e = cause; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: var state } && !state.StartsWith("57", StringComparison.Ordinal) && !state.StartsWith("08", StringComparison.Ordinal))
                return;
            if (e is NpgsqlException)
            {
                NpgsqlConnection.ClearAllPools();
                return;
            }
        }
    }

    /// <summary>The innermost message worth showing a user: SQLite's or the database's own words.</summary>
    public static string Describe(Exception cause)
    {
        var e = cause;
        while (e is AggregateException { InnerException: { } inner }) e = inner;
        for (var x = e; x is not null; x = x.InnerException)
            if (x is SqliteException or SocketException) return x.Message;
        return e.Message;
    }
}
