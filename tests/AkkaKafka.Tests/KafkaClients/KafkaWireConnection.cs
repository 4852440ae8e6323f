using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Records;
using AkkaKafka.Tests.MultiNode.Support;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// A raw TCP connection to a broker's Kafka port, for specs that must send what no well-behaved client would:
/// requests are built with the protocol project's codec (or by hand, byte by byte) and answers read frame by frame.
/// Every read and write is bounded by <see cref="Timeout"/>.
/// </summary>
public sealed class KafkaWireConnection : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly TcpClient _client;
    private readonly NetworkStream _stream;

    private KafkaWireConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<KafkaWireConnection> OpenAsync(int port)
    {
        var client = new TcpClient { NoDelay = true };
        using var cts = new CancellationTokenSource(Timeout);
        await client.ConnectAsync("127.0.0.1", port, cts.Token);
        return new KafkaWireConnection(client);
    }

    /// <summary>A whole request frame: size, header (v1 or v2 as the API and version want), body.</summary>
    public static byte[] Frame(ApiKey key, short version, int correlationId, IKafkaRequest? body, string? clientId = "wire-spec")
    {
        var writer = new KafkaWriter();
        writer.Int32(0);
        new RequestHeader(key, version, correlationId, clientId).Write(writer);
        body?.Write(writer, version);
        writer.PatchInt32(0, writer.Length - 4);
        return writer.ToArray();
    }

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        using var cts = new CancellationTokenSource(Timeout);
        await _stream.WriteAsync(bytes, cts.Token);
        await _stream.FlushAsync(cts.Token);
    }

    public Task SendAsync(ApiKey key, short version, int correlationId, IKafkaRequest? body) =>
        SendAsync(Frame(key, version, correlationId, body));

    /// <summary>The next response frame's body (header included); null when the broker closed the connection.</summary>
    public async Task<byte[]?> ReceiveFrameAsync()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var size = new byte[4];
        if (!await ReadExactlyAsync(size, cts.Token)) return null;
        var length = BinaryPrimitives.ReadInt32BigEndian(size);
        if (length is < 4 or > 64 * 1024 * 1024) throw new InvalidDataException($"response frame of {length} bytes");
        var body = new byte[length];
        if (!await ReadExactlyAsync(body, cts.Token)) throw new EndOfStreamException($"connection closed inside a {length}-byte response");
        return body;
    }

    /// <summary>Reads the next answer as <paramref name="key"/> v<paramref name="version"/>: its correlation id and body.</summary>
    public async Task<(int CorrelationId, T Body)> ReceiveAsync<T>(ApiKey key, short version, KafkaReader.ElementReader<T> read)
    {
        var frame = await ReceiveFrameAsync() ?? throw new EndOfStreamException($"connection closed before the {key} v{version} answer");
        return Parse(frame, key, version, read);
    }

    public static (int CorrelationId, T Body) Parse<T>(byte[] frame, ApiKey key, short version, KafkaReader.ElementReader<T> read)
    {
        var reader = new KafkaReader(frame);
        var correlationId = ResponseHeader.Read(ref reader, key, version);
        var body = read(ref reader);
        reader.ExpectEnd($"{key} v{version} response");
        return (correlationId, body);
    }

    /// <summary>Sends one request and reads its answer, checking that the correlation id comes back.</summary>
    public async Task<T> AskAsync<T>(ApiKey key, short version, int correlationId, IKafkaRequest body, KafkaReader.ElementReader<T> read)
    {
        await SendAsync(key, version, correlationId, body);
        var (answered, response) = await ReceiveAsync(key, version, read);
        if (answered != correlationId) throw new InvalidDataException($"asked with correlation id {correlationId}, answered {answered}");
        return response;
    }

    /// <summary>How many bytes <see cref="IsClosedByBrokerAsync"/> read and dropped.</summary>
    public long BytesDiscarded { get; private set; }

    /// <summary>
    /// True when the broker closes this connection (end of stream or reset) within the timeout, discarding anything
    /// it still sends first; false when it stays open.
    /// </summary>
    public async Task<bool> IsClosedByBrokerAsync(TimeSpan? within = null)
    {
        using var cts = new CancellationTokenSource(within ?? Timeout);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var n = await _stream.ReadAsync(buffer, cts.Token);
                if (n == 0) return true;
                BytesDiscarded += n;
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true; // reset by the broker
        }
        catch (ObjectDisposedException)
        {
            return false; // this side closed it first
        }
    }

    private async Task<bool> ReadExactlyAsync(byte[] buffer, CancellationToken ct)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            int n;
            try
            {
                n = await _stream.ReadAsync(buffer.AsMemory(read), ct);
            }
            catch (IOException) when (read == 0)
            {
                return false;
            }
            if (n == 0)
            {
                if (read == 0) return false;
                throw new EndOfStreamException($"connection closed after {read} of {buffer.Length} bytes");
            }
            read += n;
        }
        return true;
    }

    /// <summary>
    /// Creates one-partition topics through the Kafka port itself (an akkakafka CLI client would leave Akka remoting's
    /// disconnect warnings, with exception text, in the log that the bad-input specs read); throws if one is refused.
    /// </summary>
    public async Task CreateTopicsAsync(Func<string> tail, params string[] topics)
    {
        var created = await AskAsync(ApiKey.CreateTopics, 4, 1,
            new CreateTopicsRequestData(topics.Select(t => new CreateTopicsRequestData.CreatableTopic(t, 1, 1, [], [])).ToList(), TimeoutMs: 30_000),
            (ref KafkaReader r) => CreateTopicsResponseData.Read(ref r, 4));
        if (created.Topics.FirstOrDefault(t => t.ErrorCode != ErrorCode.None) is { } failed)
            throw new InvalidOperationException($"topic {failed.Name} not created: {failed.ErrorCode} {failed.ErrorMessage}{tail()}");
    }

    /// <summary>
    /// Produces <paramref name="values"/> (one plain batch, acks=all) to partition 0; a new topic's partition may take a
    /// moment to start at its owner, so retriable errors are retried for up to 30 s. The partition's answer.
    /// </summary>
    public Task<ProduceResponseData.PartitionProduceResponse> ProduceAsync(string topic, params string[] values) =>
        Eventually.Async(TimeSpan.FromSeconds(30), async () =>
        {
            var answer = await AskAsync(ApiKey.Produce, 7, 1, new ProduceRequestData(-1, 10_000, [new(topic, [new(0, Batch(values))])]),
                (ref KafkaReader r) => ProduceResponseData.Read(ref r, 7));
            var partition = answer.Responses[0].Partitions[0];
            if (partition.ErrorCode is ErrorCode.LeaderNotAvailable or ErrorCode.NotLeaderOrFollower or ErrorCode.UnknownTopicOrPartition)
                throw new InvalidOperationException($"{topic}-0 not ready: {partition.ErrorCode}");
            return partition;
        });

    /// <summary>A plain RecordBatch v2 of keyless records with these UTF-8 values.</summary>
    public static byte[] Batch(params string[] values)
    {
        var builder = new RecordBatchBuilder();
        foreach (var value in values) builder.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, Encoding.UTF8.GetBytes(value));
        return builder.Build();
    }

    /// <summary>Half-closes: the broker reads the end of the requests (FIN) and may still answer them.</summary>
    public void ShutdownSend() => _client.Client.Shutdown(SocketShutdown.Send);

    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
    }
}
