using Akka.Configuration;
using AkkaKafka.Broker.Hosting;
using AkkaKafka.Broker.Node;
using AkkaKafka.Protocol;
using Xunit;

namespace AkkaKafka.Tests.Hosting;

/// <summary>
/// How long a broker may be stalled before it downs itself: as long as the other brokers wait before they down a
/// silent member, taken from the cluster's own settings so it follows an operator who relaxes them.
/// </summary>
[Trait("Speed", "Fast")]
public sealed class StallWatcherSpecs
{
    [Fact]
    public void With_the_brokers_defaults_a_stall_of_more_than_two_and_a_half_seconds_downs_the_broker() =>
        Assert.Equal(TimeSpan.FromMilliseconds(2500), StallWatcher.ThresholdFrom(BrokerConfig.Reference()));

    [Fact]
    public void Relaxed_failure_detection_raises_the_threshold_with_it()
    {
        var relaxed = ConfigurationFactory.ParseString("""
            akka.cluster.failure-detector.acceptable-heartbeat-pause = 3s
            akka.cluster.split-brain-resolver.stable-after = 5s
            """).WithFallback(BrokerConfig.Reference());
        Assert.Equal(TimeSpan.FromMilliseconds(8500), StallWatcher.ThresholdFrom(relaxed));
    }

    [Fact]
    public void Brokers_that_share_one_process_can_turn_it_off_for_they_stall_together() =>
        Assert.Null(StallWatcher.ThresholdFrom(ConfigurationFactory.ParseString("akkakafka.broker.down-after-stall = off")
            .WithFallback(BrokerConfig.Reference())));
}
