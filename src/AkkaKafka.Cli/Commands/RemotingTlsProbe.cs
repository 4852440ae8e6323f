using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Cli.Commands;

/// <summary>
/// Says why a cluster that accepts TCP connections does not answer, when TLS is the reason: Akka only logs a refused
/// handshake and the client just waits, which would leave "no answer within 15s" as the whole story.
/// </summary>
/// <remarks>
/// It runs only after a command failed, never before every command: a TLS ClientHello sent to a plaintext broker is
/// logged there as a malformed frame, which nobody should see for every command that works.
/// </remarks>
internal static class RemotingTlsProbe
{
    /// <summary>One line naming the TLS mismatch with the first contact that accepts a connection, or null when TLS is not the problem.</summary>
    public static async Task<string?> ExplainAsync(IReadOnlyList<HostPort> contacts, TlsOptions tls, TimeSpan within)
    {
        foreach (var contact in contacts)
        {
            using var tcp = new TcpClient();
            using var cts = new CancellationTokenSource(within);
            try
            {
                await tcp.ConnectAsync(contact.Host, contact.Port, cts.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                continue;
            }
            return await HandshakeAsync(tcp.GetStream(), contact, tls, cts.Token);
        }
        return null;
    }

    private static async Task<string?> HandshakeAsync(NetworkStream network, HostPort contact, TlsOptions tls, CancellationToken ct)
    {
        X509Certificate2? own = null;
        X509Certificate2Collection? trusted = null;
        if (tls.CertFile is not null && tls.KeyFile is not null)
        {
            try
            {
                own = TlsCertificates.LoadWithKey(tls.CertFile, tls.KeyFile, Secrets.Read(tls.KeyPasswordFile, Secrets.TlsKeyPasswordVariable));
                trusted = TlsCertificates.LoadAll(tls.CaFile ?? tls.CertFile);
            }
            catch (ArgumentException e)
            {
                return e.Message;
            }
        }
        var serverTrusted = true;
        await using var ssl = new SslStream(network, leaveInnerStreamOpen: false, (_, certificate, chain, _) =>
        {
            // Without our own TLS settings any certificate will do: the point is only whether the broker speaks TLS.
            if (trusted is null || certificate is null) return true;
            using var peer = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            serverTrusted = TlsCertificates.ChainsTo(peer, trusted, chain);
            return serverTrusted;
        });
        try
        {
            var options = new SslClientAuthenticationOptions { TargetHost = contact.Host };
            if (own is not null) options.ClientCertificates = [own];
            await ssl.AuthenticateAsClientAsync(options, ct);
        }
        catch (AuthenticationException) when (!serverTrusted)
        {
            return $"the TLS certificate of the broker at {contact} does not chain to {(tls.CaFile is null ? "--tls-cert" : "--tls-ca")}";
        }
        catch (Exception e) when (e is IOException or AuthenticationException or OperationCanceledException)
        {
            return own is null ? null : $"the broker at {contact} does not speak TLS on remoting (started without --tls-cert?); try without the --tls-* flags";
        }
        if (own is null)
            return $"the broker at {contact} speaks TLS on remoting: give --tls-cert and --tls-key";
        // With TLS 1.3 a server checks the client's certificate after the client's side of the handshake is done: a
        // refusal arrives as an alert on the first read, an acceptance as silence (Akka waits for the client to speak).
        try
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            var read = await ssl.ReadAsync(new byte[1], wait.Token);
            return read == 0 ? $"the broker at {contact} refused this client's TLS certificate (it does not chain to the broker's trusted certificates)" : null;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or AuthenticationException)
        {
            return $"the broker at {contact} refused this client's TLS certificate (it does not chain to the broker's trusted certificates)";
        }
    }
}
