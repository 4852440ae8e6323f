using System.Diagnostics;
using System.Text;
using AkkaKafka.Tests.EndToEnd;
using AkkaKafka.Tests.Support;
using Xunit;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// kcat (librdkafka's command-line client, from Debian) as a child process: runs to completion or keeps running
/// (a -G group member) until disposed. Every run is bounded; every process is killed on dispose.
/// </summary>
public sealed class Kcat : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly object _lock = new();

    private Kcat(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_lock) _stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_lock) _stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Stdout { get { lock (_lock) return _stdout.ToString(); } }
    public string Stderr { get { lock (_lock) return _stderr.ToString(); } }
    public bool HasExited => _process.HasExited;

    /// <summary>The kcat on PATH, or null.</summary>
    public static string? Path { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(d => System.IO.Path.Combine(d, "kcat"))
        .FirstOrDefault(File.Exists);

    /// <summary>
    /// Skips the calling spec when kcat is not installed, but fails it under CI=true (CI installs kcat, see .ci/run),
    /// as the PostgreSQL specs do with their server.
    /// </summary>
    public static void EnsureAvailable()
    {
        if (Path is not null) return;
        if (PostgresJournal.RunningOnCi)
            throw new InvalidOperationException("CI=true but kcat is not on PATH: the kcat specs must run on CI (.ci/run installs it with apt-get).");
        Skip.If(true, "kcat is not on PATH (apt-get install kcat)");
    }

    public static Kcat Start(params string[] args) => Start(redirectInput: false, args);

    private static Kcat Start(bool redirectInput, string[] args)
    {
        var info = new ProcessStartInfo(Path ?? throw new InvalidOperationException("kcat is not on PATH"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        var kcat = new Kcat(Process.Start(info) ?? throw new InvalidOperationException("could not start kcat"));
        if (!redirectInput) kcat._process.StandardInput.Close();
        return kcat;
    }

    /// <summary>Runs kcat to completion with optional stdin, killing it after <paramref name="timeout"/>.</summary>
    public static async Task<CliResult> RunAsync(TimeSpan timeout, string? stdin, params string[] args)
    {
        using var kcat = Start(redirectInput: true, args);
        if (stdin is not null) await kcat._process.StandardInput.WriteAsync(stdin);
        kcat._process.StandardInput.Close();
        var exited = await kcat.WaitForExitAsync(timeout);
        return new CliResult(exited ? kcat._process.ExitCode : -1, kcat.Stdout, kcat.Stderr, !exited);
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
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
            Kill();
            return false;
        }
    }

    /// <summary>SIGTERM: kcat closes its consumer (commits and leaves the group) and exits.</summary>
    public void Terminate()
    {
        if (!_process.HasExited) _ = SendSignal(_process.Id, 15);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { }
    }

    public override string ToString() => $"kcat stdout tail:\n{string.Join("\n", Stdout.Split('\n').TakeLast(20))}\nkcat stderr:\n{string.Join("\n", Stderr.Split('\n').TakeLast(30))}";

    public void Dispose()
    {
        Kill();
        _process.WaitForExit(5000);
        _process.Dispose();
    }
}
