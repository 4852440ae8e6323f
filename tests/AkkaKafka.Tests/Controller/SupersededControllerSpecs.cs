using Akka.Actor;
using AkkaKafka.Broker.Hosting;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Tests.Support;
using Xunit;

namespace AkkaKafka.Tests.Controller;

/// <summary>
/// Two controllers over one journal, as a broker woken after it was downed would make: two one-node clusters started
/// on the same data directory. The newer controller's epoch takes the journal; the older one's next write collides
/// on its sequence number, and it must stop its broker instead of acting or taking yet another epoch.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class SupersededControllerSpecs : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly BrokerNodes _nodes = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _nodes.DisposeAsync();

    private static Task<TopicCommandResult> Create(BrokerNode node, string topic) => node.Broker.Ask<TopicCommandResult>(new CreateTopic(topic, 1), Timeout);

    [Fact]
    public async Task A_controller_superseded_through_the_journal_stops_its_broker_without_acting_and_the_newer_one_carries_on()
    {
        var stale = await _nodes.StartAsync();
        Assert.True((await Create(stale, "before")).IsSuccess);

        // A second cluster over the same journal: its controller persists the next epoch.
        var newer = await _nodes.StartAsync();
        Assert.True((await Create(newer, "after")).IsSuccess);

        // The stale controller's next write collides with the newer controller's events.
        var attempt = Create(stale, "from-the-stale-controller");
        var stopped = await Task.WhenAny(stale.WhenTerminated, Task.Delay(Timeout));

        Assert.True(stopped == stale.WhenTerminated, "the broker of the superseded controller was still running 30 s later");
        Assert.NotNull(stale.ControllerFence.Superseded);
        Assert.False(attempt is { IsCompletedSuccessfully: true, Result.IsSuccess: true }, "the superseded controller acknowledged a topic");
        var metadata = (await newer.Broker.Ask<MetadataResponse>(new GetMetadata(null), Timeout)).Metadata;
        Assert.Null(metadata.Topic("from-the-stale-controller"));
        Assert.True((await Create(newer, "still-served")).IsSuccess);
    }
}
