using System.Globalization;

namespace AkkaKafka.Protocol;

/// <summary>A "host:port" endpoint as users write it in --bootstrap and --seed.</summary>
public readonly record struct HostPort(string Host, int Port)
{
    public override string ToString() => $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static HostPort Parse(string text, int defaultPort = Names.DefaultRemotingPort)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0) throw new FormatException("empty host:port");
        var colon = trimmed.LastIndexOf(':');
        if (colon < 0) return new HostPort(trimmed, defaultPort);
        var host = trimmed[..colon];
        if (host.Length == 0 || !int.TryParse(trimmed[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            throw new FormatException($"'{text}' is not host:port");
        return new HostPort(host, port);
    }

    /// <summary>Parses a comma-separated list such as "127.0.0.1:4053,127.0.0.1:4054".</summary>
    public static IReadOnlyList<HostPort> ParseList(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => Parse(s)).ToList();
}
