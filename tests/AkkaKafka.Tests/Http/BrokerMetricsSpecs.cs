using AkkaKafka.Tests.EndToEnd;
using Xunit;

namespace AkkaKafka.Tests.Http;

/// <summary>GET /metrics of a broker process: Prometheus text with the families operators watch, counters that count exactly.</summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class BrokerMetricsSpecs(HttpBroker broker) : IClassFixture<HttpBroker>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_records_in_counter_of_a_topic_grows_by_exactly_the_records_produced()
    {
        var sample = """akkakafka_topic_records_in_total{topic="metrics-in"}""";
        await broker.ProduceAsync("metrics-in", 5);
        Assert.Equal(5, await broker.MetricAsync(sample));

        await broker.ProduceAsync("metrics-in", 3);

        Assert.Equal(8, await broker.MetricAsync(sample));
        Assert.True(await broker.MetricAsync("""akkakafka_topic_bytes_in_total{topic="metrics-in"}""") > 0);
    }

    [Fact]
    public async Task The_records_out_counter_counts_the_records_consumers_read_and_the_log_gauges_follow_the_partition()
    {
        await broker.ProduceAsync("metrics-out", 6);
        await broker.ConsumeAsync("metrics-out", "metrics-out-group", 6);

        Assert.Equal(6, await broker.MetricAsync("""akkakafka_topic_records_out_total{topic="metrics-out"}"""));
        Assert.Equal(0, await broker.MetricAsync("""akkakafka_partition_log_start_offset{topic="metrics-out",partition="0"}"""));
        Assert.Equal(6, await broker.MetricAsync("""akkakafka_partition_log_end_offset{topic="metrics-out",partition="0"}"""));
        Assert.True(await broker.MetricAsync("""akkakafka_partition_log_size_bytes{topic="metrics-out",partition="0"}""") > 0);
        // The group committed all six: no lag left (a scrape reads the group as it is at that moment).
        await HttpBroker.AwaitAsync(() => broker.MetricAsync("""akkakafka_consumer_group_lag{group="metrics-out-group",topic="metrics-out",partition="0"}"""),
            lag => lag == 0, Within, "group lag after consuming everything");
    }

    [Fact]
    public async Task A_scrape_shows_every_family_named_by_prometheus_conventions()
    {
        await broker.ProduceAsync("metrics-families", 1);
        await broker.ConsumeAsync("metrics-families", "metrics-families-group", 1);

        var text = await broker.Http.GetStringAsync("metrics");

        foreach (var (family, type) in new[]
                 {
                     ("akkakafka_topic_records_in_total", "counter"), ("akkakafka_topic_bytes_in_total", "counter"),
                     ("akkakafka_topic_records_out_total", "counter"), ("akkakafka_topic_bytes_out_total", "counter"),
                     ("akkakafka_requests_total", "counter"), ("akkakafka_request_duration_seconds", "histogram"),
                     ("akkakafka_journal_write_duration_seconds", "histogram"), ("akkakafka_journal_write_failures_total", "counter"),
                     ("akkakafka_partitions_owned", "gauge"), ("akkakafka_partition_log_start_offset", "gauge"),
                     ("akkakafka_partition_log_end_offset", "gauge"), ("akkakafka_partition_log_size_bytes", "gauge"),
                     ("akkakafka_consumer_group_lag", "gauge"), ("akkakafka_cluster_members", "gauge"),
                     ("akkakafka_controller", "gauge"), ("akkakafka_connections", "gauge"),
                 })
            Assert.Contains($"# TYPE {family} {type}\n", text);
        Assert.Contains("""akkakafka_requests_total{api="produce",listener="akka"}""", text);
        Assert.Contains("""akkakafka_request_duration_seconds_count{api="fetch",listener="akka"}""", text);
        Assert.Equal(1, await broker.MetricAsync("""akkakafka_cluster_members{status="Up"}"""));
        Assert.Equal(1, await broker.MetricAsync("akkakafka_controller"));
        Assert.True(await broker.MetricAsync("akkakafka_partitions_owned") >= 1);
    }
}
