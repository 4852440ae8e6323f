using AkkaKafka.Protocol;

namespace AkkaKafka.Broker.Transactions;

/// <summary>The transaction coordinator's bounds (akkakafka.broker.transactions in broker.hocon, where their defaults are).</summary>
/// <param name="MarkerRetryBackoff">How long the coordinator waits before writing a marker again that a partition did not take (owner moved or down, NOT_LEADER_OR_FOLLOWER), and before telling a group again.</param>
public sealed record TransactionSettings(TimeSpan MaxTimeout, TimeSpan MarkerRetryBackoff)
{
    public static TransactionSettings Create(Akka.Configuration.Config config)
    {
        // Read from akkakafka.broker so that a missing key is named in full (the transactions block would be empty).
        var broker = new SettingsBlock(config, "akkakafka.broker");
        var settings = new TransactionSettings(broker.TimeSpan("transactions.max-timeout", allowInfinite: false),
            broker.TimeSpan("transactions.marker-retry-backoff", allowInfinite: false));
        // transaction.timeout.ms is an int of milliseconds on the wire.
        if (settings.MaxTimeout <= TimeSpan.Zero || settings.MaxTimeout.TotalMilliseconds > int.MaxValue)
            throw broker.Invalid("transactions.max-timeout", $"between 1ms and {int.MaxValue}ms, not {settings.MaxTimeout}");
        if (settings.MarkerRetryBackoff <= TimeSpan.Zero)
            throw broker.Invalid("transactions.marker-retry-backoff", $"above 0, not {settings.MarkerRetryBackoff}");
        return settings;
    }
}
