using System.Globalization;
using System.Text;
using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace AkkaKafka.Broker.Hosting;

/// <summary>
/// A broker's Akka logger (akka.loggers): every event into a size-rolled file under the data directory, and warnings
/// and errors (or everything, with --verbose) on the terminal as one line each, an exception as its message only
/// (the file keeps the stack trace).
/// </summary>
/// <remarks>
/// Written here rather than taken from Serilog (Akka.Logger.Serilog + Serilog.Sinks.File): all it needs is one file
/// rolled by size and a level split between file and terminal, and Akka.Logger.Serilog trails the Akka version we pin.
/// A logger actor has a mailbox of its own and is the only writer of the file, so writing here needs no lock; a
/// failing disk costs the file, never the broker (the terminal keeps the warnings).
/// </remarks>
public sealed class BrokerLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private BrokerLogSettings? _settings;
    private StreamWriter? _file;
    private long _fileBytes;

    public BrokerLogger()
    {
        Receive<InitializeLogger>(_ =>
        {
            _settings = new BrokerLogSettings(Context.System.Settings.Config);
            OpenFile();
            Sender.Tell(new LoggerInitialized());
        });
        Receive<LogEvent>(Write);
    }

    protected override void PostStop()
    {
        _file?.Dispose();
        _file = null;
    }

    private void Write(LogEvent e)
    {
        var terminalLevel = _settings?.TerminalLevel ?? LogLevel.WarningLevel;
        if (_file is null || e.LogLevel() >= terminalLevel)
            (e.LogLevel() >= LogLevel.WarningLevel ? Console.Error : Console.Out).WriteLine(TerminalLine(e));
        if (_file is null) return;
        try
        {
            var line = e.ToString();
            _file.WriteLine(line);
            _fileBytes += Encoding.UTF8.GetByteCount(line) + 1;
            if (_fileBytes >= _settings!.MaxFileBytes) Roll();
        }
        catch (IOException ioe)
        {
            CloseFile($"cannot write the log file {_settings!.File}: {ioe.Message}; logging to the terminal only");
        }
    }

    /// <summary>"08:00:04 WARN  source: message" — the source shortened to the actor's path, an exception to its message.</summary>
    internal static string TerminalLine(LogEvent e)
    {
        var level = e.LogLevel() switch
        {
            LogLevel.ErrorLevel => "ERROR",
            LogLevel.WarningLevel => "WARN ",
            LogLevel.InfoLevel => "INFO ",
            _ => "DEBUG",
        };
        var source = e.LogSource ?? "";
        var slash = source.IndexOf("/user/", StringComparison.Ordinal) is var u and >= 0 ? u
            : source.IndexOf("/system/", StringComparison.Ordinal);
        if (slash >= 0) source = source[slash..];
        var message = OneLine(e.Message?.ToString() ?? "");
        if (e is Error { Cause: { } cause }) message += $" ({cause.GetType().Name}: {OneLine(cause.Message)})";
        return $"{e.Timestamp.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {level} {source}: {message}";
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    private void OpenFile()
    {
        if (_settings?.File is not { } path) return;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
            _fileBytes = stream.Length;
            _file = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            CloseFile($"cannot open the log file {path}: {ex.Message}; logging to the terminal only");
        }
    }

    /// <summary>broker.log → broker.1.log → … → broker.(max-1).log; the oldest is dropped.</summary>
    private void Roll()
    {
        var path = _settings!.File!;
        _file!.Dispose();
        _file = null;
        var stem = Path.Combine(Path.GetDirectoryName(path)!, Path.GetFileNameWithoutExtension(path));
        var ext = Path.GetExtension(path);
        string Numbered(int n) => $"{stem}.{n}{ext}";
        try
        {
            if (_settings.MaxFiles == 1)
                File.Delete(path);
            else
            {
                File.Delete(Numbered(_settings.MaxFiles - 1));
                for (var n = _settings.MaxFiles - 2; n >= 1; n--)
                    if (File.Exists(Numbered(n))) File.Move(Numbered(n), Numbered(n + 1));
                File.Move(path, Numbered(1));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Could not roll (a reader holds the file on Windows): keep appending to the same file.
            Console.Error.WriteLine($"warning: cannot roll the log file {path}: {ex.Message}");
        }
        OpenFile();
    }

    private void CloseFile(string why)
    {
        _file?.Dispose();
        _file = null;
        Console.Error.WriteLine($"warning: {why}");
    }
}
