using AkkaKafka.Protocol;

namespace AkkaKafka.Broker.Transactions;

/// <summary>The transaction coordinator's bounds (akkakafka.broker.transactions in broker.hocon, where their defaults are).</summary>
public sealed record TransactionSettings(TimeSpan MaxTimeout, TimeSpan IdExpiration)
{
    public static TransactionSettings Create(Akka.Configuration.Config config)
    {
        var block = new SettingsBlock(config, "akkakafka.broker.transactions");
        var settings = new TransactionSettings(block.TimeSpan("max-timeout", allowInfinite: false), block.TimeSpan("id-expiration", allowInfinite: false));
        // transaction.timeout.ms is an int of milliseconds on the wire.
        if (settings.MaxTimeout <= TimeSpan.Zero || settings.MaxTimeout.TotalMilliseconds > int.MaxValue)
            throw block.Invalid("max-timeout", $"between 1ms and {int.MaxValue}ms, not {settings.MaxTimeout}");
        return settings;
    }
}
