using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace AkkaKafka.Client;

/// <summary>
/// Akka's log for client programs, on stderr: `akkakafka consume` writes records to stdout, and a remoting warning
/// printed there by Akka's default stdout logger would end up in the user's data.
/// </summary>
public sealed class StandardErrorLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    public StandardErrorLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(e => Console.Error.WriteLine(e.ToString()));
    }
}
