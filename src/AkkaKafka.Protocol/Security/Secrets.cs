namespace AkkaKafka.Protocol.Security;

/// <summary>
/// Secrets (a database password inside a connection string, a TLS key's passphrase, a user's password) come from a
/// file or an environment variable, never only from the command line, where `ps` and shell histories show them.
/// </summary>
public static class Secrets
{
    public const string TlsKeyPasswordVariable = "AKKAKAFKA_TLS_KEY_PASSWORD";
    public const string ConnectionStringVariable = "AKKAKAFKA_CONNECTION_STRING";
    public const string PasswordVariable = "AKKAKAFKA_PASSWORD";

    /// <summary>
    /// The secret in <paramref name="file"/> when one is named (it wins: it was asked for explicitly), else the
    /// environment variable's value, else null. One trailing line break is dropped, as `echo secret > file` writes one.
    /// </summary>
    /// <exception cref="ArgumentException">The file cannot be read (one line naming it).</exception>
    public static string? Read(string? file, string environmentVariable)
    {
        if (!string.IsNullOrEmpty(file))
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ArgumentException($"cannot read the secret file '{file}': {e.Message}");
            }
            return TrimLineBreak(text);
        }
        return Environment.GetEnvironmentVariable(environmentVariable) is { Length: > 0 } value ? value : null;
    }

    private static string TrimLineBreak(string text) =>
        text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
}
