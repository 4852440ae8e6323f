namespace AkkaKafka.Broker.Partition;

/// <summary>
/// The one rule for what a fetch returns, wherever the batches come from (the in-memory tail, the read cache, a
/// journal read): whole stored batches, oldest first, starting with the one that holds the fetch offset (so the first
/// may start before it), as many as fit in maxBytes but always at least one, as Kafka does since KIP-74 so a batch
/// larger than maxBytes never stalls a consumer.
/// </summary>
public static class FetchBatches
{
    /// <summary>Whole batches from <paramref name="batches"/> (already positioned at the one holding the offset) up to <paramref name="maxBytes"/>.</summary>
    public static List<byte[]> Take(IEnumerable<byte[]> batches, int maxBytes)
    {
        var result = new List<byte[]>();
        long bytes = 0;
        foreach (var batch in batches)
        {
            // Stop at the first batch that does not fit: taking a smaller one after it would leave a hole.
            if (result.Count > 0 && bytes + batch.Length > maxBytes) break;
            result.Add(batch);
            bytes += batch.Length;
        }
        return result;
    }

    /// <summary>The batches as one record set (a fetch response carries one contiguous run of bytes).</summary>
    public static byte[] Concat(IReadOnlyList<byte[]> batches)
    {
        if (batches.Count == 1) return batches[0];
        var total = 0;
        foreach (var b in batches) total += b.Length;
        var result = new byte[total];
        var position = 0;
        foreach (var b in batches)
        {
            b.CopyTo(result, position);
            position += b.Length;
        }
        return result;
    }
}
