using Akka.Configuration;

namespace AkkaKafka.Protocol;

/// <summary>
/// Loads the project's HOCON files (the repository's hocon/ folder, copied beside every program's binaries).
/// Later files override earlier ones.
/// </summary>
public static class HoconFiles
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "hocon");

    public static Config Load(params string[] fileNames)
    {
        var config = Config.Empty;
        foreach (var name in fileNames)
        {
            var path = Path.Combine(Directory, name);
            if (!File.Exists(path))
                throw new FileNotFoundException($"HOCON file '{name}' is missing from {Directory}", path);
            config = ConfigurationFactory.ParseString(File.ReadAllText(path)).WithFallback(config);
        }
        return config;
    }

    /// <summary>Parses a user's extra HOCON file (--config), with a one-line error when it is missing or malformed.</summary>
    public static Config LoadUserFile(string path)
    {
        if (!File.Exists(path)) throw new ArgumentException($"config file '{path}' does not exist");
        try
        {
            return ConfigurationFactory.ParseString(File.ReadAllText(path));
        }
        catch (Exception e) when (e is not ArgumentException)
        {
            throw new ArgumentException($"config file '{path}' is not valid HOCON: {e.Message}");
        }
    }
}
