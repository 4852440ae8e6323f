using AkkaKafka.Tests.EndToEnd;
using AkkaKafka.Tests.Support;
using Xunit;

namespace AkkaKafka.Tests.Http;

/// <summary>
/// Debian's headless Chromium as a child process: loads a page, runs its scripts for a bounded virtual time and
/// prints the resulting DOM. Each run gets a new, deleted-afterwards profile directory and is killed on timeout.
/// </summary>
public static class Chromium
{
    /// <summary>The chromium on PATH, or null.</summary>
    public static string? Path { get; } = Executables.Find("chromium");

    /// <summary>Skips the calling spec when chromium is not installed, but fails it under CI=true (.ci/run installs it).</summary>
    public static void EnsureAvailable()
    {
        if (Path is not null) return;
        if (PostgresJournal.RunningOnCi)
            throw new InvalidOperationException("CI=true but chromium is not on PATH: the web console spec must run on CI (.ci/run installs it with apt-get).");
        Skip.If(true, "chromium is not on PATH (apt-get install chromium)");
    }

    /// <summary>The DOM of <paramref name="url"/> after its scripts ran for up to 5 s of virtual time (polls and renders included).</summary>
    public static async Task<string> DumpDomAsync(Uri url)
    {
        var profile = Directory.CreateTempSubdirectory("akkakafka-chromium-");
        try
        {
            var result = await CliProcess.RunProgramAsync(Path ?? throw new InvalidOperationException("chromium is not on PATH"),
                [.. Flags(profile.FullName), "--virtual-time-budget=5000", "--dump-dom", url.ToString()], TimeSpan.FromSeconds(90), null);
            Assert.False(result.TimedOut, $"chromium did not finish: {result}");
            Assert.True(result.ExitCode == 0, $"chromium failed: {result}");
            return result.Stdout;
        }
        finally
        {
            try { profile.Delete(recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Headless, no sandbox (containers), nothing that reaches out to the network on its own.</summary>
    private static string[] Flags(string profile) =>
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}",
    ];
}
