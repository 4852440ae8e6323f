using System.Threading.Channels;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Records;

namespace AkkaKafka.Client.Consumer;

/// <summary>A record as the application receives it.</summary>
public sealed record ConsumerRecord(string Topic, int Partition, long Offset, long Timestamp, byte[]? Key, byte[]? Value, IReadOnlyList<RecordHeader> Headers);

/// <summary>Where to start reading a partition.</summary>
public abstract record StartPosition
{
    public sealed record Earliest : StartPosition;
    public sealed record Latest : StartPosition;
    public sealed record At(long Offset) : StartPosition;
}

/// <summary>
/// Reads assigned partitions with one long-poll fetch per partition at a time (no fixed-interval polling: the broker
/// answers as soon as records arrive). Records go into a bounded buffer; when the application falls behind the
/// fetchers wait, so neither the broker nor the consumer buffers without bound.
/// </summary>
public sealed class Consumer : IAsyncDisposable
{
    private readonly ClusterConnection _connection;
    private readonly Channel<ConsumerRecord> _buffer;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _fetchers = [];
    private readonly string _clientId;

    public Consumer(ClusterConnection connection, string? clientId = null)
    {
        _connection = connection;
        _clientId = clientId ?? $"consumer-{Environment.ProcessId}";
        _buffer = Channel.CreateBounded<ConsumerRecord>(new BoundedChannelOptions(connection.Settings.MaxBufferedRecords)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Starts reading the given partitions (all when null) of a topic; fails if the topic does not exist.</summary>
    public async Task<IReadOnlyList<int>> AssignAsync(string topic, StartPosition start, IReadOnlyList<int>? partitions = null, CancellationToken ct = default)
    {
        var admin = new AdminClient(_connection);
        var metadata = await admin.MetadataAsync([topic], autoCreate: false, ct);
        var deadline = DateTime.UtcNow + _connection.Settings.RequestTimeout;
        while (metadata.Version == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, ct);
            metadata = await admin.MetadataAsync([topic], autoCreate: false, ct);
        }
        var t = metadata.Topic(topic) ?? throw new KafkaException(ErrorCode.UnknownTopicOrPartition, $"topic '{topic}' does not exist");
        var chosen = partitions ?? Enumerable.Range(0, t.PartitionCount).ToList();
        foreach (var p in chosen)
            if (p < 0 || p >= t.PartitionCount)
                throw new KafkaException(ErrorCode.UnknownTopicOrPartition, $"topic '{topic}' has no partition {p}");
        foreach (var p in chosen)
        {
            var offset = await ResolveAsync(admin, topic, p, start, ct);
            _fetchers.Add(Task.Run(() => FetchLoopAsync(topic, p, offset, _stop.Token)));
        }
        return chosen;
    }

    private async Task<long> ResolveAsync(AdminClient admin, string topic, int partition, StartPosition start, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + _connection.Settings.RequestTimeout;
        while (true)
        {
            try
            {
                return start switch
                {
                    StartPosition.At at => at.Offset,
                    StartPosition.Earliest => await admin.ListOffsetAsync(topic, partition, ListOffsetsRequest.Earliest, ct),
                    _ => await admin.ListOffsetAsync(topic, partition, ListOffsetsRequest.Latest, ct),
                };
            }
            catch (KafkaException e) when (e.Error.IsRetriable() && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, ct);
            }
        }
    }

    /// <summary>The records of every assigned partition, in offset order within each partition.</summary>
    public IAsyncEnumerable<ConsumerRecord> ReadAllAsync(CancellationToken ct = default) => _buffer.Reader.ReadAllAsync(ct);

    private async Task FetchLoopAsync(string topic, int partition, long position, CancellationToken ct)
    {
        var settings = _connection.Settings;
        var maxWaitMs = (int)settings.FetchMaxWait.TotalMilliseconds;
        while (!ct.IsCancellationRequested)
        {
            FetchResponse response;
            try
            {
                response = await _connection.AskAsync<FetchResponse>(
                    new FetchRequest(topic, partition, position, settings.FetchMaxBytes, maxWaitMs, _clientId),
                    settings.FetchMaxWait + settings.RequestTimeout, ct);
            }
            catch (OperationCanceledException) { return; }
            catch (ClusterUnavailableException)
            {
                // A broker failing over or a moment without contact: keep trying, the cluster client reconnects.
                await Delay(500, ct);
                continue;
            }

            switch (response.Error)
            {
                case ErrorCode.None:
                    foreach (var record in RecordBatches.ReadRecords(response.Records))
                    {
                        if (record.Offset < position) continue; // a batch may start before the requested offset
                        await _buffer.Writer.WriteAsync(new ConsumerRecord(topic, partition, record.Offset, record.Timestamp, record.Key, record.Value, record.Headers), ct);
                        position = record.Offset + 1;
                    }
                    break;
                case ErrorCode.OffsetOutOfRange when position < response.LogStartOffset:
                    // Retention removed what we wanted to read: continue from the oldest record left (auto.offset.reset=earliest).
                    position = response.LogStartOffset;
                    break;
                case ErrorCode.OffsetOutOfRange:
                    position = response.HighWatermark;
                    break;
                default:
                    await Delay(200, ct);
                    break;
            }
        }
    }

    private static async Task Delay(int ms, CancellationToken ct)
    {
        try { await Task.Delay(ms, ct); } catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await Task.WhenAll(_fetchers); } catch (OperationCanceledException) { }
        _buffer.Writer.TryComplete();
    }
}
