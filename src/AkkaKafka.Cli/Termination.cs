using System.Runtime.InteropServices;

namespace AkkaKafka.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM, for every command, in one place: the first asks the running command to end (its
/// cancellation token), as kafka-console-consumer and a Kafka broker's controlled shutdown do; a client command still
/// running <see cref="GracePeriod"/> later is given up with the signal's exit code (130, 143), and a second signal ends
/// the process at once.
/// </summary>
/// <remarks>
/// The only SIGINT/SIGTERM handler of the process. .NET runs every handler of a signal in turn on one thread, and there
/// were three more: System.CommandLine's (ProcessTerminationTimeout, now off), Akka's CLR shutdown hook (off in
/// broker.hocon) and Kestrel's console lifetime (replaced in KestrelHosting). Akka's held the thread until the actor
/// system had terminated, so System.CommandLine's came after the command had returned and cancelled a token source the
/// invocation had disposed: "Unhandled exception. System.ObjectDisposedException" and exit 134 after a clean stop.
/// This token source lives as long as the process and is never disposed.
/// </remarks>
internal sealed class Termination
{
    /// <summary>
    /// Long enough for a consumer to commit and leave its group (its close takes up to 12 s), a producer to hear its
    /// last acknowledgements and a broker to hand its partitions over; the commands end by themselves well within it.
    /// </summary>
    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(15);

    private readonly CancellationTokenSource _requested = new();
    private readonly TaskCompletionSource<int> _givenUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Never disposed, as the token source: the handler must be there until the process's last instruction.
    private readonly PosixSignalRegistration[] _registrations;
    private int _signals;

    private Termination()
    {
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    public static Termination Register() => new();

    /// <summary>Cancelled by the first Ctrl-C or SIGTERM.</summary>
    public CancellationToken Requested => _requested.Token;

    /// <summary>
    /// The command's exit code, or the signal's (128 + its number) if the command has not returned
    /// <see cref="GracePeriod"/> after the signal. Not for a broker: Akka bounds each phase of its leaving, which under
    /// load may take longer as a whole, and a service manager has its own bound before SIGKILL.
    /// </summary>
    public async Task<int> WithinGracePeriodAsync(Task<int> command) => await await Task.WhenAny(command, _givenUp.Task);

    private void OnSignal(PosixSignalContext context)
    {
        // A second signal is meant: left uncancelled, .NET ends the process as the signal's default action would.
        if (Interlocked.Increment(ref _signals) > 1) return;
        context.Cancel = true;
        var exitCode = 128 + (context.Signal == PosixSignal.SIGINT ? 2 : 15);
        _ = Task.Delay(GracePeriod).ContinueWith(_ => _givenUp.TrySetResult(exitCode), TaskScheduler.Default);
        try
        {
            _requested.Cancel();
        }
        catch (AggregateException e)
        {
            // A command's callback failed while stopping: say so, but never let it abort the process from this thread.
            Console.Error.WriteLine($"error: while stopping: {e.InnerException?.Message ?? e.Message}");
        }
    }
}
