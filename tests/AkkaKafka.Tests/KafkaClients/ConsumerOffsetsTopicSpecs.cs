using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using AkkaKafka.Tests.EndToEnd;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Xunit;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// Issue 20: __consumer_offsets as lag monitors read it (Burrow and the like: assign every partition of the topic, read
/// from the beginning, decode Kafka's key and value schemas themselves). The group coordinator writes every offset
/// commit and every group generation there, whoever made them: kcat -G (librdkafka) and `akkakafka consume --group`
/// (every commit: checked against the brokers' own transaction log, which records each one).
/// The decoding below is this spec's own, from the JSON definitions, not the broker's encoder.
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class ConsumerOffsetsTopicSpecs : IClassFixture<KafkaBroker>
{
    private const string Topic = "__consumer_offsets";
    private static readonly TimeSpan ReadWait = TimeSpan.FromSeconds(60);
    private readonly KafkaBroker _broker;

    public ConsumerOffsetsTopicSpecs(KafkaBroker broker) => _broker = broker;

    [SkippableFact]
    public async Task A_lag_monitor_reading_consumer_offsets_sees_the_commits_and_groups_of_kcat_and_akkakafka_consume()
    {
        Kcat.EnsureAvailable();
        const string topic = "offsets-watched";
        await _broker.CreateTopic(topic, 2);
        await _broker.AkkaOk(string.Concat(Enumerable.Range(1, 20).Select(i => $"k{i}:{i}\n")), "produce", "--topic", topic, "--key-separator", ":");

        // kcat -G reads everything and commits (auto-commit, and once more as SIGTERM makes it leave).
        using (var kcat = Kcat.Start("-b", _broker.KafkaBootstrap, "-G", "kcat-watched", "-u", "-X", "auto.offset.reset=earliest", "-f", @"%o\n", topic))
        {
            await _broker.AwaitAsync(() => Task.FromResult(kcat.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 20 ? null : $"kcat has not read 20 records\n{kcat}"),
                ReadWait, "kcat -G reading the topic");
            kcat.Terminate();
            Assert.True(await kcat.WaitForExitAsync(TimeSpan.FromSeconds(20)), $"kcat -G did not exit on SIGTERM\n{kcat}");
        }
        // akkakafka consume --group commits as it leaves after the last record.
        await _broker.AkkaOk(null, "consume", "--topic", topic, "--group", "akkakafka-watched", "--from-beginning", "--max-messages", "20");

        foreach (var (group, clientId) in new[] { ("kcat-watched", "rdkafka"), ("akkakafka-watched", "akkakafka") })
        {
            var committed = await ConfluentClients.CommittedAsync(_broker.KafkaBootstrap, group, topic, 2, _broker);
            Assert.Equal(20, committed.Values.Sum());
            var expectedPartition = ExpectedPartition(group, 50);
            List<OffsetsTopicRecord> records = [];
            await _broker.AwaitAsync(() =>
            {
                records = ReadAll().Where(r => r.Group == group).ToList();
                var newest = records.Where(r => r.Commit is not null).GroupBy(r => r.TopicPartition!)
                    .ToDictionary(g => g.Key, g => g.Last().Commit!.Offset);
                var seen = Enumerable.Range(0, 2).All(p => newest.GetValueOrDefault(new Confluent.Kafka.TopicPartition(topic, p)) == committed[p]);
                var membership = records.Any(r => r.Metadata is { ProtocolType: "consumer" } m && m.Members.Any(x => x.ClientId.StartsWith(clientId, StringComparison.Ordinal)));
                return Task.FromResult(seen && membership ? null
                    : $"group {group}: committed {string.Join(",", committed.Select(kv => $"{kv.Key}={kv.Value}"))}, in {Topic}: " +
                      $"{string.Join("; ", records.Select(r => r.ToString()))}");
            }, ReadWait, $"{Topic} holding group {group}'s commits and membership");

            // Every commit the brokers' own transaction log recorded for the group (one line per committed partition,
            // written from the same persisted commit) is in __consumer_offsets, in the same order.
            await _broker.AwaitAsync(async () =>
            {
                var log = (await _broker.AkkaOk(null, "consume", "--topic", "__transactions", "--from-beginning", "--timeout-ms", "2000")).Stdout;
                var logged = Regex.Matches(log, $@" commit .* group={Regex.Escape(group)} topic={Regex.Escape(topic)} partition=(\d+) offset=(\d+)")
                    .Select(m => (Partition: int.Parse(m.Groups[1].Value), Offset: long.Parse(m.Groups[2].Value))).ToList();
                var written = ReadAll().Where(r => r.Group == group && r.Commit is not null)
                    .Select(r => (r.TopicPartition!.Partition.Value, r.Commit!.Offset)).ToList();
                return logged.Count > 0 && Enumerable.Range(0, 2).All(p =>
                    logged.Where(c => c.Partition == p).Select(c => c.Offset).Distinct().SequenceEqual(written.Where(c => c.Item1 == p).Select(c => c.Item2).Distinct()))
                    ? null
                    : $"transaction log commits {string.Join(",", logged)} vs {Topic} {string.Join(",", written)}";
            }, ReadWait, $"every commit of {group} in the transaction log also in {Topic}");

            // All of a group's records are in the partition Kafka's hash gives it, and each offset only moves forward.
            Assert.All(records, r => Assert.Equal(expectedPartition, r.Partition));
            foreach (var key in records.Where(r => r.Commit is not null).GroupBy(r => r.TopicPartition!))
            {
                var offsets = key.Select(r => r.Commit!.Offset).ToList();
                Assert.Equal(offsets.Order(), offsets);
            }
            var generations = records.Where(r => r.Metadata is not null).Select(r => r.Metadata!.Generation).ToList();
            Assert.Equal(generations.Order(), generations);
        }
    }

    [Fact]
    public async Task Deleting_a_group_writes_tombstones_for_its_offsets_and_its_metadata()
    {
        const string group = "doomed-group";
        await _broker.CreateTopic("offsets-doomed", 2);
        using (var committer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = _broker.KafkaBootstrap, GroupId = group }).Build())
            committer.Commit([new TopicPartitionOffset("offsets-doomed", 0, 3), new TopicPartitionOffset("offsets-doomed", 1, 4)]);
        await _broker.AwaitAsync(() => Task.FromResult(ReadAll().Count(r => r.Group == group && r.Commit is not null) == 2 ? null : "the two commits not in the topic yet"),
            ReadWait, $"{group}'s commits in {Topic}");

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.KafkaBootstrap }).Build();
        await admin.DeleteGroupsAsync([group]);

        await _broker.AwaitAsync(() =>
        {
            var records = ReadAll().Where(r => r.Group == group).ToList();
            // A tombstone is the newest record of each key: the two offsets' and the group's.
            var newest = records.GroupBy(r => r.TopicPartition?.ToString() ?? "group").ToDictionary(g => g.Key, g => g.Last());
            return Task.FromResult(newest.Count == 3 && newest.Values.All(r => r.Commit is null && r.Metadata is null) ? null
                : $"{group} in {Topic}: {string.Join("; ", records.Select(r => r.ToString()))}");
        }, ReadWait, $"tombstones for {group} in {Topic}");
    }

    /// <summary>Kafka's partitionFor, written out again here: abs(Java String.hashCode) % partitions, abs(MIN_VALUE) = 0.</summary>
    private static int ExpectedPartition(string group, int partitions)
    {
        var hash = 0;
        foreach (var ch in group) hash = unchecked(31 * hash + ch);
        return (hash == int.MinValue ? 0 : Math.Abs(hash)) % partitions;
    }

    /// <summary>Every record of __consumer_offsets, partition by partition from the beginning, as a lag monitor reads it.</summary>
    private List<OffsetsTopicRecord> ReadAll()
    {
        using var reader = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = _broker.KafkaBootstrap,
            GroupId = "lag-monitor",
            EnableAutoCommit = false,
        }).Build();
        var ends = Enumerable.Range(0, 50).ToDictionary(p => p,
            p => reader.QueryWatermarkOffsets(new Confluent.Kafka.TopicPartition(Topic, p), ConfluentClients.RequestTimeout).High.Value);
        var wanted = ends.Where(kv => kv.Value > 0).ToDictionary();
        reader.Assign(wanted.Keys.Select(p => new TopicPartitionOffset(Topic, p, Offset.Beginning)));
        var records = new List<OffsetsTopicRecord>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        var done = new HashSet<int>();
        while (done.Count < wanted.Count && DateTime.UtcNow < deadline)
        {
            var result = reader.Consume(TimeSpan.FromSeconds(1));
            if (result is null || result.IsPartitionEOF) continue;
            records.Add(OffsetsTopicRecord.Decode(result.Partition.Value, result.Message.Key, result.Message.Value));
            if (result.Offset.Value + 1 >= wanted[result.Partition.Value]) done.Add(result.Partition.Value);
        }
        return records;
    }

    private sealed record OffsetCommitValue(long Offset, int LeaderEpoch, string Metadata, long CommitTimestamp);

    private sealed record Member(string MemberId, string? GroupInstanceId, string ClientId, string ClientHost, byte[] Subscription, byte[] Assignment);

    private sealed record GroupMetadataValue(string ProtocolType, int Generation, string? Protocol, string? Leader, IReadOnlyList<Member> Members);

    /// <summary>One record decoded by its key's version: 0 and 1 an offset commit, 2 group metadata (a null value: a tombstone).</summary>
    private sealed record OffsetsTopicRecord(int Partition, string Group, Confluent.Kafka.TopicPartition? TopicPartition, OffsetCommitValue? Commit, GroupMetadataValue? Metadata)
    {
        public static OffsetsTopicRecord Decode(int partition, byte[] key, byte[]? value)
        {
            var k = new Cursor(key);
            var keyVersion = k.Int16();
            var group = k.String()!;
            if (keyVersion is 0 or 1)
                return new OffsetsTopicRecord(partition, group, new Confluent.Kafka.TopicPartition(k.String(), k.Int32()), value is null ? null : DecodeCommit(value), null);
            Assert.Equal(2, keyVersion);
            return new OffsetsTopicRecord(partition, group, null, null, value is null ? null : DecodeGroup(value));
        }

        private static OffsetCommitValue DecodeCommit(byte[] value)
        {
            var v = new Cursor(value);
            var version = v.Int16();
            Assert.Equal(3, version);
            return new OffsetCommitValue(v.Int64(), v.Int32(), v.String()!, v.Int64());
        }

        private static GroupMetadataValue DecodeGroup(byte[] value)
        {
            var v = new Cursor(value);
            var version = v.Int16();
            Assert.Equal(3, version);
            var protocolType = v.String()!;
            var generation = v.Int32();
            var protocol = v.String();
            var leader = v.String();
            v.Int64(); // currentStateTimestamp
            var members = Enumerable.Range(0, v.Int32()).Select(_ =>
            {
                var memberId = v.String()!;
                var instance = v.String();
                var clientId = v.String()!;
                var host = v.String()!;
                v.Int32(); // rebalanceTimeout
                v.Int32(); // sessionTimeout
                return new Member(memberId, instance, clientId, host, v.Bytes(), v.Bytes());
            }).ToList();
            Assert.Equal(value.Length, v.Position);
            return new GroupMetadataValue(protocolType, generation, protocol, leader, members);
        }

        public override string ToString() => Commit is { } c ? $"p{Partition} {TopicPartition} -> {c.Offset}"
            : Metadata is { } m ? $"p{Partition} group generation {m.Generation} [{string.Join(",", m.Members.Select(x => x.ClientId))}]"
            : $"p{Partition} tombstone {(TopicPartition is null ? "group" : TopicPartition.ToString())}";
    }

    /// <summary>Big-endian reads, int16-length strings (-1: null), int32-length bytes: Kafka's non-flexible encoding.</summary>
    private sealed class Cursor(byte[] bytes)
    {
        public int Position { get; private set; }

        private ReadOnlySpan<byte> Take(int n)
        {
            var span = bytes.AsSpan(Position, n);
            Position += n;
            return span;
        }

        public short Int16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));
        public int Int32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));
        public long Int64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));
        public string? String() => Int16() is var n && n < 0 ? null : Encoding.UTF8.GetString(Take(n));
        public byte[] Bytes() => Take(Int32()).ToArray();
    }
}
