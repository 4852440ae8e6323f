using System.Runtime.InteropServices;

namespace AkkaKafka.Client.Verification;

/// <summary>POSIX signals to broker processes, and whether a process still runs (a zombie does not).</summary>
public static class BrokerSignals
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigCont = 18;
    public const int SigStop = 19;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false if there is no such process (or no right to signal it).</summary>
    public static bool Send(int pid, int signal) => Kill(pid, signal) == 0;

    public static string Name(int signal) => signal switch
    {
        SigKill => "SIGKILL",
        SigTerm => "SIGTERM",
        SigCont => "SIGCONT",
        SigStop => "SIGSTOP",
        _ => $"signal {signal}",
    };

    /// <summary>
    /// Whether the process runs (or is stopped). A process that exited but whose parent has not reaped it yet (a
    /// zombie) answers kill(pid, 0) but will never run again, so /proc's state is read where there is one.
    /// </summary>
    public static bool IsAlive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (Directory.Exists("/proc/self"))
        {
            try
            {
                var text = File.ReadAllText(stat);
                // "pid (comm) S ...": the state follows the last ')' (comm may itself contain parentheses).
                var state = text[(text.LastIndexOf(')') + 2)..].FirstOrDefault();
                return state is not ('Z' or 'X' or 'x');
            }
            catch (IOException)
            {
                return false;
            }
        }
        return Kill(pid, 0) == 0;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
