using System.Net.Sockets;
using Akka.Pattern;
using AkkaKafka.Broker.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;
using Xunit;

namespace AkkaKafka.Tests.FaultTolerance;

/// <summary>
/// Which failed journal writes the controller and a partition may answer and survive (nothing was written), and
/// which must still stop them so that recovery finds out what was (a timeout may have written everything).
/// </summary>
[Trait("Speed", "Fast")]
public sealed class JournalFailuresSpecs
{
    [Fact]
    public void A_full_disk_an_open_circuit_breaker_and_a_refused_connection_wrote_nothing()
    {
        Assert.True(JournalFailures.WroteNothing(new SqliteException("SQLite Error 13: 'database or disk is full'.", 13)));
        Assert.True(JournalFailures.WroteNothing(new OpenCircuitException("Circuit Breaker is open; calls are failing fast")));
        Assert.True(JournalFailures.WroteNothing(new InvalidOperationException("Failed to connect",
            new SocketException((int)SocketError.ConnectionRefused))));
        Assert.True(JournalFailures.WroteNothing(new AggregateException(new SqliteException("disk I/O error", 10))));
    }

    [Fact]
    public void No_writable_host_in_a_multi_host_connection_string_wrote_nothing()
    {
        // During a PostgreSQL failover: the primary is gone and the standby not yet promoted; no connection was opened.
        Assert.True(JournalFailures.WroteNothing(new NpgsqlException("No suitable host was found.")));
        Assert.False(JournalFailures.WroteNothing(new NpgsqlException("Exception while reading from stream", new IOException("reset"))));
    }

    [Fact]
    public void A_timeout_or_an_unknown_error_may_have_written_and_is_not_survived()
    {
        Assert.False(JournalFailures.WroteNothing(new TimeoutException("Circuit Breaker Timed out.")));
        Assert.False(JournalFailures.WroteNothing(new IOException("connection reset while reading the answer")));
        Assert.False(JournalFailures.WroteNothing(new InvalidOperationException("UNIQUE constraint failed")));
    }

    [Fact]
    public void The_cause_shown_to_producers_is_the_databases_own_words()
    {
        var cause = new AggregateException(new InvalidOperationException("batch failed", new SqliteException("SQLite Error 13: 'database or disk is full'.", 13)));
        Assert.Equal("SQLite Error 13: 'database or disk is full'.", JournalFailures.Describe(cause));
    }
}
