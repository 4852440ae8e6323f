using System.Globalization;
using System.Text.RegularExpressions;
using AkkaKafka.Tests.EndToEnd;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Xunit;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// A broker whose partitions keep almost nothing in memory (so lookups by time go through the segment time index to the
/// journal), cut segments every two batches, snapshot often, and check retention every second.
/// </summary>
public sealed class OffsetToolsBroker() : KafkaBroker("""
    akkakafka.broker.tail-bytes = 1KiB
    akkakafka.broker.segment-batches = 2
    akkakafka.broker.snapshot-every = 5
    akkakafka.broker.retention-check-interval = 1s
    """);

/// <summary>
/// The offset tools against a real broker: `group reset-offsets` in every mode (Akka groups and Kafka classic groups
/// alike, refused while members are live), `consume --from-timestamp`, and `topic alter --retention-ms`. Topics are
/// written "over minutes" by giving records explicit timestamps (Confluent.Kafka's CreateTime), not by waiting.
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class OffsetToolsSpecs : IClassFixture<OffsetToolsBroker>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly OffsetToolsBroker _broker;

    public OffsetToolsSpecs(OffsetToolsBroker broker) => _broker = broker;

    /// <summary>A record as produced: where it landed and the timestamp it was given.</summary>
    private sealed record Written(int Partition, long Offset, long Timestamp, int Value);

    /// <summary>
    /// Produces value i with timestamp <paramref name="timestampOf"/>(i) to partition i mod <paramref name="partitions"/>,
    /// flushing every <paramref name="batch"/> records so the log holds many batches (and segments).
    /// </summary>
    private List<Written> ProduceAt(string topic, int partitions, int count, Func<int, long> timestampOf, int batch)
    {
        using var producer = ConfluentClients.Producer(_broker.KafkaBootstrap);
        var written = new List<Written>();
        for (var i = 0; i < count; i++)
        {
            var message = new Message<string, string> { Key = $"k{i}", Value = i.ToString(), Timestamp = new Timestamp(timestampOf(i), TimestampType.CreateTime) };
            var value = i;
            producer.Produce(new TopicPartition(topic, new Confluent.Kafka.Partition(i % partitions)), message, report =>
            {
                Assert.False(report.Error.IsError, $"record {value} was not acknowledged: {report.Error}");
                lock (written) written.Add(new Written(report.Partition.Value, report.Offset.Value, report.Message.Timestamp.UnixTimestampMs, value));
            });
            if ((i + 1) % batch == 0) Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
        }
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
        Assert.Equal(count, written.Count);
        return written;
    }

    /// <summary>Kafka's offsetsForTimes, worked out from what was written: per partition, the first record at or after the time.</summary>
    private static Dictionary<int, long> FirstAtOrAfter(IEnumerable<Written> written, long timestamp) =>
        written.Where(w => w.Timestamp >= timestamp).GroupBy(w => w.Partition).ToDictionary(g => g.Key, g => g.Min(w => w.Offset));

    private static string Iso(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    /// <summary>The rows "TOPIC PARTITION CURRENT-OFFSET NEW-OFFSET" reset-offsets printed: partition → (current or -1, new).</summary>
    private static Dictionary<int, (long Current, long New)> Plan(string stdout, string topic) =>
        Regex.Matches(stdout, $@"^{Regex.Escape(topic)}\s+(\d+)\s+(-|\d+)\s+(\d+)\s*$", RegexOptions.Multiline)
            .ToDictionary(m => int.Parse(m.Groups[1].Value), m => (m.Groups[2].Value == "-" ? -1L : long.Parse(m.Groups[2].Value), long.Parse(m.Groups[3].Value)));

    /// <summary>The committed offset per partition `group describe` shows.</summary>
    private async Task<Dictionary<int, long>> CommittedAsync(string group, string topic)
    {
        var described = await _broker.AkkaOk(null, "group", "describe", group);
        return Regex.Matches(described.Stdout, $@"^{Regex.Escape(topic)}\s+(\d+)\s+(\d+)\s", RegexOptions.Multiline)
            .ToDictionary(m => int.Parse(m.Groups[1].Value), m => long.Parse(m.Groups[2].Value));
    }

    /// <summary>Lines "partition:offset TAB value" of `consume --print-offset`: the first offset read per partition, and the values.</summary>
    private static (Dictionary<int, long> First, List<int> Values) Consumed(string stdout)
    {
        var rows = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t'))
            .Select(c => (Partition: int.Parse(c[0].Split(':')[0]), Offset: long.Parse(c[0].Split(':')[1]), Value: int.Parse(c[1]))).ToList();
        return (rows.GroupBy(r => r.Partition).ToDictionary(g => g.Key, g => g.Min(r => r.Offset)), rows.Select(r => r.Value).Order().ToList());
    }

    private long LogStart(string topic, int partition)
    {
        using var reader = new ConsumerBuilder<string, string>(GroupMember.Config(_broker.KafkaBootstrap, "unused-" + Guid.NewGuid().ToString("N"))).Build();
        return reader.QueryWatermarkOffsets(new TopicPartition(topic, new Confluent.Kafka.Partition(partition)), ConfluentClients.RequestTimeout).Low.Value;
    }

    [Fact]
    public Task Reset_to_a_datetime_and_consume_from_a_timestamp_start_at_the_first_record_at_or_after_it_in_every_partition_also_after_a_restart() =>
        _broker.WithDiagnostics(async () =>
        {
            await _broker.CreateTopic("timed", 2);
            // 120 records, one every 5 s over ten minutes that ended ten minutes ago, ten per batch.
            var t0 = DateTimeOffset.UtcNow.AddMinutes(-20).ToUnixTimeMilliseconds() / 60_000 * 60_000;
            var written = ProduceAt("timed", 2, 120, i => t0 + i * 5_000L, batch: 10);
            var at = t0 + 182_500; // between records 36 and 37
            var expected = FirstAtOrAfter(written, at);
            var later = written.Where(w => w.Timestamp >= at).Select(w => w.Value).Order().ToList();
            Assert.Equal(Enumerable.Range(37, 83), later);

            var reset = await _broker.AkkaOk(null, "group", "reset-offsets", "timed-readers", "--topic", "timed", "--to-datetime", Iso(at));
            Assert.Equal(expected.ToDictionary(kv => kv.Key, kv => (-1L, kv.Value)), Plan(reset.Stdout, "timed"));
            Assert.Equal(expected, await CommittedAsync("timed-readers", "timed"));

            // The group's consumer resumes exactly there (no --from-beginning: the committed offsets decide).
            var resumed = await _broker.AkkaOk(null, "consume", "--topic", "timed", "--group", "timed-readers", "--print-offset",
                "--max-messages", later.Count.ToString(), "--timeout-ms", "30000");
            var (resumedFirst, resumedValues) = Consumed(resumed.Stdout);
            Assert.Equal(expected, resumedFirst);
            Assert.Equal(later, resumedValues);

            var fromTimestamp = await _broker.AkkaOk(null, "consume", "--topic", "timed", "--from-timestamp", Iso(at), "--print-offset",
                "--max-messages", later.Count.ToString(), "--timeout-ms", "30000");
            var (fromFirst, fromValues) = Consumed(fromTimestamp.Stdout);
            Assert.Equal(expected, fromFirst);
            Assert.Equal(later, fromValues);

            // With a group, the time counts only where the group has nothing committed, as auto.offset.reset does.
            var fresh = await _broker.AkkaOk(null, "consume", "--topic", "timed", "--group", "timed-fresh", "--from-timestamp", Iso(at), "--print-offset",
                "--max-messages", later.Count.ToString(), "--timeout-ms", "30000");
            Assert.Equal(expected, Consumed(fresh.Stdout).First);
            var committedWins = await _broker.AkkaOk(null, "consume", "--topic", "timed", "--group", "timed-readers", "--from-timestamp", Iso(t0),
                "--print-offset", "--timeout-ms", "5000");
            Assert.Equal("", committedWins.Stdout); // timed-readers had read to the end: nothing new, although t0 is the first record's time

            // A time after every record: the log end, as kafka-consumer-groups does when offsetsForTimes finds nothing.
            var ends = written.GroupBy(w => w.Partition).ToDictionary(g => g.Key, g => g.Max(w => w.Offset) + 1);
            var past = await _broker.AkkaOk(null, "group", "reset-offsets", "timed-readers", "--topic", "timed", "--to-datetime", Iso(t0 + 3_600_000), "--dry-run");
            Assert.Equal(ends, Plan(past.Stdout, "timed").ToDictionary(kv => kv.Key, kv => kv.Value.New));

            // The time index (each segment's newest timestamp) comes back from snapshots and the journal after a crash.
            await _broker.KillAndRestartAsync();
            await _broker.AwaitAsync(async () =>
            {
                var again = await _broker.Akka(null, "group", "reset-offsets", "timed-readers", "--topic", "timed", "--to-datetime", Iso(at + 60_000), "--dry-run");
                var plan = Plan(again.Stdout, "timed").ToDictionary(kv => kv.Key, kv => kv.Value.New);
                var wanted = FirstAtOrAfter(written, at + 60_000);
                return again.ExitCode == 0 && plan.Count == wanted.Count && wanted.All(kv => plan[kv.Key] == kv.Value) ? null : again.ToString();
            }, Wait, "a reset by time after the restart");
        });

    [Fact]
    public Task A_Kafka_consumer_group_resumes_from_offsets_reset_to_a_datetime_and_while_it_is_live_a_reset_is_refused() =>
        _broker.WithDiagnostics(async () =>
        {
            await _broker.CreateTopic("timed-kafka", 2);
            var t0 = DateTimeOffset.UtcNow.AddMinutes(-30).ToUnixTimeMilliseconds() / 60_000 * 60_000;
            var written = ProduceAt("timed-kafka", 2, 60, i => t0 + i * 10_000L, batch: 6);
            var at = t0 + 250_000; // record 25's time
            var expected = FirstAtOrAfter(written, at);
            await _broker.AkkaOk(null, "group", "reset-offsets", "cf-timed", "--topic", "timed-kafka", "--to-datetime", Iso(at));

            using var member = new GroupMember(_broker.KafkaBootstrap, "cf-timed", "timed-kafka");
            Assert.True(GroupMember.PollUntil(() => member.Records.Count >= 35, Wait, member), $"read {member.Records.Count} of 35\n{member}");
            Assert.Equal(Enumerable.Range(25, 35), member.Records.Select(r => int.Parse(r.Message.Value)).Order());
            Assert.Equal(expected, member.Records.GroupBy(r => r.Partition.Value).ToDictionary(g => g.Key, g => g.Min(r => r.Offset.Value)));

            var refused = await _broker.Akka(null, "group", "reset-offsets", "cf-timed", "--topic", "timed-kafka", "--to-earliest");
            Assert.Equal(1, refused.ExitCode);
            Assert.Equal("error: Assignments can only be reset if the group 'cf-timed' is inactive, but the current state is Stable.", refused.Stderr.Trim());
            member.Close();
        });

    [Fact]
    public Task Every_reset_mode_moves_the_committed_offsets_within_the_log_and_a_dry_run_changes_nothing() =>
        _broker.WithDiagnostics(async () =>
        {
            await _broker.CreateTopic("modes", 1);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            ProduceAt("modes", 1, 50, _ => now, batch: 10);

            async Task<long> Reset(params string[] mode)
            {
                var result = await _broker.AkkaOk(null, ["group", "reset-offsets", "modes-group", "--topic", "modes", .. mode]);
                return Assert.Single(Plan(result.Stdout, "modes")).Value.New;
            }

            Assert.Equal(10, await Reset("--to-offset", "10"));
            Assert.Equal(6, await Reset("--shift-by", "-4"));
            Assert.Equal(0, await Reset("--shift-by", "-100"));     // clamped to the log start
            Assert.Equal(50, await Reset("--to-offset", "999"));    // clamped to the log end
            Assert.Equal(0, await Reset("--to-earliest"));
            Assert.Equal(50, await Reset("--to-latest"));
            Assert.Equal(45, await Reset("--shift-by", "-5", "--partition", "0"));

            var dry = await _broker.AkkaOk(null, "group", "reset-offsets", "modes-group", "--topic", "modes", "--to-offset", "20", "--dry-run");
            Assert.Equal((45L, 20L), Plan(dry.Stdout, "modes")[0]);
            Assert.Equal(new Dictionary<int, long> { [0] = 45 }, await CommittedAsync("modes-group", "modes"));

            var noCommit = await _broker.Akka(null, "group", "reset-offsets", "fresh-group", "--topic", "modes", "--shift-by", "1");
            Assert.Equal(1, noCommit.ExitCode);
            Assert.Contains("Cannot shift offset for partition modes-0 since there is no current committed offset", noCommit.Stderr);
        });

    [Fact]
    public Task A_reset_is_refused_while_an_akkakafka_consumer_is_in_the_group_and_allowed_once_it_has_left() =>
        _broker.WithDiagnostics(async () =>
        {
            await _broker.CreateTopic("busy", 1);
            ProduceAt("busy", 1, 5, _ => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), batch: 5);
            using var consumer = CliProcess.Start(_broker.Cluster.WorkDirectory, "consume", "--topic", "busy", "--group", "busy-group",
                "--from-beginning", "--timeout-ms", "120000", "--bootstrap", _broker.AkkaBootstrap);
            await _broker.AwaitAsync(async () =>
            {
                var d = await _broker.Akka(null, "group", "describe", "busy-group");
                return d.Stdout.Contains("Members: 1") ? null : d.ToString();
            }, Wait, "the consumer joining busy-group");

            var refused = await _broker.Akka(null, "group", "reset-offsets", "busy-group", "--topic", "busy", "--to-earliest");
            Assert.Equal(1, refused.ExitCode);
            Assert.Equal("error: Assignments can only be reset if the group 'busy-group' is inactive, but the current state is Stable.", refused.Stderr.Trim());

            consumer.Terminate(); // SIGTERM: the consumer commits and leaves the group
            Assert.True(await consumer.WaitForExitAsync(Wait), consumer.ToString());
            Assert.True(consumer.ExitCode == 0 && consumer.Stderr.Contains("Processed a total of 5 messages"), consumer.ToString());
            // It left: the group is empty at once, not only once its session has expired.
            var left = await _broker.Akka(null, "group", "describe", "busy-group");
            Assert.True(left.Stdout.Contains("Members: 0"), left.ToString());
            await _broker.AwaitAsync(async () =>
            {
                var reset = await _broker.Akka(null, "group", "reset-offsets", "busy-group", "--topic", "busy", "--to-earliest");
                return reset.ExitCode == 0 && Plan(reset.Stdout, "busy")[0].New == 0 ? null : reset.ToString();
            }, Wait, "a reset once the group is empty");
        });

    [Fact]
    public Task Lowering_a_topics_retention_removes_the_segments_older_than_it_at_the_next_retention_check() =>
        _broker.WithDiagnostics(async () =>
        {
            await _broker.CreateTopic("aging", 1);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            // Twenty records from an hour ago, twenty from a minute ago, one batch each (two batches per segment).
            ProduceAt("aging", 1, 40, i => i < 20 ? now - 3_600_000 + i : now - 60_000 + i, batch: 1);
            Assert.Equal(0, LogStart("aging", 0)); // the brokers' default retention is 7 days

            var altered = await _broker.AkkaOk(null, "topic", "alter", "aging", "--retention-ms", "1800000");
            Assert.Contains("retention.ms=1800000", altered.Stdout);
            await _broker.AwaitAsync(() => Task.FromResult(LogStart("aging", 0) == 20 ? null : $"log start {LogStart("aging", 0)}"), Wait,
                "the records older than 30 minutes going");
            var described = await _broker.AkkaOk(null, "topic", "describe", "aging");
            Assert.Contains("RetentionMs: 1800000", described.Stdout);

            var bytes = await _broker.AkkaOk(null, "topic", "alter", "aging", "--retention-bytes", "-1");
            Assert.Contains("retention.ms=1800000, retention.bytes=-1", bytes.Stdout); // the other setting stays as it was
        });

    [Fact]
    public Task A_Kafka_admin_client_changes_a_topics_retention_with_IncrementalAlterConfigs_and_is_refused_other_configs() =>
        _broker.WithDiagnostics(async () =>
        {
            await _broker.CreateTopic("kafka-retention", 1);
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.KafkaBootstrap }).Build();
            var topic = new ConfigResource { Type = ResourceType.Topic, Name = "kafka-retention" };

            await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
            {
                [topic] = [new ConfigEntry { Name = "retention.ms", Value = "120000", IncrementalOperation = AlterConfigOpType.Set }],
            });
            var described = await _broker.AkkaOk(null, "topic", "describe", "kafka-retention");
            Assert.Contains("RetentionMs: 120000", described.Stdout);

            var refused = await Assert.ThrowsAsync<IncrementalAlterConfigsException>(() => admin.IncrementalAlterConfigsAsync(
                new Dictionary<ConfigResource, List<ConfigEntry>>
                {
                    [topic] = [new ConfigEntry { Name = "cleanup.policy", Value = "compact", IncrementalOperation = AlterConfigOpType.Set }],
                }));
            Assert.Equal(Confluent.Kafka.ErrorCode.InvalidConfig, Assert.Single(refused.Results).Error.Code);
        });

    [Fact]
    public Task Message_timestamp_type_is_set_described_and_altered_like_Kafkas_and_LogAppendTime_stamps_the_brokers_clock() =>
        _broker.WithDiagnostics(async () =>
        {
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.KafkaBootstrap }).Build();
            await admin.CreateTopicsAsync([new TopicSpecification
            {
                Name = "appended", NumPartitions = 1, ReplicationFactor = 1,
                Configs = new Dictionary<string, string> { ["message.timestamp.type"] = "LogAppendTime" },
            }]);
            var topic = new ConfigResource { Type = ResourceType.Topic, Name = "appended" };
            async Task<string> Described() => (await admin.DescribeConfigsAsync([topic])).Single().Entries["message.timestamp.type"].Value;
            Assert.Equal("LogAppendTime", await Described());

            var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var written = ProduceAt("appended", 1, 1, _ => 1_000_000_000_000, batch: 1).Single();
            using (var reader = new ConsumerBuilder<string, string>(GroupMember.Config(_broker.KafkaBootstrap, "appended-" + Guid.NewGuid().ToString("N"))).Build())
            {
                reader.Assign(new TopicPartitionOffset("appended", 0, written.Offset));
                var record = reader.Consume(Wait) ?? throw new Xunit.Sdk.XunitException("nothing consumed");
                Assert.Equal(Confluent.Kafka.TimestampType.LogAppendTime, record.Message.Timestamp.Type);
                Assert.InRange(record.Message.Timestamp.UnixTimestampMs, before, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            }

            await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
            {
                [topic] = [new ConfigEntry { Name = "message.timestamp.type", Value = "CreateTime", IncrementalOperation = AlterConfigOpType.Set }],
            });
            Assert.Equal("CreateTime", await Described());
            var refused = await Assert.ThrowsAsync<IncrementalAlterConfigsException>(() => admin.IncrementalAlterConfigsAsync(
                new Dictionary<ConfigResource, List<ConfigEntry>>
                {
                    [topic] = [new ConfigEntry { Name = "message.timestamp.type", Value = "logappendtime", IncrementalOperation = AlterConfigOpType.Set }],
                }));
            Assert.Equal(Confluent.Kafka.ErrorCode.InvalidConfig, Assert.Single(refused.Results).Error.Code);

            await _broker.AkkaOk(null, "topic", "create", "appended-cli", "--message-timestamp-type", "LogAppendTime");
            Assert.Contains("MessageTimestampType: LogAppendTime", (await _broker.AkkaOk(null, "topic", "describe", "appended-cli")).Stdout);
            var altered = await _broker.AkkaOk(null, "topic", "alter", "appended-cli", "--message-timestamp-type", "CreateTime");
            Assert.Contains("message.timestamp.type=CreateTime", altered.Stdout);
            Assert.Contains("MessageTimestampType: CreateTime", (await _broker.AkkaOk(null, "topic", "describe", "appended-cli")).Stdout);
            var bad = await _broker.Akka(null, "topic", "alter", "appended-cli", "--message-timestamp-type", "Later");
            Assert.Equal(2, bad.ExitCode);
            Assert.Contains("--message-timestamp-type must be CreateTime or LogAppendTime, got Later", bad.Stderr);
        });

    [Fact]
    public Task Offset_tools_refuse_bad_usage_with_exit_2_and_unknown_topics_with_exit_1() =>
        _broker.WithDiagnostics(async () =>
        {
            foreach (var args in new[]
                     {
                         new[] { "group", "reset-offsets", "g", "--topic", "t" },
                         ["group", "reset-offsets", "g", "--topic", "t", "--to-earliest", "--to-latest"],
                         ["group", "reset-offsets", "g", "--topic", "t", "--to-datetime", "yesterday"],
                         ["group", "reset-offsets", "g", "--topic", "t", "--to-offset", "-3"],
                         ["consume", "--topic", "t", "--from-timestamp", "30/11/2026"],
                         ["topic", "alter", "t"],
                         ["topic", "alter", "t", "--retention-ms", "-5"],
                     })
            {
                var result = await _broker.Akka(null, args);
                Assert.True(result.ExitCode == 2 && result.Stderr.StartsWith("error: ") && !result.Stderr.Contains("   at "),
                    $"akkakafka {string.Join(' ', args)}: {result}");
            }

            var unknownTopic = await _broker.Akka(null, "group", "reset-offsets", "g", "--topic", "no-such-topic", "--to-earliest");
            Assert.Equal((1, "error: topic 'no-such-topic' does not exist"), (unknownTopic.ExitCode, unknownTopic.Stderr.Trim()));
            var unknownAlter = await _broker.Akka(null, "topic", "alter", "no-such-topic", "--retention-ms", "1000");
            Assert.Equal(1, unknownAlter.ExitCode);
        });
}
