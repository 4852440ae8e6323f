using System.Text;
using AkkaKafka.Protocol;

namespace AkkaKafka.Client.Consumer;

/// <summary>
/// A partition's fetches started failing (see <see cref="Consumer.OnFetchError"/>): told once when an error starts, and
/// again only for a different error or after fetches succeeded in between, never once per fetch. The consumer keeps
/// retrying by itself; this is for telling the reader why no records come.
/// </summary>
public sealed record FetchError(string Topic, int Partition, ErrorCode Error, string Reason)
{
    /// <summary>Kafka's name of the error (KAFKA_STORAGE_ERROR, REQUEST_TIMED_OUT…).</summary>
    public string KafkaName => KafkaNameOf(Error);

    /// <summary>One line for a person: "orders-2: KAFKA_STORAGE_ERROR (journal write failed: database or disk is full)".</summary>
    public override string ToString() => $"{Topic}-{Partition}: {KafkaName} ({Reason})";

    internal static string KafkaNameOf(ErrorCode error)
    {
        var name = error.ToString();
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i])) sb.Append('_');
            sb.Append(char.ToUpperInvariant(name[i]));
        }
        return sb.ToString();
    }
}
