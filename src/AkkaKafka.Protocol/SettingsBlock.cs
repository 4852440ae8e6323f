using Akka.Configuration;

namespace AkkaKafka.Protocol;

/// <summary>
/// One block of settings (akkakafka.broker, akkakafka.client …) read by a settings class. Every default lives in the
/// reference HOCON files (hocon/*.hocon), never in code: a key the configuration lacks is an error naming its full path,
/// where Akka's own getters would quietly answer 0, false or null (or a fallback written beside them that drifts from
/// the reference, as retention and the consumer's fetch bytes once did).
/// </summary>
public sealed class SettingsBlock
{
    private readonly Config _config;

    public SettingsBlock(Config config, string path)
    {
        Path = path;
        _config = config.GetConfig(path) is { IsEmpty: false } block
            ? block
            : throw new ConfigurationException($"{path} is missing from the configuration (its defaults are in the reference HOCON)");
    }

    /// <summary>The block's full path, for error messages.</summary>
    public string Path { get; }

    public bool Boolean(string key) => Required(key).GetBoolean(key);
    public int Int(string key) => Required(key).GetInt(key);
    public long Long(string key) => Required(key).GetLong(key);
    public string String(string key) => Required(key).GetString(key) ?? "";
    public IList<string> StringList(string key) => Required(key).GetStringList(key) ?? [];
    public long ByteSize(string key) => Required(key).GetByteSize(key) ?? throw Invalid(key, "a size");
    public TimeSpan TimeSpan(string key, bool allowInfinite = true) => Required(key).GetTimeSpan(key, null, allowInfinite);

    /// <summary>The one-line error for a key whose value is out of bounds.</summary>
    public ConfigurationException Invalid(string key, string expected) => new($"{Path}.{key} must be {expected}");

    private Config Required(string key) =>
        _config.HasPath(key)
            ? _config
            : throw new ConfigurationException($"{Path}.{key} is missing from the configuration (its default belongs in the reference HOCON)");
}
