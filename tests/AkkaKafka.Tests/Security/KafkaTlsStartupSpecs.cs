using AkkaKafka.Tests.EndToEnd;
using Xunit;

namespace AkkaKafka.Tests.Security;

/// <summary>
/// A broker given Kafka TLS or SASL settings it cannot use stops at once with one line on stderr, before it joins
/// any cluster: exit 1 for files it cannot use, 2 for a flag that is wrong as written.
/// </summary>
[Collection(EndToEndCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class KafkaTlsStartupSpecs : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(40);
    private readonly TestCertificate _certificate = TestCertificate.Create();

    public void Dispose() => _certificate.Dispose();

    private async Task<string> OneErrorLine(int exitCode, params string[] flags)
    {
        string[] args = ["broker", "--port", CliProcess.FreePort().ToString(), "--kafka-port", CliProcess.FreePort().ToString(), "--http-port", "0",
            "--data", Path.Combine(_certificate.Directory, "data"), .. flags];
        var result = await CliProcess.RunAsync(_certificate.Directory, Bound, null, args);
        Assert.False(result.TimedOut, result.ToString());
        Assert.True(result.ExitCode == exitCode, result.ToString());
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("error: ", line);
        return line;
    }

    [Fact]
    public async Task A_key_that_is_not_the_certificates_is_one_line_naming_both_files()
    {
        var otherKey = _certificate.WriteOtherKey();
        var line = await OneErrorLine(1, "--kafka-tls-cert", _certificate.CertFile, "--kafka-tls-key", otherKey);
        Assert.Contains("cannot use the Kafka TLS certificate", line);
        Assert.Contains(otherKey, line);
    }

    [Fact]
    public async Task A_missing_key_file_is_one_line_naming_it()
    {
        var line = await OneErrorLine(1, "--kafka-tls-cert", _certificate.CertFile, "--kafka-tls-key", Path.Combine(_certificate.Directory, "absent.pem"));
        Assert.Contains("absent.pem' does not exist", line);
    }

    [Fact]
    public async Task An_encrypted_key_is_opened_with_the_passphrase_from_a_file_and_a_wrong_one_is_one_line()
    {
        var key = _certificate.WriteEncryptedKey("correct horse");
        var wrong = Path.Combine(_certificate.Directory, "wrong-passphrase");
        await File.WriteAllTextAsync(wrong, "battery staple\n");
        var line = await OneErrorLine(1, "--kafka-tls-cert", _certificate.CertFile, "--kafka-tls-key", key, "--kafka-tls-key-password-file", wrong);
        Assert.Contains("cannot use the Kafka TLS certificate", line);

        var right = Path.Combine(_certificate.Directory, "passphrase");
        await File.WriteAllTextAsync(right, "correct horse\n"); // the line break `echo` leaves is not part of it
        var port = CliProcess.FreePort();
        using var broker = CliProcess.Start(_certificate.Directory, "broker", "--port", port.ToString(), "--kafka-port", CliProcess.FreePort().ToString(),
            "--http-port", "0", "--data", Path.Combine(_certificate.Directory, "data-encrypted"),
            "--kafka-tls-cert", _certificate.CertFile, "--kafka-tls-key", key, "--kafka-tls-key-password-file", right);
        try
        {
            Assert.True(await broker.WaitForOutputAsync("is up", TimeSpan.FromSeconds(60)), broker.ToString());
            Assert.Contains(", SSL", broker.Stdout); // the banner's Kafka line: clients need security.protocol=SSL
        }
        finally
        {
            broker.Kill();
        }
    }

    [Fact]
    public async Task A_certificate_without_a_key_and_an_unknown_mechanism_are_bad_usage()
    {
        Assert.Contains("--kafka-tls-cert and --kafka-tls-key go together", await OneErrorLine(2, "--kafka-tls-cert", _certificate.CertFile));
        Assert.Contains("unknown mechanism 'GSSAPI'", await OneErrorLine(2, "--kafka-sasl-mechanisms", "SCRAM-SHA-256,GSSAPI"));
    }
}
