using Akka.Configuration;
using Akka.Event;
using AkkaKafka.Protocol;

namespace AkkaKafka.Broker.Hosting;

/// <summary>
/// Where a broker's log goes (akkakafka.broker.log): every event at akka.loglevel into a size-rolled file, and only
/// those at <see cref="TerminalLevel"/> or above on the terminal, so the terminal shows the banner and the events that
/// matter (see <see cref="BrokerEvents"/>) instead of Akka's INFO chatter.
/// </summary>
public sealed class BrokerLogSettings
{
    public BrokerLogSettings(Config config)
    {
        var c = new SettingsBlock(config, "akkakafka.broker.log");
        var file = c.String("file");
        File = string.IsNullOrWhiteSpace(file) ? null : Path.GetFullPath(file);
        MaxFileBytes = c.ByteSize("max-file-size");
        MaxFiles = c.Int("max-files");
        TerminalLevel = ParseLevel(c.String("terminal-level"));
        if (MaxFileBytes < 1024) throw new ConfigurationException($"akkakafka.broker.log.max-file-size must be at least 1KiB, got {MaxFileBytes}");
        if (MaxFiles < 1) throw new ConfigurationException($"akkakafka.broker.log.max-files must be at least 1, got {MaxFiles}");
    }

    /// <summary>The log file (absolute); null: no file, everything at akka.loglevel goes to the terminal.</summary>
    public string? File { get; }
    /// <summary>Size at which the file is rolled (broker-4053.log → broker-4053.1.log …).</summary>
    public long MaxFileBytes { get; }
    /// <summary>Files kept, the current one included.</summary>
    public int MaxFiles { get; }
    /// <summary>Lowest level shown on the terminal (--verbose: INFO).</summary>
    public LogLevel TerminalLevel { get; }

    private static LogLevel ParseLevel(string text) => text.Trim().ToUpperInvariant() switch
    {
        "DEBUG" => LogLevel.DebugLevel,
        "INFO" => LogLevel.InfoLevel,
        "WARNING" or "WARN" => LogLevel.WarningLevel,
        "ERROR" => LogLevel.ErrorLevel,
        "OFF" => (LogLevel)int.MaxValue,
        _ => throw new ConfigurationException($"akkakafka.broker.log.terminal-level must be DEBUG, INFO, WARNING, ERROR or OFF, got '{text}'"),
    };
}
