using Akka.Actor;
using AkkaKafka.Broker.Hosting;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Tests.MultiNode.Support;
using AkkaKafka.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit;

namespace AkkaKafka.Tests.FaultTolerance;

/// <summary>
/// The journal refusing writes for a while (a broker frozen inside an SQLite write transaction holds the lock of
/// the file every broker shares; a database restarting) must not leave the cluster without a controller once the
/// journal is back. Found by <see cref="FencingSpecs"/>: a broker frozen mid-write made the controller's next
/// write time out, the controller stopped, and the singleton manager never started it again.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class JournalOutageSpecs : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly BrokerNodes _nodes = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _nodes.DisposeAsync();

    private static Task<TopicCommandResult> Create(BrokerNode node, string topic, TimeSpan timeout) =>
        node.Broker.Ask<TopicCommandResult>(new CreateTopic(topic, 1), timeout);

    [Fact]
    public async Task The_controller_takes_requests_again_after_its_journal_writes_failed()
    {
        var node = await _nodes.StartAsync();
        Assert.True((await Create(node, "before", Timeout)).IsSuccess);

        await using (var stalledWriter = new SqliteConnection($"Data Source={Path.Combine(_nodes.DataDirectory, JournalStorage.JournalFile)}"))
        {
            await stalledWriter.OpenAsync();
            await using (var begin = stalledWriter.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE;";
                await begin.ExecuteNonQueryAsync();
            }
            // Longer than the journal's circuit-breaker call-timeout (10 s): the controller's write fails meanwhile.
            await Assert.ThrowsAsync<AskTimeoutException>(() => Create(node, "during", TimeSpan.FromSeconds(15)));
            await using var rollback = stalledWriter.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            await rollback.ExecuteNonQueryAsync();
        }

        var after = await Eventually.Async(TimeSpan.FromSeconds(30), () => Create(node, "after", TimeSpan.FromSeconds(3)));
        Assert.True(after.IsSuccess, after.Message);
    }
}
