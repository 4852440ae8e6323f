using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using AkkaKafka.Broker.Http;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using Xunit;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// Bad input on the broker's other two ports, against one real broker (the same fixture as the Kafka listener fuzz):
/// the Akka remoting port gets random bytes, lying length prefixes, cut-off and garbled association handshakes (one
/// claiming to be the broker itself) and connections dropped by the hundred; the HTTP port gets random bytes, broken
/// request lines, huge headers, half requests held open, and every method on every endpoint. Afterwards the broker
/// serves Kafka and Akka clients with its records intact, is still an Up member of its cluster that quarantined
/// nothing of its own, stayed within a memory bound, and logged no unhandled exception. A seeded run
/// (AKKAKAFKA_FUZZ_SEED to replay; AKKAKAFKA_GARBAGE_ROUNDS, 1 by default, for more of everything).
/// </summary>
[Collection(KafkaClientsCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class BrokerPortGarbageSpecs(KafkaListenerFuzzSpecs.Broker broker, ITestOutputHelper output)
    : IClassFixture<KafkaListenerFuzzSpecs.Broker>
{
    private const long MaxRssGrowthBytes = 100L * 1024 * 1024;

    /// <summary>How long one garbage connection may wait for the broker to react before the spec drops it.</summary>
    private static readonly TimeSpan ConnectionBound = TimeSpan.FromSeconds(3);

    /// <summary>The bound on a well-behaved request while garbage is held open: generous for 2 busy cores.</summary>
    private static readonly TimeSpan AnswerBound = TimeSpan.FromSeconds(15);

    private static readonly string[] Endpoints =
    [
        "/metrics", "/health/live", "/health/ready", "/api/cluster", "/api/topics", "/api/partitions/local", "/api/groups",
        "/api/topics/fuzz-kept", "/api/topics/%00%FF", "/api/topics/..%2F..%2Fetc", "/", "/console.js", "/console.css", "/no-such-page",
        "/api/topics/" + new string('x', 8000), "/metrics?" + new string('&', 200), "/api//topics", "/api/topics/" + Uri.EscapeDataString("\u0000\u202e\ud83d\ude00"),
    ];

    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "FUZZ", "G\u00e9T"];

    [Fact]
    public async Task Garbage_on_the_remoting_and_HTTP_ports_leaves_the_broker_serving_an_Up_member_with_its_data_intact()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("AKKAKAFKA_FUZZ_SEED"), out var fixedSeed) ? fixedSeed : Random.Shared.Next();
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("AKKAKAFKA_GARBAGE_ROUNDS"), out var r) && r > 0 ? r : 1;
        output.WriteLine($"garbage seed {seed} (replay with AKKAKAFKA_FUZZ_SEED={seed}), {rounds} round(s)");
        var random = new Random(seed);

        await broker.AssertServesAsync(output, "before garbage");
        var rssBefore = broker.RssBytes();
        var clock = Stopwatch.StartNew();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{broker.HttpPort}"), Timeout = AnswerBound };

        for (var round = 0; round < rounds; round++)
        {
            var remoting = await RemotingGarbageAsync(random);
            output.WriteLine($"round {round + 1}: remoting port: {remoting} connections of garbage");
            await AssertAnswersAsync(http, "after remoting garbage");

            var raw = await HttpGarbageAsync(random);
            var statuses = await EveryMethodOnEveryEndpointAsync(http, random);
            output.WriteLine($"round {round + 1}: HTTP port: {raw} raw garbage connections; every method on every endpoint answered {statuses}");
            await AssertAnswersAsync(http, "after HTTP garbage");

            var held = await HalfRequestsHeldOpenAsync(http, random);
            output.WriteLine($"round {round + 1}: {held} half requests held open while the broker kept answering");
        }
        output.WriteLine($"garbage sent in {clock.Elapsed.TotalSeconds:0.0} s; broker RSS {rssBefore / 1048576} MiB before, {broker.RssBytes() / 1048576} MiB after");

        Assert.False(broker.Process.HasExited, "the broker died of garbage" + broker.Tail());
        await AssertStillUpAsync(http);
        var remotingErrors = broker.AssertNoUnexpectedErrors(IsRemotingRefusingGarbage);
        output.WriteLine($"{remotingErrors} log entries of Akka.Remote refusing garbage (its own, caught: the connection closes)");
        await broker.AssertServesAsync(output, "after garbage");
        var rssAfter = broker.RssBytes();
        Assert.True(rssAfter - rssBefore < MaxRssGrowthBytes, $"broker RSS grew from {rssBefore / 1048576} MiB to {rssAfter / 1048576} MiB" + broker.Tail());
    }

    /// <summary>Every kind of garbage on the remoting port, each on its own connection; how many connections.</summary>
    private async Task<int> RemotingGarbageAsync(Random random)
    {
        var port = broker.AkkaPort;
        var sends = new List<byte[]>();
        // Random bytes, short and long.
        for (var i = 0; i < 40; i++) sends.Add(RandomBytes(random, random.Next(1, 8192)));
        // Lying length prefixes: past maximum-frame-size (8 MiB), int.MaxValue, negative, zero, longer than what follows.
        foreach (var length in new[] { int.MaxValue, 8 * 1024 * 1024 + 1, 64 * 1024 * 1024, -1, int.MinValue, 0, 1000 })
        {
            sends.Add([.. BitConverter.GetBytes(length), .. RandomBytes(random, random.Next(0, 512))]);
            sends.Add([.. BigEndian(length), .. RandomBytes(random, random.Next(0, 512))]);
        }
        // Association handshakes: cut anywhere, then garbage; whole, then garbage frames; one from a node that never
        // existed; and one claiming to be the broker itself (another uid), followed by a quarantine notice for it.
        var stranger = Associate("akkakafka", "127.0.0.1", 1, (ulong)random.NextInt64());
        var impostor = Associate(Names.BrokerSystem, "127.0.0.1", port, (ulong)random.NextInt64());
        for (var i = 0; i < 30; i++) sends.Add([.. stranger.AsSpan(0, random.Next(1, stranger.Length)), .. RandomBytes(random, random.Next(0, 256))]);
        for (var i = 0; i < 10; i++) sends.Add([.. stranger, .. Framed(RandomBytes(random, random.Next(1, 512))), .. RandomBytes(random, random.Next(0, 64))]);
        sends.Add([.. impostor, .. Framed(Control(commandType: 5)), .. Framed(Control(commandType: 3))]);
        sends.Add([.. stranger, .. Framed(Control(commandType: 5))]);
        sends.Add([.. impostor, .. Framed(RandomBytes(random, 300))]);
        sends.Add([.. Associate("wrong-system", "no-such-host.invalid", 65535, 0), .. Framed(Control(commandType: 2))]);
        // Flipped bytes in an otherwise real handshake.
        for (var i = 0; i < 20; i++)
        {
            var flipped = (byte[])stranger.Clone();
            for (var f = random.Next(1, 4); f > 0; f--) flipped[random.Next(4, flipped.Length)] ^= (byte)random.Next(1, 256);
            sends.Add(flipped);
        }

        foreach (var bytes in sends) await SendThenDropAsync(port, bytes, reset: random.Next(2) == 0);
        // Many connections opened and dropped at once, half of them reset.
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => SendThenDropAsync(port, [], reset: i % 2 == 0)));
        return sends.Count + 200;
    }

    /// <summary>Raw garbage on the HTTP port: random bytes, broken request lines and headers, huge headers.</summary>
    private async Task<int> HttpGarbageAsync(Random random)
    {
        var sends = new List<byte[]>();
        for (var i = 0; i < 30; i++) sends.Add(RandomBytes(random, random.Next(1, 8192)));
        string[] requests =
        [
            "GET\r\n\r\n", "GET / HTTP/9.9\r\nHost: x\r\n\r\n", "\0\u0001 / HTTP/1.1\r\n\r\n", "GET /metrics HTTP/1.1\r\n\r\n",
            "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
            "POST /api/topics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{\"na",
            "POST /api/topics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
            "POST /api/topics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "GET /health/live HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", "GET /health/live HTTP/1.1\r\nHost x\r\n\r\n",
            "GET /health/live HTTP/1.1\nHost: x\n\n", "GET /health/live\rHTTP/1.1\r\n\r\n", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            "GET /../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", "GET http://evil/ HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET " + new string('a', 100_000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + new string('b', 1024 * 1024) + "\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\n" + string.Concat(Enumerable.Range(0, 5000).Select(i => $"X-{i}: {i}\r\n")) + "\r\n",
        ];
        sends.AddRange(requests.Select(r => Encoding.Latin1.GetBytes(r)));
        // Valid requests with a byte flipped here and there.
        for (var i = 0; i < 30; i++)
        {
            var bytes = Encoding.ASCII.GetBytes($"GET {Endpoints[random.Next(Endpoints.Length)]} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            for (var f = random.Next(1, 4); f > 0; f--) bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
            sends.Add(bytes);
        }
        foreach (var bytes in sends) await SendThenDropAsync(broker.HttpPort, bytes, reset: random.Next(2) == 0);
        return sends.Count;
    }

    /// <summary>
    /// Every method on every endpoint, with a random body: an answer for each (a refusal is fine, a 500 is an
    /// exception escaping a handler; only readiness may answer 503). A summary of the statuses.
    /// </summary>
    private async Task<string> EveryMethodOnEveryEndpointAsync(HttpClient http, Random random)
    {
        var statuses = new SortedDictionary<int, int>();
        foreach (var path in Endpoints)
        foreach (var method in Methods)
        {
            if (method == "G\u00e9T") continue; // HttpClient refuses it; the raw garbage above sends its like
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method is not ("GET" or "HEAD" or "TRACE"))
                request.Content = new ByteArrayContent(RandomBytes(random, random.Next(0, 2048))) { Headers = { { "Content-Type", "application/json" } } };
            using var response = await http.SendAsync(request);
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            Assert.True(status < 500 || status == 503 && path == "/health/ready",
                $"{method} {path[..Math.Min(path.Length, 80)]} answered {status}: {await response.Content.ReadAsStringAsync()}" + broker.Tail());
        }
        return string.Join(", ", statuses.Select(s => $"{s.Value}x {s.Key}"));
    }

    /// <summary>
    /// Slowloris, bounded: half requests (headers never finished, a body shorter than promised) held open on many
    /// connections, a byte now and then, while well-behaved HTTP and Kafka requests must still be answered.
    /// </summary>
    private async Task<int> HalfRequestsHeldOpenAsync(HttpClient http, Random random)
    {
        const int held = 100;
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < held; i++)
            {
                var socket = await ConnectAsync(broker.HttpPort);
                sockets.Add(socket);
                var half = i % 2 == 0
                    ? "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: "
                    : "POST /api/topics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{";
                await socket.SendAsync(Encoding.ASCII.GetBytes(half).AsMemory(), SocketFlags.None, CancellationToken.None);
            }
            for (var drip = 0; drip < 3; drip++)
            {
                foreach (var socket in sockets.Where(s => s.Connected))
                {
                    try { await socket.SendAsync("a"u8.ToArray().AsMemory(), SocketFlags.None, CancellationToken.None); }
                    catch (SocketException) { /* the broker gave up on this one, as it may */ }
                }
                await AssertAnswersAsync(http, $"with {held} half requests held open");
            }
        }
        finally
        {
            foreach (var socket in sockets) socket.Dispose();
        }
        return held;
    }

    /// <summary>A well-behaved HTTP request and a Kafka ApiVersions, each answered within <see cref="AnswerBound"/>.</summary>
    private async Task AssertAnswersAsync(HttpClient http, string when)
    {
        using (var live = await http.GetAsync("/health/live"))
            Assert.True(live.IsSuccessStatusCode, $"{when}: /health/live answered {(int)live.StatusCode}" + broker.Tail());
        using var kafka = await KafkaWireConnection.OpenAsync(broker.KafkaPort);
        var answer = kafka.AskAsync(ApiKey.ApiVersions, 3, 1, new ApiVersionsRequestData("garbage-spec", "1.0"), (ref KafkaReader r) => ApiVersionsResponseData.Read(ref r, 3));
        Assert.True(await Task.WhenAny(answer, Task.Delay(AnswerBound)) == answer, $"{when}: ApiVersions unanswered after {AnswerBound.TotalSeconds:0} s" + broker.Tail());
        Assert.Equal(ErrorCode.None, (await answer).ErrorCode);
    }

    /// <summary>The broker is still an Up, reachable member of its cluster, and quarantined nothing at its own address.</summary>
    private async Task AssertStillUpAsync(HttpClient http)
    {
        var cluster = await http.GetFromJsonAsync<ClusterView>("/api/cluster", new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));
        Assert.NotNull(cluster);
        var self = Assert.Single(cluster.Members, m => m.Id == cluster.Self);
        Assert.True(self is { Status: "Up", Reachable: true }, $"the broker is {self.Status}, reachable {self.Reachable}, after garbage" + broker.Tail());
        Assert.Equal(cluster.Self, cluster.Leader);
        var selfAddress = $"127.0.0.1:{broker.AkkaPort}";
        // The impostor's claims show up in the log ("The remote system has quarantined this system", "ignored"); what must
        // not is the broker acting on one: quarantining a uid at its own address, or downing itself.
        var quarantined = broker.LogLines().Where(l => l.Contains(selfAddress, StringComparison.Ordinal)
            && (l.Contains("is now quarantined", StringComparison.OrdinalIgnoreCase) || l.Contains("Downing it", StringComparison.Ordinal))).ToList();
        Assert.True(quarantined.Count == 0, "the broker quarantined its own address:\n" + string.Join("\n", quarantined.Take(10)) + broker.Tail());
    }

    /// <summary>
    /// Akka.Remote's own lines for garbage on its port: it catches what its frame decoder (DotNetty) or its PDU codec
    /// (protobuf) cannot read, logs it as an error with the exception, and drops the connection; associations from
    /// nodes that never existed fail and are gated. Handled, all of them, and about nothing but that connection.
    /// </summary>
    private static bool IsRemotingRefusingGarbage(string entry) =>
        entry.Contains("Error caught channel", StringComparison.Ordinal)
        || entry.Contains("Error while decoding incoming Akka PDU", StringComparison.Ordinal)
        || entry.Contains("/system/endpointManager/", StringComparison.Ordinal)
        || entry.Contains("/system/transports/", StringComparison.Ordinal)
        || entry.Contains("[remoting (akka://", StringComparison.Ordinal)
        || entry.Contains("is no broker of this cluster: ignored", StringComparison.Ordinal);

    /// <summary>Connects, sends, waits a moment for the broker's reaction (it may close), and drops the connection.</summary>
    private static async Task SendThenDropAsync(int port, byte[] bytes, bool reset)
    {
        using var socket = await ConnectAsync(port);
        using var bounded = new CancellationTokenSource(ConnectionBound);
        try
        {
            if (bytes.Length > 0) await socket.SendAsync(bytes, SocketFlags.None, bounded.Token);
            // Read whatever the broker answers until it closes or the bound passes: the answer does not matter here,
            // only that the broker survives. Resetting (linger 0) drops anything unread with an RST instead of a FIN.
            var buffer = new byte[16 * 1024];
            if (bytes.Length > 0)
                while (await socket.ReceiveAsync(buffer, SocketFlags.None, bounded.Token) > 0) { }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
        }
        if (reset) socket.LingerState = new LingerOption(true, 0);
    }

    private static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var connecting = new CancellationTokenSource(KafkaWireConnection.Timeout);
        await socket.ConnectAsync("127.0.0.1", port, connecting.Token);
        return socket;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] BigEndian(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>Akka.Remote's DotNetty framing: a 4-byte little-endian length, then the PDU.</summary>
    private static byte[] Framed(byte[] pdu) => [.. BitConverter.GetBytes(pdu.Length), .. pdu];

    /// <summary>
    /// An association handshake as Akka.Remote's transport sends it first on a connection: AkkaProtocolMessage
    /// { instruction: AkkaControlMessage { ASSOCIATE, AkkaHandshakeInfo { origin: AddressData, uid } } } (WireFormats.proto),
    /// written field by field so the spec needs no access to Akka's internal serializers.
    /// </summary>
    private static byte[] Associate(string system, string host, int port, ulong uid)
    {
        var address = Concat(Text(1, system), Text(2, host), [0x18, .. Varint((ulong)port)], Text(4, "tcp"));
        var handshake = Concat(Length(1, address), [0x11, .. BitConverter.GetBytes(uid)]);
        return Framed(Control(1, handshake));
    }

    /// <summary>AkkaProtocolMessage with an AkkaControlMessage of <paramref name="commandType"/> (1 associate, 2 disassociate, 3 heartbeat, 5 quarantined).</summary>
    private static byte[] Control(int commandType, byte[]? handshake = null)
    {
        var control = Concat([0x08, .. Varint((ulong)commandType)], handshake is null ? [] : Length(2, handshake));
        return Length(2, control);
    }

    private static byte[] Text(int field, string value) => Length(field, Encoding.UTF8.GetBytes(value));

    private static byte[] Length(int field, byte[] value) => [(byte)(field << 3 | 2), .. Varint((ulong)value.Length), .. value];

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        } while (value != 0);
        return [.. bytes];
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
