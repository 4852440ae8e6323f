using AkkaKafka.Broker.Http;
using AkkaKafka.Tests.Support;
using Xunit;

namespace AkkaKafka.Tests.Http;

/// <summary>What the broker's counters count, from the record batches themselves; each broker has a registry of its own.</summary>
[Trait("Speed", "Fast")]
public sealed class BrokerMetricsCountingSpecs
{
    private static async Task<string> ScrapeAsync(BrokerMetrics metrics)
    {
        using var stream = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public async Task Records_in_are_counted_from_each_appended_batchs_header()
    {
        var metrics = new BrokerMetrics();

        metrics.BatchAppended("t", Batches.Of(0, "a", "b", "c"));
        metrics.BatchAppended("t", Batches.Of(3, "d"));

        Assert.Contains("akkakafka_topic_records_in_total{topic=\"t\"} 4\n", await ScrapeAsync(metrics));
        Assert.Equal(4, metrics.TotalRecordsIn);
    }

    [Fact]
    public async Task A_fetch_counts_only_the_records_at_or_after_the_offset_asked_for()
    {
        var metrics = new BrokerMetrics();
        // The answer starts with the whole batch holding offset 1; the client skips offset 0.
        var records = Batches.Of(0, "a", "b", "c").Concat(Batches.Of(3, "d", "e")).ToArray();

        metrics.Fetched("t", 1, records);

        Assert.Contains("akkakafka_topic_records_out_total{topic=\"t\"} 4\n", await ScrapeAsync(metrics));
        Assert.Contains($"akkakafka_topic_bytes_out_total{{topic=\"t\"}} {records.Length}\n", await ScrapeAsync(metrics));
    }

    [Fact]
    public async Task Two_brokers_in_one_process_keep_separate_counts()
    {
        var first = new BrokerMetrics();
        var second = new BrokerMetrics();

        first.BatchAppended("t", Batches.Of(0, "a"));

        Assert.Contains("akkakafka_topic_records_in_total{topic=\"t\"} 1\n", await ScrapeAsync(first));
        Assert.DoesNotContain("akkakafka_topic_records_in_total{topic=\"t\"}", await ScrapeAsync(second));
    }

    [Fact]
    public async Task Kafka_connections_count_up_when_opened_and_down_once_when_closed()
    {
        var metrics = new BrokerMetrics();
        var one = metrics.KafkaConnectionOpened();
        using var two = metrics.KafkaConnectionOpened();

        one.Dispose();
        one.Dispose();

        Assert.Contains("akkakafka_connections{listener=\"kafka\"} 1\n", await ScrapeAsync(metrics));
    }
}
