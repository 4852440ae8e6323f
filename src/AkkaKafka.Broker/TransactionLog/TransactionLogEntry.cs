using System.Globalization;

namespace AkkaKafka.Broker.TransactionLog;

/// <summary>
/// One produce, fetch or commit request as the original "log of producer/consumer transactions" recorded it:
/// who (client id and address), what (topic, partition, offset range) and when. Published on the local event
/// stream by the actor that served the request; never crosses the network itself.
/// </summary>
public sealed record TransactionLogEntry(
    string Kind,
    string ClientId,
    string? ClientAddress,
    string Topic,
    int Partition,
    long FirstOffset,
    long LastOffset,
    int Records,
    long TimestampMs,
    string? Group = null)
{
    public const string Produce = "produce";
    public const string Fetch = "fetch";
    public const string Commit = "commit";

    /// <summary>Topics whose names start with "__" are internal; requests on them are not logged (reading the log would log itself).</summary>
    public static bool IsLogged(string topic) => !topic.StartsWith("__", StringComparison.Ordinal);

    public string ToLine()
    {
        var time = DateTimeOffset.FromUnixTimeMilliseconds(TimestampMs).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        var group = Group is null ? "" : $" group={Group}";
        var what = Kind == Commit ? $"offset={FirstOffset}" : $"offsets={FirstOffset}..{LastOffset} records={Records}";
        return $"{time} {Kind} client={ClientId} address={ClientAddress ?? "-"}{group} topic={Topic} partition={Partition} {what}";
    }
}
