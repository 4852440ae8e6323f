using System.Reflection;
using Akka.Configuration;

namespace AkkaKafka.Protocol;

/// <summary>
/// The reference HOCON files, embedded in the assembly that owns each (Akka's reference.conf convention): the repository
/// keeps them in hocon/, and every default of a settings class is written there and nowhere else. Embedded, they travel
/// inside the binaries and cannot go missing or drift beside them; an operator's changes go in --config.
/// </summary>
public static class HoconFiles
{
    private const string ResourcePrefix = "AkkaKafka.Reference.";

    /// <summary>akkakafka.security.remote-tls, http-tls and akka-client-authentication, for brokers and clients alike.</summary>
    public static Config Tls => Embedded(typeof(HoconFiles).Assembly, "tls.hocon");

    /// <summary>The bindings of every wire message to its binary serializer.</summary>
    public static Config Serialization => Embedded(typeof(HoconFiles).Assembly, "serialization.hocon");

    /// <summary>One reference file embedded in <paramref name="owner"/>, freshly parsed (callers may layer it as they like).</summary>
    public static Config Embedded(Assembly owner, string fileName)
    {
        using var stream = owner.GetManifestResourceStream(ResourcePrefix + fileName)
                           ?? throw new FileNotFoundException($"HOCON file '{fileName}' is not embedded in {owner.GetName().Name}");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }

    /// <summary>Layers configurations, lowest first: each one overrides those before it.</summary>
    public static Config Layer(params Config[] lowestFirst) =>
        lowestFirst.Aggregate(Config.Empty, (under, over) => over.WithFallback(under));

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
