namespace AkkaKafka.Tests.Support;

/// <summary>Finds a program on PATH, as a shell would; specs skip (or fail under CI) when a client they drive is missing.</summary>
public static class Executables
{
    public static string? Find(string name) => (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(d => Path.Combine(d, name))
        .FirstOrDefault(File.Exists);
}
