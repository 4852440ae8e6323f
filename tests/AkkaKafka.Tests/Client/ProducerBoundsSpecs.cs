using Akka.Configuration;
using AkkaKafka.Broker;
using AkkaKafka.Broker.Hosting;
using AkkaKafka.Client;
using AkkaKafka.Client.Producer;
using AkkaKafka.Protocol;
using Xunit;

namespace AkkaKafka.Tests.Client;

/// <summary>What bounds a producer: the largest request, the batch a record opens, where keyless records start.</summary>
[Trait("Speed", "Fast")]
public sealed class ProducerBoundsSpecs
{
    private static readonly TopicPartition P0 = new("t", 0);

    [Fact]
    public void Keyless_records_of_separate_producers_do_not_all_start_on_the_same_partition()
    {
        // Each StickyPartitioner is a new producer (a new `produce` run). From a fixed start they all began at
        // partition 1; from a random one, 50 producers over 6 partitions all agreeing has odds of 6 in 6^50.
        var first = Enumerable.Range(0, 50).Select(_ => new StickyPartitioner().Current("t", 6)).ToList();
        Assert.All(first, p => Assert.InRange(p, 0, 5));
        Assert.True(first.Distinct().Count() > 1, $"every producer started at partition {first[0]}");
    }

    [Fact]
    public void A_record_that_does_not_fit_the_open_batch_closes_it_and_opens_the_next()
    {
        var full = new List<TopicPartition>();
        var accumulator = new RecordAccumulator(1024, (_, _) => { }, full.Add);
        var small = new byte[600];
        accumulator.Append(P0, 0, null, small, null, Completion.None, RecordAccumulator.SizeOf(null, small, null));
        accumulator.Append(P0, 0, null, small, null, Completion.None, RecordAccumulator.SizeOf(null, small, null));

        var first = accumulator.TakeNext(P0, _ => true)!;
        Assert.Equal(1, first.Count);
        Assert.Single(full);
        Assert.Equal(1, accumulator.TakeNext(P0, _ => true)!.Count);
    }

    [Fact]
    public void A_producer_refuses_a_max_request_size_that_cannot_travel_in_one_remoting_frame()
    {
        var config = ConfigurationFactory.ParseString("""
            akka.remote.dot-netty.tcp.maximum-frame-size = 1MiB
            akkakafka.client.max-request-size = 1MiB
            """).WithFallback(ClusterConnection.Reference);
        var error = Assert.Throws<ConfigurationException>(() => new ClientSettings(config));
        Assert.Contains("max-request-size", error.Message);
    }

    [Fact]
    public void A_broker_refuses_batch_and_fetch_limits_that_cannot_travel_in_one_remoting_frame()
    {
        var config = ConfigurationFactory.ParseString("""
            akka.remote.dot-netty.tcp.maximum-frame-size = 4MiB
            """).WithFallback(BrokerConfig.Reference());
        var error = Assert.Throws<ConfigurationException>(() => new BrokerSettings(config));
        Assert.Contains("maximum-frame-size", error.Message);
    }

    [Fact]
    public void The_shipped_settings_allow_what_they_promise()
    {
        var client = new ClientSettings(ClusterConnection.Reference);
        var broker = new BrokerSettings(BrokerConfig.Reference());
        Assert.Equal(1024 * 1024, client.MaxRequestSize);
        Assert.True(client.MaxRequestSize <= broker.MaxBatchBytes);
        Assert.True(broker.MaxPendingBytes >= 2L * broker.MaxBatchBytes);
    }
}
