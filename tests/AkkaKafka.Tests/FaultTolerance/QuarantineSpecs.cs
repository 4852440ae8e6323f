using Akka.Actor;
using Akka.Cluster;
using Akka.Remote;
using AkkaKafka.Broker.Hosting;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Tests.MultiNode.Support;
using AkkaKafka.Tests.Support;
using Xunit;

namespace AkkaKafka.Tests.FaultTolerance;

/// <summary>
/// A broker that another broker has quarantined shuts itself down instead of carrying on alone; a client's
/// quarantine is no reason to stop. Found by FencingSpecs and ChaosSpecs: a broker frozen until the others removed
/// (and so quarantined) it woke up, took the others for the unreachable minority, downed them from its own view, ran
/// a cluster of one with a controller of its own, and its leader epochs kept the real owners out of their partitions.
/// Akka publishes <see cref="ThisActorSystemQuarantinedEvent"/> when a remote system refuses this one as quarantined;
/// the spec publishes it the same way.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class QuarantineSpecs : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly BrokerNodes _nodes = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _nodes.DisposeAsync();

    [Fact]
    public async Task A_broker_quarantined_by_a_client_or_a_stranger_keeps_running_and_one_quarantined_by_a_member_broker_shuts_itself_down()
    {
        var node = await _nodes.StartAsync();
        var self = Cluster.Get(node.System).SelfAddress;
        var member = await _nodes.StartAsync(o => o with { Seeds = [new HostPort(self.Host!, self.Port!.Value)] });
        var memberAddress = Cluster.Get(member.System).SelfAddress;
        await Eventually.Async(Timeout, () =>
        {
            Assert.Equal(2, Cluster.Get(node.System).State.Members.Count(m => m.Status == MemberStatus.Up));
            return Task.CompletedTask;
        });

        node.System.EventStream.Publish(new ThisActorSystemQuarantinedEvent(self, new Address("akka.tcp", "akkakafka-client", "127.0.0.1", 40000)));
        // Anyone can reach the remoting port and claim a quarantine in a broker's name: only members of this cluster count.
        node.System.EventStream.Publish(new ThisActorSystemQuarantinedEvent(self, new Address("akka.tcp", Names.BrokerSystem, "127.0.0.1", 40001)));
        node.System.EventStream.Publish(new ThisActorSystemQuarantinedEvent(self, self));
        var created = await node.Broker.Ask<TopicCommandResult>(new CreateTopic("still-serving", 1), Timeout);
        Assert.True(created.IsSuccess, created.Message);
        Assert.False(node.WhenTerminated.IsCompleted, "a quarantine claimed by a client or a stranger took the broker down");

        node.System.EventStream.Publish(new ThisActorSystemQuarantinedEvent(self, memberAddress));
        var finished = await Task.WhenAny(node.WhenTerminated, Task.Delay(Timeout));
        Assert.True(finished == node.WhenTerminated, "the broker was still running 30 s after a member broker quarantined it");
    }
}
