using Microsoft.Data.Sqlite;

namespace AkkaKafka.Tests.Support;

/// <summary>A fresh, empty data directory for one spec; deleted with everything in it on dispose.</summary>
public sealed class TempDataDirectory : IDisposable
{
    private TempDataDirectory(string path) => Path = path;

    public string Path { get; }

    public static TempDataDirectory Create()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "akkakafka-specs", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return new TempDataDirectory(path);
    }

    public void Dispose()
    {
        // Pooled SQLite connections keep the journal files open; release them before deleting.
        SqliteConnection.ClearAllPools();
        try
        {
            if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A straggling handle must not fail the spec; the OS temp cleaner gets the rest.
        }
    }
}
