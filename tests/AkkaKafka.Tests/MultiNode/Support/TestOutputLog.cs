using Akka.Actor;
using Akka.Event;
using Xunit.Abstractions;

namespace AkkaKafka.Tests.MultiNode.Support;

/// <summary>
/// Copies a node's log into the test's output, prefixed with the node's name: every broker's ActorSystem is called
/// "akkakafka", so without the prefix a failed spec's log would not say which node wrote what.
/// </summary>
public static class TestOutputLog
{
    public static void Attach(ActorSystem system, ITestOutputHelper output, string node)
    {
        var writer = system.ActorOf(Props.Create(() => new Writer(output, node)), "test-output-log");
        system.EventStream.Subscribe(writer, typeof(LogEvent));
    }

    private sealed class Writer : ReceiveActor
    {
        public Writer(ITestOutputHelper output, string node)
        {
            Receive<LogEvent>(e =>
            {
                if (e.LogLevel() < LogLevel.InfoLevel) return;
                try
                {
                    output.WriteLine($"[{node}] {e}");
                }
                catch (InvalidOperationException)
                {
                    // The test has already finished (a node logging while it shuts down): nowhere to write.
                }
            });
        }
    }
}
