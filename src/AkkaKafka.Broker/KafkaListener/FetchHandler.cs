using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using static AkkaKafka.Protocol.Kafka.Apis.FetchResponseData;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// Kafka Fetch v4–11 over the partition owners' fetches: stored batches are returned as they are (whole batches,
/// the first may start before the fetch offset), up to each partition's max bytes and the request's max bytes (at
/// least one batch, KIP-74). When less than min_bytes is there, the request waits up to max_wait_ms for new records
/// (the owners park the fetch, as for the Akka consumers). No fetch sessions (session id 0: every fetch is full).
/// isolation_level read_committed returns records only below each partition's last stable offset, with the aborted
/// transactions of the returned range; every answer carries the LSO. Transaction markers are returned as stored
/// (Kafka's clients skip control batches).
/// </summary>
internal static class FetchHandler
{
    private sealed record Slot(string Topic, FetchRequestData.FetchPartition Partition)
    {
        public FetchResponse? Result { get; set; }
        public int Bytes => Result?.Records.Length ?? 0;
    }

    public static async Task<FetchResponseData> HandleAsync(KafkaNode node, KafkaRequestContext context, FetchRequestData request)
    {
        var slots = request.Topics.SelectMany(t => t.Partitions.Select(p => new Slot(t.Topic, p))).ToList();
        if (context.Version < 4)
        {
            foreach (var s in slots) s.Result = Error(s, ErrorCode.UnsupportedVersion);
            return Build(request, slots, int.MaxValue);
        }

        // First look: what is there now.
        var isolation = request.IsolationLevel == (sbyte)IsolationLevel.ReadCommitted ? IsolationLevel.ReadCommitted : IsolationLevel.ReadUncommitted;
        await Task.WhenAll(slots.Select(async s => s.Result = await FetchAsync(node, context, s, maxWaitMs: 0, isolation)));
        var minBytes = Math.Max(1, request.MinBytes);
        var maxWait = Math.Clamp(request.MaxWaitMs, 0, (int)node.Settings.MaxFetchWait.TotalMilliseconds);
        if (maxWait > 0 && slots.Count > 0 && slots.All(s => s.Result!.Error == ErrorCode.None) && slots.Sum(s => s.Bytes) < minBytes)
            await LongPollAsync(node, context, slots, minBytes, maxWait, isolation);
        return Build(request, slots, request.MaxBytes <= 0 ? int.MaxValue : request.MaxBytes);
    }

    /// <summary>
    /// Waits on the partitions that had nothing until together they have min_bytes or max_wait passes. Owners answer a
    /// parked fetch as soon as a produce arrives; answers that come after the deadline are dropped (nothing was
    /// consumed: the client fetches from the same offset again).
    /// </summary>
    private static async Task LongPollAsync(KafkaNode node, KafkaRequestContext context, List<Slot> slots, int minBytes, int maxWait, IsolationLevel isolation)
    {
        var deadline = Task.Delay(maxWait);
        var waiting = slots.Where(s => s.Bytes == 0)
            .Select(s => (Slot: s, Fetch: FetchAsync(node, context, s, maxWait, isolation)))
            .ToList();
        var pending = waiting.Select(w => (Task)w.Fetch).Append(deadline).ToList();
        while (waiting.Count > 0)
        {
            var done = await Task.WhenAny(pending);
            if (done == deadline) break;
            pending.Remove(done);
            var (slot, fetch) = waiting.First(w => w.Fetch == done);
            waiting.RemoveAll(w => w.Fetch == done);
            var result = await fetch;
            // A long poll that ended without records keeps the first answer (same offsets, no error).
            if (result.Error != ErrorCode.None || result.Records.Length > 0) slot.Result = result;
            if (result.Error != ErrorCode.None || slots.Sum(s => s.Bytes) >= minBytes) break;
        }
    }

    private static Task<FetchResponse> FetchAsync(KafkaNode node, KafkaRequestContext context, Slot slot, int maxWaitMs, IsolationLevel isolation)
    {
        var maxBytes = Math.Clamp(slot.Partition.PartitionMaxBytes, 1, node.Settings.MaxFetchBytes);
        var fetch = new FetchRequest(slot.Topic, slot.Partition.Partition, slot.Partition.FetchOffset, maxBytes, maxWaitMs, context.ClientId, context.ClientAddress,
            isolation);
        return node.AskOwnerAsync<FetchResponse>(fetch, node.Broker.RequestTimeout + TimeSpan.FromMilliseconds(maxWaitMs));
    }

    private static FetchResponse Error(Slot slot, ErrorCode error) => new(slot.Topic, slot.Partition.Partition, error, -1, -1, []);

    /// <summary>The response in request order, cut to max_bytes: partitions past the limit answer no records this time.</summary>
    private static FetchResponseData Build(FetchRequestData request, List<Slot> slots, int maxBytes)
    {
        var total = 0L;
        var byTopic = new List<FetchableTopicResponse>();
        foreach (var topic in slots.GroupBy(s => s.Topic))
        {
            var partitions = new List<PartitionData>();
            foreach (var s in topic)
            {
                var r = s.Result!;
                var records = (ReadOnlyMemory<byte>)r.Records;
                var aborted = r.AbortedTransactions;
                if (records.Length > 0 && total > 0 && total + records.Length > maxBytes)
                {
                    records = ReadOnlyMemory<byte>.Empty;
                    aborted = aborted is null ? null : [];
                }
                total += records.Length;
                // An owner that does not say (an error reply) has no LSO to tell: -1, as Kafka answers with an error. The
                // aborted transactions are null for read_uncommitted, as Kafka sends them (KafkaApis: orElse(null)).
                partitions.Add(new PartitionData(s.Partition.Partition, r.Error, r.HighWatermark, records,
                    LastStableOffset: r.LastStableOffset, LogStartOffset: r.LogStartOffset,
                    AbortedTransactions: aborted?.Select(a => new FetchResponseData.AbortedTransaction(a.ProducerId, a.FirstOffset)).ToList()));
            }
            byTopic.Add(new FetchableTopicResponse(topic.Key, partitions));
        }
        return new FetchResponseData(byTopic);
    }
}
