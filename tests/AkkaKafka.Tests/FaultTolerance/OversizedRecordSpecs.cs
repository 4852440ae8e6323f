using System.Diagnostics;
using System.Text;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Records;
using AkkaKafka.Tests.EndToEnd;
using AkkaKafka.Tests.KafkaClients;
using Xunit;

namespace AkkaKafka.Tests.FaultTolerance;

/// <summary>
/// Records over the limits are refused at once with Kafka's error, never retried into "cluster unreachable?" (a
/// 20 MB record used to be retried for 126 s with Akka OversizedPayloadException dumps): by the producer before it
/// sends (max-request-size, 1 MiB), and by the broker on its Kafka listener (max-batch-bytes, Kafka's
/// message.max.bytes) with the error code, the connection staying open.
/// </summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class OversizedRecordSpecs : IAsyncLifetime
{
    private const string Topic = "oversized";
    private readonly BrokerProcesses _broker = new(1, kafka: true);

    public async Task InitializeAsync()
    {
        await _broker.StartAsync(_broker.Ports[0]);
        var created = await Cli(null, "topic", "create", Topic, "--partitions", "1");
        Assert.True(created.ExitCode == 0, created.ToString());
    }

    public Task DisposeAsync()
    {
        _broker.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Producing_a_20_MB_line_fails_at_once_with_one_line_naming_the_limit_and_the_line_after_it_is_stored()
    {
        var started = Stopwatch.StartNew();
        var result = await Cli(new string('x', 20 * 1024 * 1024) + "\nsmall\n", "produce", "--topic", Topic);

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("max-request-size", line);
        Assert.DoesNotContain("Oversized", result.Stderr + result.Stdout);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"took {started.Elapsed}");

        var consumed = await Cli(null, "consume", "--topic", Topic, "--from-beginning", "--max-messages", "1", "--timeout-ms", "10000");
        Assert.Equal("small", consumed.Stdout.Trim());
    }

    [Fact]
    public async Task A_kafka_client_batch_over_max_batch_bytes_is_answered_message_too_large_and_the_connection_stays_usable()
    {
        using var connection = await KafkaWireConnection.OpenAsync(_broker.KafkaPorts[0]);
        var builder = new RecordBatchBuilder();
        builder.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, new byte[5 * 1024 * 1024]);

        var tooLarge = await connection.AskAsync(ApiKey.Produce, 7, 1, Produce(builder.Build()), (ref KafkaReader r) => ProduceResponseData.Read(ref r, 7));
        Assert.Equal(ErrorCode.MessageTooLarge, Assert.Single(Assert.Single(tooLarge.Responses).Partitions).ErrorCode);

        var small = new RecordBatchBuilder();
        small.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, Encoding.UTF8.GetBytes("fits"));
        var fits = await connection.AskAsync(ApiKey.Produce, 7, 2, Produce(small.Build()), (ref KafkaReader r) => ProduceResponseData.Read(ref r, 7));
        Assert.Equal(ErrorCode.None, Assert.Single(Assert.Single(fits.Responses).Partitions).ErrorCode);
    }

    private static ProduceRequestData Produce(byte[] batch) => new(-1, 10_000, [new(Topic, [new(0, batch)])]);

    private Task<CliResult> Cli(string? stdin, params string[] args) =>
        _broker.RunAsync(TimeSpan.FromSeconds(90), stdin, [.. args, "--bootstrap", _broker.Bootstrap]);
}
