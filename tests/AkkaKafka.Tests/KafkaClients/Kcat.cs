using AkkaKafka.Tests.EndToEnd;
using AkkaKafka.Tests.Support;
using Xunit;

namespace AkkaKafka.Tests.KafkaClients;

/// <summary>
/// kcat (librdkafka's command-line client, from Debian) as a child process: runs to completion or keeps running
/// (a -G group member) until disposed. Every run is bounded; every process is killed on dispose.
/// </summary>
public static class Kcat
{
    /// <summary>The kcat on PATH, or null.</summary>
    public static string? Path { get; } = Executables.Find("kcat");

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

    /// <summary>A kcat that keeps running (e.g. a -G member); SIGTERM (Terminate) makes it commit, leave its group and exit.</summary>
    public static CliProcess Start(params string[] args) =>
        CliProcess.StartProgram(Required, args, Directory.GetCurrentDirectory(), redirectInput: false);

    /// <summary>Runs kcat to completion with optional stdin, killing it after <paramref name="timeout"/>.</summary>
    public static Task<CliResult> RunAsync(TimeSpan timeout, string? stdin, params string[] args) =>
        CliProcess.RunProgramAsync(Required, args, timeout, stdin);

    private static string Required => Path ?? throw new InvalidOperationException("kcat is not on PATH");
}
