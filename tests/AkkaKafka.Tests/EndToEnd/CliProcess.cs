using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using AkkaKafka.Tests.MultiNode.Support;

namespace AkkaKafka.Tests.EndToEnd;

/// <summary>
/// Runs the real akkakafka program (built beside the tests) as a child process: brokers that keep running until
/// killed, or commands that run to completion. Every wait is bounded and every process is killed on dispose.
/// </summary>
public sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly object _lock = new();

    private CliProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_lock) _stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_lock) _stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public string Stdout { get { lock (_lock) return _stdout.ToString(); } }
    public string Stderr { get { lock (_lock) return _stderr.ToString(); } }

    public static string Executable => Path.Combine(RepoRoot, "src", "AkkaKafka.Cli", "bin", Configuration, "net10.0", "akkakafka.dll");

    private static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AkkaKafka.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("cannot find AkkaKafka.sln above " + AppContext.BaseDirectory);
        }
    }

    public static CliProcess Start(string workingDirectory, params string[] args) => StartWithInput(workingDirectory, redirectInput: false, args);

    public static CliProcess StartWithInput(string workingDirectory, bool redirectInput, params string[] args)
    {
        if (!File.Exists(Executable)) throw new FileNotFoundException("akkakafka is not built", Executable);
        return StartProgram("dotnet", [Executable, .. args], workingDirectory, redirectInput);
    }

    /// <summary>Any program as a child process with its output captured (kcat, node): the same bounded waits and kills as akkakafka.</summary>
    /// <param name="environment">Variables set for the child only (secrets passed as a user would, never in this process's environment).</param>
    public static CliProcess StartProgram(string program, IEnumerable<string> args, string workingDirectory, bool redirectInput,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        var child = new CliProcess(process);
        if (!redirectInput) process.StandardInput.Close();
        return child;
    }

    /// <summary>Runs a command to completion (killing it after <paramref name="timeout"/>) with optional stdin.</summary>
    public static Task<CliResult> RunAsync(string workingDirectory, TimeSpan timeout, string? stdin, params string[] args) =>
        CompleteAsync(StartWithInput(workingDirectory, redirectInput: true, args), timeout, stdin);

    /// <summary>Runs a command to completion with <paramref name="environment"/> set for it alone.</summary>
    public static Task<CliResult> RunWithEnvironmentAsync(string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string> environment,
        string? stdin, params string[] args) =>
        CompleteAsync(StartProgram("dotnet", [Executable, .. args], workingDirectory, redirectInput: true, environment), timeout, stdin);

    /// <summary>Runs a command to completion (killing it after <paramref name="timeout"/>) with raw bytes, not text, on stdin.</summary>
    public static async Task<CliResult> RunWithBytesAsync(string workingDirectory, TimeSpan timeout, byte[] stdin, params string[] args)
    {
        using var cli = StartWithInput(workingDirectory, redirectInput: true, args);
        await cli._process.StandardInput.BaseStream.WriteAsync(stdin);
        await cli._process.StandardInput.BaseStream.FlushAsync();
        cli._process.StandardInput.Close();
        var exited = await cli.WaitForExitAsync(timeout);
        return new CliResult(exited ? cli._process.ExitCode : -1, cli.Stdout, cli.Stderr, !exited);
    }

    /// <summary>Runs any program to completion (killing it after <paramref name="timeout"/>) with optional stdin.</summary>
    public static Task<CliResult> RunProgramAsync(string program, IEnumerable<string> args, TimeSpan timeout, string? stdin, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null) =>
        CompleteAsync(StartProgram(program, args, workingDirectory ?? Directory.GetCurrentDirectory(), redirectInput: true, environment), timeout, stdin);

    private static async Task<CliResult> CompleteAsync(CliProcess started, TimeSpan timeout, string? stdin)
    {
        using var cli = started;
        if (stdin is not null) await cli._process.StandardInput.WriteAsync(stdin);
        cli._process.StandardInput.Close();
        var exited = await cli.WaitForExitAsync(timeout);
        return new CliResult(exited ? cli._process.ExitCode : -1, cli.Stdout, cli.Stderr, !exited);
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout, bool killOnTimeout = true)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            _process.WaitForExit(); // drains the redirected output
            return true;
        }
        catch (OperationCanceledException)
        {
            if (killOnTimeout) Kill();
            return false;
        }
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; false if the process exits or time runs out first.</summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout)
    {
        // An exited process prints nothing more: no reason to wait longer then.
        await Eventually.Holds(timeout, () => _process.HasExited || Stdout.Contains(text, StringComparison.Ordinal));
        return Stdout.Contains(text, StringComparison.Ordinal);
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>The standard input of a process started with redirectInput: true, for input written while it runs (a pipe).</summary>
    public Stream Input => _process.StandardInput.BaseStream;

    /// <summary>Ends the input (the reader sees end of file, as when the writer of a pipe exits).</summary>
    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>SIGKILL: the process gets no chance to leave the cluster or flush anything.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { }
    }

    /// <summary>SIGTERM: the broker leaves the cluster gracefully (coordinated shutdown).</summary>
    public void Terminate()
    {
        if (!_process.HasExited) _ = SendSignal(_process.Id, 15);
    }

    /// <summary>
    /// SIGSTOP: the process freezes where it is (a GC pause, a stalled VM) without closing a socket or a file, so the
    /// rest of the cluster sees only silence. <see cref="Resume"/> lets it run on as if nothing had happened.
    /// </summary>
    public void Pause()
    {
        if (!_process.HasExited && SendSignal(_process.Id, 19) != 0)
            throw new InvalidOperationException($"SIGSTOP to {_process.Id} failed (errno {Marshal.GetLastPInvokeError()})");
    }

    /// <summary>SIGCONT: a paused process runs on.</summary>
    public void Resume()
    {
        if (!_process.HasExited) _ = SendSignal(_process.Id, 18);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    /// <summary>The last lines of both outputs, for a failing spec's message.</summary>
    public override string ToString() =>
        $"stdout tail:\n{string.Join("\n", Stdout.Split('\n').TakeLast(20))}\nstderr tail:\n{string.Join("\n", Stderr.Split('\n').TakeLast(30))}";

    public void Dispose()
    {
        Kill();
        _process.WaitForExit(5000);
        _process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

public sealed record CliResult(int ExitCode, string Stdout, string Stderr, bool TimedOut)
{
    public override string ToString() => $"exit {ExitCode}{(TimedOut ? " (timed out)" : "")}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}
