using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace AkkaKafka.Client;

/// <summary>
/// Akka's log for client programs, on stderr (`akkakafka consume` writes records to stdout, and a remoting warning
/// printed there would end up in the user's data), as short lines a user can act on and never a stack trace:
/// errors as one line each, and the ClusterClient losing and regaining its broker as
/// "lost connection to 127.0.0.1:4053, reconnecting…" / "reconnected to 127.0.0.1:4054". Everything else (remoting
/// warnings about a dead broker that the client works around by itself) is left out: the command reports the outcome.
/// </summary>
public sealed partial class StandardErrorLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private bool _lost;

    public StandardErrorLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<Error>(e =>
        {
            // Remoting's errors in a client are about a broker going away ("Disassociated"), which the client works
            // around by itself and the reconnect line below already tells.
            if (!IsRemoting(e)) Console.Error.WriteLine(ErrorLine(e));
        });
        Receive<Info>(e =>
        {
            if (ReconnectLine(e.Message?.ToString() ?? "", ref _lost) is { } line) Console.Error.WriteLine(line);
        });
        Receive<LogEvent>(_ => { });
    }

    private static bool IsRemoting(Error e) =>
        e.LogClass?.Namespace?.StartsWith("Akka.Remote", StringComparison.Ordinal) == true
        || e.Cause?.GetType().Namespace?.StartsWith("Akka.Remote", StringComparison.Ordinal) == true;

    internal static string ErrorLine(Error e)
    {
        var message = (e.Message?.ToString() ?? "").ReplaceLineEndings(" ");
        return e.Cause is { } cause ? $"error: {message} ({cause.GetType().Name}: {cause.Message.ReplaceLineEndings(" ")})" : $"error: {message}";
    }

    /// <summary>
    /// ClusterClient's own INFO messages when it loses its receptionist ("Lost contact with [path], reestablishing
    /// connection", "Receptionist [path] is shutting down, reestablishing connection") and when it has one again
    /// ("Connected to [path]"), as one line for the user; null for every other message.
    /// </summary>
    internal static string? ReconnectLine(string message, ref bool lost)
    {
        var match = ReceptionistMessage().Match(message);
        if (!match.Success) return null;
        var endpoint = Endpoint(match.Groups["path"].Value);
        if (match.Groups["connected"].Success)
        {
            if (!lost) return null; // the first connection is no news
            lost = false;
            return $"reconnected to {endpoint}";
        }
        if (lost) return null; // one line per loss, however often the client retries
        lost = true;
        return $"lost connection to {endpoint}, reconnecting…";
    }

    /// <summary>"akka.tcp://akkakafka@127.0.0.1:4053/system/receptionist" → "127.0.0.1:4053".</summary>
    private static string Endpoint(string path) =>
        ActorPath.TryParse(path, out var parsed) && parsed.Address is { Host: { } host, Port: { } port } ? $"{host}:{port}" : path;

    // The receptionist appears as a path ("[akka.tcp://…/system/receptionist]") or as an actor ref, which prints itself
    // in brackets with its uid ("[[akka.tcp://…/system/receptionist#123]]").
    private const string Receptionist = @"\[\[?(?<path>[^\]\[#]+)(?:#-?\d+)?\]?\]";

    [GeneratedRegex(@"^(?:Lost contact with " + Receptionist + ", reestablishing|Receptionist " + Receptionist +
                    " is shutting down, reestablishing|(?<connected>Connected to) " + Receptionist + ")")]
    private static partial Regex ReceptionistMessage();
}
