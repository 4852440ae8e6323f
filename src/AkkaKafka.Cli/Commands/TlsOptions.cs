using System.CommandLine;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Cli.Commands;

/// <summary>
/// --tls-cert, --tls-key, --tls-ca and --tls-key-password-file: TLS on Akka remoting, on every command (the broker
/// and every client take the same flags, given once on the root command and inherited by the subcommands).
/// </summary>
internal sealed class TlsOptions
{
    public static readonly Option<string?> CertFlag = new("--tls-cert") { Description = "PEM certificate for TLS on Akka remoting (brokers: also HTTPS)", Recursive = true };
    public static readonly Option<string?> KeyFlag = new("--tls-key") { Description = "PEM private key of --tls-cert", Recursive = true };
    public static readonly Option<string?> CaFlag = new("--tls-ca") { Description = "PEM certificates a peer's certificate must chain to (default: --tls-cert's own)", Recursive = true };
    public static readonly Option<string?> KeyPasswordFileFlag = new("--tls-key-password-file")
    {
        Description = $"File holding the passphrase of an encrypted --tls-key (or set {Secrets.TlsKeyPasswordVariable})",
        Recursive = true,
    };

    public static IEnumerable<Option> All => [CertFlag, KeyFlag, CaFlag, KeyPasswordFileFlag];

    /// <summary>No TLS flags: the HOCON settings (plaintext by default).</summary>
    public static readonly TlsOptions None = new(null, null, null, null);

    private TlsOptions(string? cert, string? key, string? ca, string? keyPasswordFile)
    {
        CertFile = cert;
        KeyFile = key;
        CaFile = ca;
        KeyPasswordFile = keyPasswordFile;
    }

    public string? CertFile { get; }
    public string? KeyFile { get; }
    public string? CaFile { get; }
    public string? KeyPasswordFile { get; }

    /// <summary>What the command line says; files that do not exist are bad usage, said at once.</summary>
    public static TlsOptions From(System.CommandLine.ParseResult parsed)
    {
        var options = new TlsOptions(parsed.GetValue(CertFlag), parsed.GetValue(KeyFlag), parsed.GetValue(CaFlag), parsed.GetValue(KeyPasswordFileFlag));
        if (options.CertFile is null != options.KeyFile is null)
            throw new UsageException("--tls-cert and --tls-key go together");
        if (options.CertFile is null && (options.CaFile ?? options.KeyPasswordFile) is not null)
            throw new UsageException("--tls-ca and --tls-key-password-file need --tls-cert and --tls-key");
        foreach (var (flag, file) in new[] { ("--tls-cert", options.CertFile), ("--tls-key", options.KeyFile), ("--tls-ca", options.CaFile), ("--tls-key-password-file", options.KeyPasswordFile) })
            if (file is not null && !File.Exists(file))
                throw new UsageException($"{flag}: file '{file}' does not exist");
        return options;
    }

    /// <summary>The akkakafka.security.remote-tls keys the flags set, as HOCON over the client's or broker's files.</summary>
    public Akka.Configuration.Config ToConfig()
    {
        var lines = new List<string>();
        if (CertFile is { } cert) lines.Add($"{RemoteTlsSettings.Path}.cert = {Quote(Path.GetFullPath(cert))}");
        if (KeyFile is { } key) lines.Add($"{RemoteTlsSettings.Path}.key = {Quote(Path.GetFullPath(key))}");
        if (CaFile is { } ca) lines.Add($"{RemoteTlsSettings.Path}.ca = {Quote(Path.GetFullPath(ca))}");
        if (KeyPasswordFile is { } file) lines.Add($"{RemoteTlsSettings.Path}.key-password-file = {Quote(Path.GetFullPath(file))}");
        return Akka.Configuration.ConfigurationFactory.ParseString(string.Join("\n", lines));
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
