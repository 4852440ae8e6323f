using System.Buffers.Binary;
using System.Text;
using AkkaKafka.Broker.KafkaListener;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Records;
using AkkaKafka.Tests.EndToEnd;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// One real broker whose Kafka port gets what no well-behaved client sends: oversized, truncated and garbage frames,
/// unknown APIs and versions, corrupt batches, pipelined bursts and random bytes. Whatever one connection sends, it
/// may cost that connection and nothing else: other connections, the broker process and the data stay as they were.
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class KafkaListenerBadInputSpecs(KafkaListenerBadInputSpecs.Broker broker, ITestOutputHelper output)
    : IClassFixture<KafkaListenerBadInputSpecs.Broker>
{
    /// <summary>socket.request.max.bytes, Kafka's default and the listener's.</summary>
    private const int MaxRequestBytes = 100 * 1024 * 1024;

    private int Port => broker.KafkaPort;

    [Fact]
    public async Task A_frame_larger_than_socket_request_max_bytes_closes_that_connection_and_no_other()
    {
        using var before = await KafkaWireConnection.OpenAsync(Port);
        using var oversized = await KafkaWireConnection.OpenAsync(Port);
        await AssertAnswersAsync(before, correlationId: 1);

        // Only the size and a few bytes: the broker must refuse on the size, not wait for 100 MiB to arrive.
        await oversized.SendAsync(SizeThen(MaxRequestBytes + 1, new byte[16]));
        Assert.True(await oversized.IsClosedByBrokerAsync(), "the broker kept a connection open after a frame above socket.request.max.bytes" + broker.Tail());

        using var after = await KafkaWireConnection.OpenAsync(Port);
        await AssertAnswersAsync(before, correlationId: 2);
        await AssertAnswersAsync(after, correlationId: 3);
        broker.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task A_frame_cut_short_by_a_disconnect_and_a_header_too_short_to_read_cost_only_their_connections()
    {
        using var bystander = await KafkaWireConnection.OpenAsync(Port);

        using (var truncated = await KafkaWireConnection.OpenAsync(Port))
        {
            var metadata = KafkaWireConnection.Frame(ApiKey.Metadata, 8, 7, new MetadataRequestData(null, false));
            await truncated.SendAsync(metadata.AsMemory(0, metadata.Length - 3));
        } // the client goes away in the middle of its request

        using (var garbage = await KafkaWireConnection.OpenAsync(Port))
        {
            // A frame long enough to pass the size check whose header is not a header: a client id length past the end.
            await garbage.SendAsync(SizeThen(KafkaFrames.MinRequestSize, [0, 3, 0, 8, 0, 0, 0, 9, 0x7F, 0x7F]));
            Assert.True(await garbage.IsClosedByBrokerAsync(), "the broker kept a connection open after an unreadable header" + broker.Tail());
        }

        using (var tooSmall = await KafkaWireConnection.OpenAsync(Port))
        {
            await tooSmall.SendAsync(SizeThen(3, [0, 18, 0]));
            Assert.True(await tooSmall.IsClosedByBrokerAsync(), "the broker kept a connection open after a 3-byte frame" + broker.Tail());
        }

        await AssertAnswersAsync(bystander, correlationId: 11);
        using var fresh = await KafkaWireConnection.OpenAsync(Port);
        await AssertAnswersAsync(fresh, correlationId: 12);
        broker.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task An_unknown_api_key_and_an_unsupported_version_are_answered_unsupported_version_and_the_connection_stays_usable()
    {
        using var connection = await KafkaWireConnection.OpenAsync(Port);

        await connection.SendAsync(KafkaWireConnection.Frame((ApiKey)999, 0, 4242, null));
        var (unknownId, unknownError) = await connection.ReceiveAsync(ApiKey.Metadata, 0, (ref KafkaReader r) => (ErrorCode)r.Int16());
        Assert.Equal(4242, unknownId);
        Assert.Equal(ErrorCode.UnsupportedVersion, unknownError);

        await connection.SendAsync(KafkaWireConnection.Frame(ApiKey.Metadata, 99, 4343, null));
        var (versionId, versionError) = await connection.ReceiveAsync(ApiKey.Metadata, 0, (ref KafkaReader r) => (ErrorCode)r.Int16());
        Assert.Equal(4343, versionId);
        Assert.Equal(ErrorCode.UnsupportedVersion, versionError);

        await AssertAnswersAsync(connection, correlationId: 4444);
        broker.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task ApiVersions_at_a_version_the_broker_does_not_know_is_answered_as_v0_with_unsupported_version_and_its_own_range()
    {
        using var connection = await KafkaWireConnection.OpenAsync(Port);
        // A future client sends its newest ApiVersions first; the v0 answer is one it can always read (KIP-511).
        await connection.SendAsync(KafkaWireConnection.Frame(ApiKey.ApiVersions, 99, 99, new ApiVersionsRequestData("wire-spec", "1.0")));
        var (id, answer) = await connection.ReceiveAsync(ApiKey.ApiVersions, 0, (ref KafkaReader r) => ApiVersionsResponseData.Read(ref r, 0));

        Assert.Equal(99, id);
        Assert.Equal(ErrorCode.UnsupportedVersion, answer.ErrorCode);
        var range = Assert.Single(answer.ApiKeys, k => k.ApiKey == (short)ApiKey.ApiVersions);
        Assert.Equal(0, range.MinVersion);
        Assert.Equal(KafkaApis.Find(ApiKey.ApiVersions)!.MaxVersion, range.MaxVersion);

        await AssertAnswersAsync(connection, correlationId: 100);
        broker.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task Produce_v2_is_answered_unsupported_version_per_partition_and_writes_nothing()
    {
        const string topic = Broker.ProduceV2Topic;
        using var connection = await KafkaWireConnection.OpenAsync(Port);
        var end = await LogEndOffsetAsync(connection, topic);

        var answer = await connection.AskAsync(ApiKey.Produce, 2, 21, Produce(topic, Batch("v2")), (ref KafkaReader r) => ProduceResponseData.Read(ref r, 2));

        var partition = Assert.Single(Assert.Single(answer.Responses).Partitions);
        Assert.Equal(ErrorCode.UnsupportedVersion, partition.ErrorCode);
        Assert.Equal(end, await LogEndOffsetAsync(connection, topic));
        broker.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task A_batch_of_magic_1_or_with_a_bad_crc_is_refused_as_corrupt_message_and_nothing_is_written()
    {
        const string topic = Broker.CorruptTopic;
        using var connection = await KafkaWireConnection.OpenAsync(Port);
        var end = await LogEndOffsetAsync(connection, topic);

        var magic1 = Batch("old", "format");
        magic1[16] = 1; // the magic byte of the v2 layout; the CRC does not cover it
        var badCrc = Batch("bit", "rot");
        badCrc[^1] ^= 0x40; // a value byte, inside what the CRC-32C covers

        foreach (var (name, batch) in new[] { ("magic 1", magic1), ("bad CRC", badCrc) })
        {
            var answer = await connection.AskAsync(ApiKey.Produce, 7, 31, Produce(topic, batch), (ref KafkaReader r) => ProduceResponseData.Read(ref r, 7));
            var partition = Assert.Single(Assert.Single(answer.Responses).Partitions);
            Assert.True(partition.ErrorCode == ErrorCode.CorruptMessage, $"{name}: got {partition.ErrorCode}" + broker.Tail());
        }

        Assert.Equal(end, await LogEndOffsetAsync(connection, topic));
        // The connection and the partition are fine: a good batch still goes in, at the old end.
        var good = await connection.AskAsync(ApiKey.Produce, 7, 32, Produce(topic, Batch("fine")), (ref KafkaReader r) => ProduceResponseData.Read(ref r, 7));
        var written = Assert.Single(Assert.Single(good.Responses).Partitions);
        Assert.Equal(ErrorCode.None, written.ErrorCode);
        Assert.Equal(end, written.BaseOffset);
        broker.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task Fifty_requests_written_back_to_back_are_answered_in_order()
    {
        using var connection = await KafkaWireConnection.OpenAsync(Port);
        ApiKey[] mix = [ApiKey.ApiVersions, ApiKey.Metadata, ApiKey.ListOffsets];
        var kinds = Enumerable.Range(0, 50).Select(i => mix[i % mix.Length]).ToList();
        var burst = kinds.SelectMany((key, i) => key switch
        {
            ApiKey.ApiVersions => KafkaWireConnection.Frame(key, 3, 1000 + i, new ApiVersionsRequestData("wire-spec", "1.0")),
            ApiKey.Metadata => KafkaWireConnection.Frame(key, 8, 1000 + i, new MetadataRequestData([new(Broker.PipelineTopic)], false)),
            _ => KafkaWireConnection.Frame(key, 5, 1000 + i, ListLatest(Broker.PipelineTopic)),
        }).ToArray();
        await connection.SendAsync(burst); // one write: the broker sees them pipelined, as librdkafka sends them

        for (var i = 0; i < kinds.Count; i++)
        {
            var frame = await connection.ReceiveFrameAsync() ?? throw new EndOfStreamException($"closed after {i} answers" + broker.Tail());
            var correlationId = kinds[i] switch
            {
                ApiKey.ApiVersions => KafkaWireConnection.Parse(frame, kinds[i], 3, (ref KafkaReader r) => ApiVersionsResponseData.Read(ref r, 3)).CorrelationId,
                ApiKey.Metadata => KafkaWireConnection.Parse(frame, kinds[i], 8, (ref KafkaReader r) => MetadataResponseData.Read(ref r, 8)).CorrelationId,
                _ => KafkaWireConnection.Parse(frame, kinds[i], 5, (ref KafkaReader r) => ListOffsetsResponseData.Read(ref r, 5)).CorrelationId,
            };
            Assert.Equal(1000 + i, correlationId);
        }
        broker.AssertNoUnexpectedErrors();
    }

    [Fact]
    public async Task Random_frames_and_mangled_requests_leave_the_broker_serving_and_its_data_intact()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("AKKAKAFKA_FUZZ_SEED"), out var fixedSeed) ? fixedSeed : Random.Shared.Next();
        output.WriteLine($"fuzz seed {seed} (replay with AKKAKAFKA_FUZZ_SEED={seed})");
        var random = new Random(seed);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);

        var valid = new List<byte[]>
        {
            KafkaWireConnection.Frame(ApiKey.ApiVersions, 3, 1, new ApiVersionsRequestData("fuzz", "1.0")),
            KafkaWireConnection.Frame(ApiKey.Metadata, 8, 2, new MetadataRequestData([new(Broker.FuzzTargetTopic)], false)),
            KafkaWireConnection.Frame(ApiKey.ListOffsets, 5, 3, ListLatest(Broker.FuzzTargetTopic)),
            KafkaWireConnection.Frame(ApiKey.Fetch, 11, 4, FetchFrom(Broker.FuzzTargetTopic, 0, maxWaitMs: 10)),
            KafkaWireConnection.Frame(ApiKey.Produce, 7, 5, Produce(Broker.FuzzTargetTopic, Batch("fuzz-a", "fuzz-b"))),
        };

        var sent = 0;
        var connections = 0;
        long answered = 0;
        while (sent < 300 && DateTime.UtcNow < deadline)
        {
            connections++;
            using var connection = await KafkaWireConnection.OpenAsync(Port);
            // Answers (and the broker's close) are read and dropped, so the broker never waits on a full socket.
            var drained = connection.IsClosedByBrokerAsync(TimeSpan.FromSeconds(25));
            // Short connections: the first frame the broker cannot read ends one, and the rest of its frames would be wasted.
            var perConnection = random.Next(3, 20);
            for (var i = 0; i < perConnection && sent < 300; i++, sent++)
            {
                var frame = random.Next(5) switch
                {
                    0 => valid[random.Next(valid.Count)], // good requests in between: the broker must tell them apart
                    1 => RandomFrame(random),
                    _ => Mutated(random, valid[random.Next(valid.Count)]),
                };
                try
                {
                    await connection.SendAsync(frame);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
                {
                    break; // the broker closed this one; the next frames go to a new connection
                }
                if (drained.IsCompleted) break;
            }
            await Task.WhenAny(drained, Task.Delay(TimeSpan.FromMilliseconds(200)));
            connection.Dispose();
            await Task.WhenAny(drained, Task.Delay(TimeSpan.FromSeconds(2)));
            answered += connection.BytesDiscarded;
        }
        output.WriteLine($"sent {sent} frames over {connections} connections; {answered} bytes of answers");

        Assert.False(broker.Process.HasExited, "the broker died while fuzzed" + broker.Tail());
        using var fresh = await KafkaWireConnection.OpenAsync(Port);
        await AssertAnswersAsync(fresh, correlationId: 77);

        var fetched = await fresh.AskAsync(ApiKey.Fetch, 11, 78, FetchFrom(Broker.FuzzKeptTopic, 0, maxWaitMs: 100), (ref KafkaReader r) => FetchResponseData.Read(ref r, 11));
        var partition = Assert.Single(Assert.Single(fetched.Responses).Partitions);
        Assert.Equal(ErrorCode.None, partition.ErrorCode);
        var values = RecordBatches.ReadRecords(partition.Records ?? ReadOnlyMemory<byte>.Empty)
            .Select(r => Encoding.UTF8.GetString(r.Value!)).ToList();
        Assert.Equal(Broker.KeptValues, values.Take(Broker.KeptValues.Count));
        broker.AssertNoUnexpectedErrors();
    }

    /// <summary>Random size (sometimes a lie), random bytes, sometimes behind a plausible API key and version.</summary>
    private static byte[] RandomFrame(Random random)
    {
        var body = new byte[random.Next(0, random.Next(2) == 0 ? 64 : 4096)];
        random.NextBytes(body);
        if (body.Length >= 4 && random.Next(2) == 0)
        {
            BinaryPrimitives.WriteInt16BigEndian(body, (short)KafkaApis.Supported[random.Next(KafkaApis.Supported.Count)].Key);
            BinaryPrimitives.WriteInt16BigEndian(body.AsSpan(2), (short)random.Next(0, 13));
        }
        var size = random.Next(20) switch
        {
            0 => random.Next(int.MinValue, 0),
            1 => body.Length + random.Next(1, 100),
            2 => random.Next(0, KafkaFrames.MinRequestSize),
            _ => body.Length,
        };
        return SizeThen(size, body);
    }

    /// <summary>A valid request with bytes flipped, cut off or extended, its size field adjusted or not.</summary>
    private static byte[] Mutated(Random random, byte[] valid)
    {
        var bytes = valid.ToList();
        switch (random.Next(3))
        {
            case 0:
                for (var flips = random.Next(1, 6); flips > 0; flips--)
                {
                    var at = random.Next(4, bytes.Count);
                    bytes[at] ^= (byte)random.Next(1, 256);
                }
                break;
            case 1:
                bytes = bytes.Take(random.Next(4, bytes.Count)).ToList();
                break;
            default:
                var extra = new byte[random.Next(1, 64)];
                random.NextBytes(extra);
                bytes.AddRange(extra);
                break;
        }
        var frame = bytes.ToArray();
        // Mostly a truthful size, so the mangled header and body reach the decoders rather than stall the framing.
        if (random.Next(10) != 0) BinaryPrimitives.WriteInt32BigEndian(frame, frame.Length - 4);
        return frame;
    }

    private async Task AssertAnswersAsync(KafkaWireConnection connection, int correlationId)
    {
        var versions = await connection.AskAsync(ApiKey.ApiVersions, 3, correlationId, new ApiVersionsRequestData("wire-spec", "1.0"), (ref KafkaReader r) => ApiVersionsResponseData.Read(ref r, 3));
        Assert.Equal(ErrorCode.None, versions.ErrorCode);
        var metadata = await connection.AskAsync(ApiKey.Metadata, 8, correlationId, new MetadataRequestData(null, false), (ref KafkaReader r) => MetadataResponseData.Read(ref r, 8));
        Assert.Contains(metadata.Brokers, b => b.Port == Port);
    }

    private static async Task<long> LogEndOffsetAsync(KafkaWireConnection connection, string topic)
    {
        var answer = await connection.AskAsync(ApiKey.ListOffsets, 5, 555, ListLatest(topic), (ref KafkaReader r) => ListOffsetsResponseData.Read(ref r, 5));
        var partition = Assert.Single(Assert.Single(answer.Topics).Partitions);
        Assert.Equal(ErrorCode.None, partition.ErrorCode);
        return partition.Offset;
    }

    private static ListOffsetsRequestData ListLatest(string topic) => new(-1, [new(topic, [new(0, -1)])]);

    private static FetchRequestData FetchFrom(string topic, long offset, int maxWaitMs) =>
        new(-1, maxWaitMs, 1, [new(topic, [new(0, offset, 1024 * 1024)])], MaxBytes: 4 * 1024 * 1024);

    private static ProduceRequestData Produce(string topic, byte[] batch) => new(-1, 10_000, [new(topic, [new(0, batch)])]);

    private static byte[] Batch(params string[] values) => KafkaWireConnection.Batch(values);

    private static byte[] SizeThen(int size, byte[] body)
    {
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, size);
        body.CopyTo(frame, 4);
        return frame;
    }

    /// <summary>One broker with a Kafka listener for the whole class; each spec has its own topic.</summary>
    public sealed class Broker : IAsyncLifetime
    {
        public const string ProduceV2Topic = "bad-produce-v2";
        public const string CorruptTopic = "bad-corrupt";
        public const string PipelineTopic = "bad-pipeline";
        public const string FuzzTargetTopic = "fuzz-target";
        public const string FuzzKeptTopic = "fuzz-kept";
        public static readonly IReadOnlyList<string> KeptValues = Enumerable.Range(1, 20).Select(i => $"kept-{i}").ToList();

        private readonly KafkaBrokers _brokers = new(1);

        public int KafkaPort => _brokers.KafkaPorts[0];
        public CliProcess Process => _brokers[_brokers.Ports[0]];

        public async Task InitializeAsync()
        {
            await _brokers.StartAllAsync();
            using var connection = await KafkaWireConnection.OpenAsync(KafkaPort);
            await connection.CreateTopicsAsync(Tail, ProduceV2Topic, CorruptTopic, PipelineTopic, FuzzTargetTopic, FuzzKeptTopic);
            var produced = await connection.ProduceAsync(FuzzKeptTopic, [.. KeptValues]);
            if (produced.ErrorCode != ErrorCode.None || produced.BaseOffset != 0)
                throw new InvalidOperationException($"records before fuzzing not written: {produced}\n{Tail()}");
        }

        public string Tail() => "\n" + _brokers.LogTails(60);

        public void AssertNoUnexpectedErrors() => BrokerLogCheck.AssertNoUnexpectedErrors(_brokers.Logs(_brokers.Ports[0]), Tail());

        public Task DisposeAsync()
        {
            _brokers.Dispose();
            return Task.CompletedTask;
        }
    }
}
