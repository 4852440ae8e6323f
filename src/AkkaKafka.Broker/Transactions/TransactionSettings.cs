using AkkaKafka.Protocol;

namespace AkkaKafka.Broker.Transactions;

/// <summary>The transaction coordinator's bounds (akkakafka.broker.transactions in broker.hocon, where their defaults are).</summary>
public sealed record TransactionSettings(TimeSpan MaxTimeout)
{
    public static TransactionSettings Create(Akka.Configuration.Config config)
    {
        // Read from akkakafka.broker so that a missing key is named in full (the transactions block would be empty).
        var broker = new SettingsBlock(config, "akkakafka.broker");
        var settings = new TransactionSettings(broker.TimeSpan("transactions.max-timeout", allowInfinite: false));
        // transaction.timeout.ms is an int of milliseconds on the wire.
        if (settings.MaxTimeout <= TimeSpan.Zero || settings.MaxTimeout.TotalMilliseconds > int.MaxValue)
            throw broker.Invalid("transactions.max-timeout", $"between 1ms and {int.MaxValue}ms, not {settings.MaxTimeout}");
        return settings;
    }
}
