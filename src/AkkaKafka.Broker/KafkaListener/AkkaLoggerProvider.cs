using Akka.Event;
using Microsoft.Extensions.Logging;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// Sends Kestrel's own warnings and errors (an exception that escaped a connection, a failed accept) to the broker's
/// Akka log, so nothing the listener does goes unseen; Kestrel's informational chatter is dropped.
/// </summary>
internal sealed class AkkaLoggerProvider(ILoggingAdapter log) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(log, categoryName);

    public void Dispose() { }

    private sealed class Logger(ILoggingAdapter log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var text = $"Kafka listener ({category}): {formatter(state, exception)}{(exception is null ? "" : ": " + exception.Message)}";
            if (logLevel >= LogLevel.Error) log.Error(exception, text);
            else log.Warning(text);
        }
    }
}
