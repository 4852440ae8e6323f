using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Records;
using AkkaKafka.Tests.EndToEnd;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// Bad input on every port of one real broker: a seeded fuzzer sends mangled Kafka frames over many connections
/// (100,000 by default; AKKAKAFKA_FUZZ_FRAMES=1000000 for the full run, AKKAKAFKA_FUZZ_SEED to replay a seed), and
/// garbage goes to the Akka remoting and HTTP ports. Afterwards the broker serves Kafka and Akka clients, keeps every
/// record acknowledged before, its memory stayed within a bound of where it started, it never stopped answering
/// ApiVersions, and its log has no unhandled exception.
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class KafkaListenerFuzzSpecs(KafkaListenerFuzzSpecs.Broker broker, ITestOutputHelper output)
    : IClassFixture<KafkaListenerFuzzSpecs.Broker>
{
    private const int MaxRequestBytes = 100 * 1024 * 1024;

    /// <summary>How much the broker's resident memory may grow over the run; garbage must not pile up anywhere.</summary>
    private const long MaxRssGrowthBytes = 200L * 1024 * 1024;

    /// <summary>The bound on ApiVersions during the run: generous for 2 busy cores, far below a blocked thread's forever.</summary>
    private static readonly TimeSpan ProbeBound = TimeSpan.FromSeconds(10);

    /// <summary>How long the broker may take to close a connection the fuzzer half-closed (its answers drained first).</summary>
    private static readonly TimeSpan CloseBound = TimeSpan.FromSeconds(30);

    private const int Workers = 8;

    [Fact]
    public async Task Mangled_frames_on_many_connections_leave_the_broker_serving_with_its_data_intact_and_its_memory_bounded()
    {
        var frames = int.TryParse(Environment.GetEnvironmentVariable("AKKAKAFKA_FUZZ_FRAMES"), out var n) && n > 0 ? n : 100_000;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("AKKAKAFKA_FUZZ_SEED"), out var fixedSeed) ? fixedSeed : Random.Shared.Next();
        output.WriteLine($"fuzz seed {seed} (replay with AKKAKAFKA_FUZZ_SEED={seed}), {frames} frames over {Workers} workers");

        await broker.AssertServesAsync(output, "before fuzzing");
        var rssBefore = broker.RssBytes();
        var run = new FuzzRun(frames);
        var clock = Stopwatch.StartNew();
        using (var probe = await LivenessProbe.StartAsync(broker))
        {
            await Task.WhenAll(Enumerable.Range(0, Workers).Select(w => FuzzWorkerAsync(new Random(HashCode.Combine(seed, w)), run)));
            await probe.StopAsync();
            clock.Stop();
            output.WriteLine($"sent {run.Sent} frames ({run.ByKind()}) over {run.Connections} connections in {clock.Elapsed.TotalSeconds:0.0} s " +
                             $"({run.Sent / clock.Elapsed.TotalSeconds:0} frames/s); {run.Answers} answers of {run.Owed} owed");
            output.WriteLine($"ApiVersions during the run: {probe.Probes} probes, slowest {probe.Slowest.TotalMilliseconds:0} ms; " +
                             $"broker RSS {rssBefore / 1048576} MiB before, {probe.PeakRss / 1048576} MiB at most during the run");
            Assert.True(probe.Failure is null, $"the broker stopped answering ApiVersions during the run: {probe.Failure}" + broker.Tail());
            Assert.True(probe.PeakRss - rssBefore < MaxRssGrowthBytes,
                $"broker RSS grew from {rssBefore / 1048576} MiB to {probe.PeakRss / 1048576} MiB while fuzzed" + broker.Tail());
        }
        Assert.True(run.Failure is null, run.Failure + broker.Tail());

        Assert.False(broker.Process.HasExited, "the broker died while fuzzed" + broker.Tail());
        broker.AssertNoUnexpectedErrors();
        await broker.AssertServesAsync(output, "after fuzzing");
        var rssAfter = broker.RssBytes();
        output.WriteLine($"broker RSS after: {rssAfter / 1048576} MiB");
        Assert.True(rssAfter - rssBefore < MaxRssGrowthBytes, $"broker RSS grew from {rssBefore / 1048576} MiB to {rssAfter / 1048576} MiB" + broker.Tail());
    }

    [Fact]
    public async Task A_tagged_field_of_four_gigabytes_closes_that_connection_without_an_unhandled_exception()
    {
        // The frame the fuzzer found: ApiVersions v3 whose body ends in one tagged field of 2^32-1 bytes.
        using var connection = await KafkaWireConnection.OpenAsync(broker.KafkaPort);
        var valid = KafkaWireConnection.Frame(ApiKey.ApiVersions, 3, 7, new ApiVersionsRequestData("fuzz", "1.0"));
        byte[] frame = [.. valid[..^1], 1, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F];
        BinaryPrimitives.WriteInt32BigEndian(frame, frame.Length - 4);
        await connection.SendAsync(frame);

        Assert.True(await connection.IsClosedByBrokerAsync(), "the broker kept the connection open after an unreadable request" + broker.Tail());
        using var fresh = await KafkaWireConnection.OpenAsync(broker.KafkaPort);
        var versions = await fresh.AskAsync(ApiKey.ApiVersions, 3, 8, new ApiVersionsRequestData("fuzz", "1.0"), (ref KafkaReader r) => ApiVersionsResponseData.Read(ref r, 3));
        Assert.Equal(ErrorCode.None, versions.ErrorCode);
        broker.AssertNoUnexpectedErrors();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Pipelined_requests_are_all_answered_in_order_before_the_broker_closes_on_the_clients_end_or_on_an_unreadable_frame(bool thenAnUnreadableFrame)
    {
        // Kafka serves a connection's requests in order; a client that half-closes after sending, or sends a frame that
        // cannot be read after good ones, still gets every answer to what was read before the connection closes.
        const int requests = 200;
        using var connection = await KafkaWireConnection.OpenAsync(broker.KafkaPort);
        var frames = Enumerable.Range(1, requests).SelectMany(id => id % 2 == 0
            ? KafkaWireConnection.Frame(ApiKey.ApiVersions, 3, id, new ApiVersionsRequestData("pipelined", "1.0"))
            : KafkaWireConnection.Frame(ApiKey.Metadata, 8, id, new MetadataRequestData([new(Broker.KeptTopic)], AllowAutoTopicCreation: false)));
        byte[] unreadable = [0, 0, 0, 14, 0, 3, 0, 8, 0, 0, 0, 99, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF]; // Metadata v8 whose topic array claims 2^31-1 entries
        await connection.SendAsync((thenAnUnreadableFrame ? frames.Concat(unreadable) : frames).ToArray());
        connection.ShutdownSend();

        var answered = new List<int>();
        while (await connection.ReceiveFrameAsync() is { } frame) answered.Add(BinaryPrimitives.ReadInt32BigEndian(frame));
        Assert.Equal(Enumerable.Range(1, requests), answered);
        broker.AssertNoUnexpectedErrors();
    }

    /// <summary>Connections one after another until the run has its frames; each connection gets one burst of frames.</summary>
    private async Task FuzzWorkerAsync(Random random, FuzzRun run)
    {
        var fuzzer = new KafkaFrameFuzzer(random, Broker.TargetTopic, MaxRequestBytes);
        while (run.Failure is null)
        {
            // Frames the listener can read, then at most one it cannot, last: it closes the connection there, so
            // frames after it would never reach the broker. Every frame sent is one the broker has to deal with.
            var burst = new List<KafkaFrameFuzzer.Fuzzed>();
            var size = random.Next(2) == 0 ? random.Next(1, 5) : random.Next(5, 64);
            KafkaFrameFuzzer.Fuzzed? last = null;
            while (burst.Count < size)
            {
                KafkaFrameFuzzer.Fuzzed next;
                try
                {
                    next = fuzzer.NextClassified();
                }
                catch (Exception e)
                {
                    run.Fail($"the codec threw {e.GetType().Name} instead of KafkaProtocolException: {e}");
                    return;
                }
                if (!next.Closes) burst.Add(next);
                else last ??= next;
            }
            if (last is { } closing) burst.Add(closing);
            if (!run.TryTake(burst)) return;
            await SendBurstAsync(random, burst, run);
        }
    }

    /// <summary>
    /// Writes the burst (in one write, frame by frame, or cut at random places: framing must not care), half-closes,
    /// and reads every answer until the broker closes. A broker that never closes leaks the connection.
    /// </summary>
    private async Task SendBurstAsync(Random random, List<KafkaFrameFuzzer.Fuzzed> burst, FuzzRun run)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using (var connecting = new CancellationTokenSource(KafkaWireConnection.Timeout))
            await socket.ConnectAsync("127.0.0.1", broker.KafkaPort, connecting.Token);
        Interlocked.Increment(ref run.Connections);
        using var closing = new CancellationTokenSource(CloseBound);
        var reading = DrainAsync(socket, closing.Token);

        var bytes = burst.SelectMany(f => f.Bytes).ToArray();
        var cuts = random.Next(3) switch
        {
            0 => [bytes.Length],
            1 => burst.Select(f => f.Bytes.Length).Aggregate(new List<int>(), (acc, l) => { acc.Add((acc.Count == 0 ? 0 : acc[^1]) + l); return acc; }),
            _ => Enumerable.Range(0, random.Next(1, 8)).Select(_ => random.Next(1, bytes.Length + 1)).Append(bytes.Length).Distinct().Order().ToList(),
        };
        try
        {
            var from = 0;
            foreach (var cut in cuts)
            {
                await socket.SendAsync(bytes.AsMemory(from, cut - from), SocketFlags.None, closing.Token);
                from = cut;
            }
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // The broker closed it on a frame it could not read: the rest of the burst is not for it.
        }

        var (closed, answers, bad) = await reading;
        Interlocked.Add(ref run.Answers, answers.Count);
        var owed = burst.Where(f => f.AnsweredAs is not null).Select(f => f.AnsweredAs!.Value).ToList();
        Interlocked.Add(ref run.Owed, owed.Count);
        // Requests read before a bad frame or the client's FIN are all answered, in order, before the broker closes. A
        // broker may close after an acks=0 produce it refuses, so only the answers owed before the first of those are certain.
        var certain = burst.TakeWhile(f => !f.Unanswered).Count(f => f.AnsweredAs is not null);
        if (bad is not null) run.Fail($"the broker wrote a malformed response frame ({bad}) after: {Describe(burst)}");
        else if (!closed) run.Fail($"the broker kept a half-closed connection open for {CloseBound.TotalSeconds:0} s after: {Describe(burst)}");
        else if (answers.Count < certain || answers.Count > owed.Count || !answers.SequenceEqual(owed.Take(answers.Count)))
            run.Fail($"the broker answered correlation ids [{string.Join(", ", answers)}] where [{string.Join(", ", owed)}] were owed " +
                     $"({certain} of them certain) after: {Describe(burst)}");
    }

    private static string Describe(List<KafkaFrameFuzzer.Fuzzed> burst) =>
        string.Join("; ", burst.TakeLast(20).Select(f => $"{f.What} [{Convert.ToHexString(f.Bytes.AsSpan(0, Math.Min(f.Bytes.Length, 96)))}]"));

    /// <summary>Reads response frames until the broker closes: (closed, their correlation ids, what was wrong with one).</summary>
    private static async Task<(bool Closed, List<int> Answers, string? Bad)> DrainAsync(Socket socket, CancellationToken timeout)
    {
        var buffer = new byte[64 * 1024];
        var pending = new List<byte>();
        var answers = new List<int>();
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout);
                if (read == 0) return (true, answers, pending.Count == 0 ? null : $"{pending.Count} bytes of an unfinished response");
                pending.AddRange(buffer.AsSpan(0, read));
                while (pending.Count >= 4)
                {
                    var size = BinaryPrimitives.ReadInt32BigEndian([pending[0], pending[1], pending[2], pending[3]]);
                    if (size is < 4 or > 64 * 1024 * 1024) return (true, answers, $"response size {size}");
                    if (pending.Count < 4 + size) break;
                    answers.Add(BinaryPrimitives.ReadInt32BigEndian([pending[4], pending[5], pending[6], pending[7]]));
                    pending.RemoveRange(0, 4 + size);
                }
            }
        }
        catch (OperationCanceledException)
        {
            return (false, answers, null);
        }
        catch (SocketException)
        {
            return (true, answers, null); // reset by the broker
        }
    }

    /// <summary>The shared state of one run: frames left to send, what was sent, the first failure.</summary>
    private sealed class FuzzRun(int frames)
    {
        private readonly int _frames = frames;
        private readonly int[] _byKind = new int[Enum.GetValues<KafkaFrameFuzzer.Kind>().Length];
        private int _left = frames;
        private int _closing;
        private string? _failure;
        public int Connections;
        public long Answers;
        public long Owed;

        public int Sent => _frames - Math.Max(0, Volatile.Read(ref _left));
        public string? Failure => Volatile.Read(ref _failure);

        public bool TryTake(List<KafkaFrameFuzzer.Fuzzed> burst)
        {
            var left = Interlocked.Add(ref _left, -burst.Count) + burst.Count;
            if (left <= 0) return false;
            if (left < burst.Count) burst.RemoveRange(left, burst.Count - left);
            foreach (var f in burst) Interlocked.Increment(ref _byKind[(int)f.Kind]);
            if (burst[^1].Closes) Interlocked.Increment(ref _closing);
            return true;
        }

        public void Fail(string why) => Interlocked.CompareExchange(ref _failure, why, null);

        public string ByKind() => string.Join(", ", Enum.GetValues<KafkaFrameFuzzer.Kind>().Select(k => $"{_byKind[(int)k]} {k.ToString().ToLowerInvariant()}"))
            + $"; {_closing} the codec cannot read, each the last on its connection";
    }

    /// <summary>
    /// One well-behaved client beside the fuzzer: ApiVersions every quarter second on its own connection, each answer
    /// within <see cref="ProbeBound"/>, and the broker's RSS sampled as it goes.
    /// </summary>
    private sealed class LivenessProbe : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly KafkaWireConnection _connection;
        private readonly Broker _broker;
        private readonly Task _loop;

        private LivenessProbe(KafkaWireConnection connection, Broker broker)
        {
            _connection = connection;
            _broker = broker;
            PeakRss = broker.RssBytes();
            _loop = LoopAsync();
        }

        public int Probes { get; private set; }
        public TimeSpan Slowest { get; private set; }
        public long PeakRss { get; private set; }
        public string? Failure { get; private set; }

        public static async Task<LivenessProbe> StartAsync(Broker broker) => new(await KafkaWireConnection.OpenAsync(broker.KafkaPort), broker);

        private async Task LoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                var asked = Stopwatch.StartNew();
                var answer = _connection.AskAsync(ApiKey.ApiVersions, 3, ++Probes, new ApiVersionsRequestData("probe", "1.0"),
                    (ref KafkaReader r) => ApiVersionsResponseData.Read(ref r, 3));
                if (await Task.WhenAny(answer, Task.Delay(ProbeBound)) != answer)
                {
                    Failure = $"probe {Probes} unanswered after {ProbeBound.TotalSeconds:0} s";
                    return;
                }
                try
                {
                    if ((await answer).ErrorCode != ErrorCode.None) Failure = $"probe {Probes} answered {(await answer).ErrorCode}";
                }
                catch (Exception e) when (e is IOException or InvalidDataException or KafkaProtocolException or OperationCanceledException)
                {
                    Failure = $"probe {Probes} failed: {e.Message}";
                }
                if (Failure is not null) return;
                if (asked.Elapsed > Slowest) Slowest = asked.Elapsed;
                PeakRss = Math.Max(PeakRss, _broker.RssBytes());
                try { await Task.Delay(250, _stop.Token); } catch (OperationCanceledException) { }
            }
        }

        public async Task StopAsync()
        {
            _stop.Cancel();
            await _loop;
        }

        public void Dispose()
        {
            _stop.Cancel();
            _connection.Dispose();
        }
    }

    /// <summary>One broker with Kafka and HTTP ports; records acknowledged before any fuzzing, which must survive it.</summary>
    public sealed class Broker : IAsyncLifetime
    {
        public const string TargetTopic = "fuzz-target";
        public const string KeptTopic = "fuzz-kept";
        public static readonly IReadOnlyList<string> KeptValues = Enumerable.Range(1, 50).Select(i => $"kept-{i}").ToList();

        // No auto-creation: every mangled topic name in a Metadata or Produce would otherwise become a topic, which is
        // Kafka's documented behaviour, not bad input. Long polls capped at 1 s: a Fetch whose wait was mangled to
        // minutes would hold a fuzz connection that long and say nothing about bad input.
        private readonly KafkaBrokers _brokers = new(1, """
            akkakafka.broker.auto-create-topics = off
            akkakafka.broker.max-fetch-wait = 1s
            """, http: true);

        private int _serveRound;

        public int KafkaPort => _brokers.KafkaPorts[0];
        public int AkkaPort => _brokers.Ports[0];
        public int HttpPort => _brokers.Cluster.HttpPorts[0];
        public CliProcess Process => _brokers[_brokers.Ports[0]];

        public async Task InitializeAsync()
        {
            await _brokers.StartAllAsync();
            using var connection = await KafkaWireConnection.OpenAsync(KafkaPort);
            await connection.CreateTopicsAsync(Tail, TargetTopic, KeptTopic);
            var produced = await connection.ProduceAsync(KeptTopic, [.. KeptValues]);
            if (produced.ErrorCode != ErrorCode.None || produced.BaseOffset != 0)
                throw new InvalidOperationException($"records before fuzzing not written: {produced}\n{Tail()}");
        }

        /// <summary>Resident memory of the broker process (VmRSS).</summary>
        public long RssBytes()
        {
            var line = File.ReadLines($"/proc/{Process.Pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]) * 1024;
        }

        /// <summary>
        /// A Kafka client and an Akka client each produce a record and read the kept topic back from its start: the
        /// records acknowledged before fuzzing come first, in order, and the new ones after.
        /// </summary>
        public async Task AssertServesAsync(ITestOutputHelper output, string when)
        {
            var round = ++_serveRound;
            using var connection = await KafkaWireConnection.OpenAsync(KafkaPort);
            var kafkaValue = $"kafka-{round}";
            var produced = await connection.ProduceAsync(KeptTopic, kafkaValue);
            Assert.True(produced.ErrorCode == ErrorCode.None, $"{when}: Kafka produce answered {produced.ErrorCode}" + Tail());

            var akkaValue = $"akka-{round}";
            var akkaProduce = await _brokers.RunAsync(KafkaBroker.CommandTimeout, akkaValue + "\n", "produce", "--topic", KeptTopic, "--bootstrap", _brokers.Bootstrap);
            Assert.True(akkaProduce.ExitCode == 0, $"{when}: akkakafka produce failed: {akkaProduce}" + Tail());

            var fetched = await connection.AskAsync(ApiKey.Fetch, 11, 2, new FetchRequestData(-1, 100, 1, [new(KeptTopic, [new(0, 0, 4 * 1024 * 1024)])], MaxBytes: 4 * 1024 * 1024),
                (ref KafkaReader r) => FetchResponseData.Read(ref r, 11));
            var partition = Assert.Single(Assert.Single(fetched.Responses).Partitions);
            Assert.Equal(ErrorCode.None, partition.ErrorCode);
            var kafkaRead = RecordBatches.ReadRecords(partition.Records ?? ReadOnlyMemory<byte>.Empty).Select(r => Encoding.UTF8.GetString(r.Value!)).ToList();
            Assert.Equal(KeptValues, kafkaRead.Take(KeptValues.Count));
            Assert.Contains(kafkaValue, kafkaRead);

            var expected = KeptValues.Count + 2 * round;
            var akkaConsume = await _brokers.RunAsync(KafkaBroker.CommandTimeout, null, "consume", "--topic", KeptTopic, "--from-beginning",
                "--max-messages", expected.ToString(), "--timeout-ms", "30000", "--bootstrap", _brokers.Bootstrap);
            Assert.True(akkaConsume.ExitCode == 0, $"{when}: akkakafka consume failed: {akkaConsume}" + Tail());
            var akkaRead = akkaConsume.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(KeptValues, akkaRead.Take(KeptValues.Count));
            Assert.Contains(akkaValue, akkaRead);
            Assert.Contains(kafkaValue, akkaRead);
            output.WriteLine($"{when}: Kafka and Akka clients produced and read {akkaRead.Length} records of {KeptTopic}, the {KeptValues.Count} kept ones first");
        }

        public string Tail() => "\n" + _brokers.LogTails(60);

        public IEnumerable<string> LogLines() => _brokers.Logs(AkkaPort).Split('\n');

        /// <inheritdoc cref="BrokerLogCheck.AssertNoUnexpectedErrors"/>
        public int AssertNoUnexpectedErrors(Func<string, bool>? expected = null) => BrokerLogCheck.AssertNoUnexpectedErrors(_brokers.Logs(AkkaPort), Tail(), expected);

        public Task DisposeAsync()
        {
            _brokers.Dispose();
            return Task.CompletedTask;
        }
    }
}
